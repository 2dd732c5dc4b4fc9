"""Accounts, roles, data scopes, sessions, API tokens."""
