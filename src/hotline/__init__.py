"""hotline: an open-source platform for a Chinese 12345 government service hotline."""

__version__ = "0.1.0"
