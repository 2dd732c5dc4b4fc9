"""Quality inspection (质检) and agents' figures: what each agent and seat did in a period,
an admin-defined checklist, sampled inspections of calls and orders scored on it, the
agent's single appeal, monthly scores per agent, team and outsourced operator."""
