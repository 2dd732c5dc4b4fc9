"""Notifications to citizens and units (SMS), sent through the transactional outbox."""
