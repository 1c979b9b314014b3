"""`postdesk worker`: the scheduled jobs (outbox delivery now; SLA checks and the rest as they arrive)."""
