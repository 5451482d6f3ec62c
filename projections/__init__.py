"""Projections: stage snapshots, attribution, replay at any point, contribution history.

Folded from the event log (``fold.ProjectionFold``), stored with their checkpoint in one
transaction by one runner (``runner.ProjectionRunner``), read through ``queries`` by the
HTTP routes (``api.routes()``) and the ``kokreasi rebuild`` / ``kokreasi replay`` commands.
"""
