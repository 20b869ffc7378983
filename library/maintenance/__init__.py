"""Keeping an instance whole: the reconciler, backups and fault checkpoints.

Kept light on import: library.maintenance.faults is called from the ingest pipeline and
the search engine, which know nothing of Flask.
"""
