"""The conventions every JSON route of Kokreasi keeps, whichever part serves it: errors as
RFC 9457 problem details. A leaf: it imports nothing else of Kokreasi."""
