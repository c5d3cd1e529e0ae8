"""The import: definitions, pipeline, store, RQ tasks and schedules. Never imports Flask.

Filled by the import-engine and saved-imports work.
"""
