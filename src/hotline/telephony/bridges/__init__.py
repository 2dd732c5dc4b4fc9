"""Bridges from PBXs to the call-event interface (docs/cti-pbx.md)."""
