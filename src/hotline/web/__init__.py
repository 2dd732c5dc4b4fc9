"""The web layer shared by every domain: app plumbing, dependencies, templates, layout."""
