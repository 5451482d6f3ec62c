"""Who is calling: signed tokens, the principal they carry, and the access decisions the live
server asks for. A leaf over the event record (``events.record``): it imports nothing else of
Kokreasi."""
