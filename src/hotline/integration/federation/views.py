"""Pages of federation (placeholder; filled below)."""

from __future__ import annotations

from hotline.web import routing

router = routing.router(tags=["federation-pages"])
