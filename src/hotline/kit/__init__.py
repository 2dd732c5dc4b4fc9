"""Shared plumbing: database, clock, errors, crypto, validation, logging."""
