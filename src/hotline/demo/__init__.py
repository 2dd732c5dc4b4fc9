"""Demo data: a fictional province with its regions, units, category tree and accounts."""
