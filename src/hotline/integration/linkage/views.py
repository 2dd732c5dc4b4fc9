"""Pages of linkage (联动) — filled in below."""

from __future__ import annotations

from hotline.web import routing

router = routing.router()
