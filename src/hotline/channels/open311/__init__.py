"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): the public service list, service
definitions, posting and reading service requests under ``/open311/v2/``, in JSON and XML.

A service is a category the centre opens to Open311 (``service_code`` = the category code);
a posted request enters by ``workorder.service.intake`` on the channel its API key names, and
is read back through the order's public read (``workorder.service.open311_records``) — never
the order's tables. Files: ``models`` (keys, service definitions, request records),
``rules`` (pure: attributes, placement, formats), ``repository``, ``service``,
``endpoints`` (the GeoReport resources and the admin JSON API), ``views`` (admin pages)."""
