"""Real-time push (实时推送) to departments and outside systems: subscriptions, signed
deliveries through the outbox with retries, the delivery log with replay, and the pull feed
over the same events (docs/webhooks.md)."""
