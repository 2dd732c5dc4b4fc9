"""The workbench (工作台): each role's home page — what it acts on now."""
