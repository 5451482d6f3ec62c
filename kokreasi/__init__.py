"""The composition root: settings, the assembled web application, and the ``kokreasi`` command.

Everything that wires the parts together lives here, so the parts themselves import only
downwards: kokreasi → {server, process, audit} → projections → {events, identity, commitment}.
"""
