"""Analytics: statistics, reports and public disclosure."""
