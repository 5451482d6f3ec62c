"""Negotiation on the record (issue #13): comments and suggestions on a commitment document,
decided with reasons, each step a domain event under its author; mirrored into the document's
``review`` root for live editors (docs/contracts.md, "Negotiation")."""
