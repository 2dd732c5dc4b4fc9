"""The two formats of GeoReport v2: JSON and XML, element names as the specification's
examples show them (``services/service``, ``service_definition/attributes/attribute/
values/value``, ``service_requests/request``, ``errors/error``, ``discovery/endpoints/
endpoint/formats/format``). Pure: documents in, bytes out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: A list field's element and the element of each of its items.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, list | tuple):
        item_tag = LIST_ITEMS.get(tag, "item")
        for inner in value:
            _fill(element, item_tag, inner)
    else:
        element.text = _text(value)


def xml_document(root: str, item: str | None, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    """``<root><item>…</item>…</root>`` for a list, ``<root>…</root>`` for one object."""
    top = ET.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _fill(top, key, value)
    else:
        assert item is not None
        for entry in body:
            _fill(top, item, entry)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, item: str | None,
           body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    if fmt == "xml":
        return xml_document(root, item, body)
    return json.dumps(body, ensure_ascii=False).encode()


def errors(fmt: str, code: int, description: str) -> bytes:
    """The specification's error array: ``[{"code": …, "description": …}]`` or
    ``<errors><error><code/><description/></error></errors>``."""
    return render(fmt, "errors", "error", [{"code": code, "description": description}])
