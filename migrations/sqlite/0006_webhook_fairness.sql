-- 0006_webhook_fairness: indexes for the fair claim of webhook deliveries (at most so many
-- attempts in flight per endpoint and per account). Append-only: never edit a shipped
-- migration.

-- An endpoint's pending deliveries, oldest due first: the claim reads each enabled
-- endpoint's first few free ones, whatever the backlog.
CREATE INDEX webhook_deliveries_pending_by_endpoint
    ON webhook_deliveries(endpoint_id, next_attempt_at, id) WHERE status = 'pending';

-- The pending deliveries by lease: the attempts in flight (lease after now) are found
-- without reading the backlog.
CREATE INDEX webhook_deliveries_leased
    ON webhook_deliveries(lease_until) WHERE status = 'pending';
