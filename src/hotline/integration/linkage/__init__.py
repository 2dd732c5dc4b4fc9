"""Linkage (联动) with the 110/119/120/122 emergency lines and the utilities' service lines:
the register of lines, linkage records on orders, utility keys, statistics."""
