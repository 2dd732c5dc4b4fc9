"""Analytics: the statistics every figure of the platform is read from (a cube of daily and
monthly counts kept from the work-order events), the workbench, reports and public disclosure.
See docs/statistics.md and docs/adr/0026-statistics-cube.md."""
