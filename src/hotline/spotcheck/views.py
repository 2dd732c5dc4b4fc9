"""Pages of spot checks and rectification lists (filled below)."""
from hotline.web import routing

router = routing.router()
