"""Supervision and evaluation: deadline sweeps, ledgers, unit statistics and rankings."""
