"""Organisation: regions, handling units, the category tree, appeal types and channels."""
