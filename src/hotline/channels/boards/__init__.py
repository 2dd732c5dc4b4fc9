"""Merged online message boards (网络留言板): boards as channels, the import of their export
files and the pull of their JSON APIs as appeals through the one intake, duplicates merged
across channels, and the reply file that takes the answers back (service.py)."""
