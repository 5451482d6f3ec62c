"""The subcommands of ``kokreasi``, one module per area: serve and token (``serve``), verify and
migrate (``log``), demo (``demo``), rebuild and replay (``projections``), audit and export
(``audit``)."""
