"""Public disclosure (公开曝光, S0 §四): each month's figures per city or province and typical
cases (典型案例), anonymised, reviewed by a second person and published on a public page with
JSON and RSS feeds."""
