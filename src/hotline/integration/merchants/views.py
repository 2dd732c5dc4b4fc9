"""Pages of the service-merchant register (filled in below)."""

from __future__ import annotations

from hotline.web import routing

router = routing.router()
