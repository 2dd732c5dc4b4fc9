"""The browsable API documentation (Swagger UI) at ``/api/docs``.

Government intranets are often offline, so Swagger UI's script and style come from the
package (``static/vendor``, copied from the npm package ``swagger-ui-dist`` by ``./dev``), and
its start-up code from ``static/js/swagger-init.js``: the page needs no inline script and
carries the same Content-Security-Policy as every other page (no outside origin)."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from hotline.web import routing

router = routing.router()

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>hotline API 文档</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui.css">
<link rel="icon" href="/static/vendor/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/js/swagger-init.js"></script>
</body>
</html>
"""


@router.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs() -> HTMLResponse:
    return HTMLResponse(PAGE)
