"""Spot checks (工单抽查, S0 督导检查 and S4 省直部门抽查) and rectification lists (整改清单, S0)."""
