"""Outside channels: Open311 GeoReport v2 (``channels.open311``) and merged online message
boards (``channels.boards``). Each builds an ``IntakeData`` with the channel's own reference
and enters by ``workorder.service.intake``; none touches the order's tables
(docs/adr/0017-channel-model.md)."""
