"""The audit trail and the exports: what lets anyone check the history without trusting us.

    merkle        RFC 9162 tree heads, inclusion and consistency proofs
    keys          the Ed25519 signing key in the data directory, and the ring of public keys
    checkpoints   signed checkpoints of the log, recorded as ``audit.checkpoint`` events
    proofs        consistency proofs between an older size and a newer checkpoint
    bundle/lines  the audit bundle of a plan (JSON Lines) and its line format
    verify        offline verification of a bundle (with replay and summary)
    api/commands  the HTTP routes and the ``kokreasi audit``/``kokreasi export`` commands
    exports/      the plan in the commitment template (DOCX, PDF), open data, evidence pack
"""
