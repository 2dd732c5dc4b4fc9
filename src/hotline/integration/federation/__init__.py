"""Federation (跨市互派): peer platforms exchanging work orders (docs/adr/0023-federation.md)."""
