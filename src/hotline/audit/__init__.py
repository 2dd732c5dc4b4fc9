"""The append-only, SM3-chained audit log: every login, every write, every PII view."""
