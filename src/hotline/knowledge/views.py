"""Staff pages of the knowledge base (being written)."""

from __future__ import annotations

from hotline.web import routing

router = routing.router()
