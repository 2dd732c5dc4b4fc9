"""Telephony: the calls of the hotline as the centre's PBX/ACD reports them (call events), the
seats and queues they reach, the agent's screen-pop, call statistics and quality inspection.

The PBX keeps doing the telephony; this package takes its events (``POST /api/v1/cti/events``),
keeps the call record and meets the work order only through ``workorder``'s service functions."""
