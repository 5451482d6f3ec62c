"""The co-creation process of a National Action Plan, enforced by the server.

    domain      stages, methods, statuses; the domain event types and their streams
    state       ProcessState, a pure fold of those events
    permissions the permission table (stage x stakeholder x working-group membership)
    runtime     the state of one instance, following the log (read-your-writes, listeners)
    service     the commands: check, append, wait until folded
    policy      ProcessPolicy: the live server's AccessPolicy over the runtime
    validation  the template's rules, as a report per commitment
    api         the JSON API under /api/ (and /invite/{token}); openapi documents it
    demo        the demo plan (``kokreasi demo`` is in kokreasi.commands.demo)
"""
