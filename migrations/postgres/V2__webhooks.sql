-- V2__webhooks: webhook endpoints, the outbox of events, deliveries, timed-notice records
-- (issue 13). Instants are BIGINT Unix seconds (UTC). Append-only: never edit a shipped
-- migration.

-- An account's receivers. `events` is '' for every kind, else ',kind,kind,'. Secrets are
-- nonce || XChaCha20-Poly1305 ciphertext, bound to the endpoint and slot by associated data.
CREATE TABLE webhook_endpoints (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    account_id            BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url                   TEXT    NOT NULL,
    events                TEXT    NOT NULL,
    description           TEXT,
    secret                BYTEA    NOT NULL,
    previous_secret       BYTEA,
    previous_secret_until BIGINT,
    created_at            BIGINT NOT NULL,
    disabled_at           BIGINT,
    disabled_reason       TEXT,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_endpoints_by_account ON webhook_endpoints(account_id, created_at, id);

-- The outbox: one row per event, written in the transaction of the change that caused it,
-- with a snapshot of what it is about (a connection's public fields, or a profile's).
CREATE TABLE webhook_events (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    account_id         BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_type         TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    profile_key        TEXT,
    profile_name       TEXT,
    profile_created_at BIGINT,
    platform           TEXT,
    display_name       TEXT,
    username           TEXT,
    did                TEXT,
    connected_at       BIGINT,
    expires_at         BIGINT,
    revoked            BOOLEAN
);

-- One row per (event, endpoint). A deliverer leases a pending row (lease_until) before its
-- attempt, so that no two deliverers send it at once.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        TEXT    NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id);

-- The timed notices already written, one per (token, threshold): threshold 0 is
-- `connection.expired`. A renewed token has a new expires_at, so it starts afresh.
CREATE TABLE webhook_notices (
    profile_key TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    expires_at  BIGINT NOT NULL,
    threshold   BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (profile_key, platform, expires_at, threshold)
);
