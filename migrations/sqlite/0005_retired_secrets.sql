-- 0005_retired_secrets: every retired webhook signing secret keeps signing until 24 h
-- after its own rotation, however many rotations follow (at most 3 at once, a rule the
-- server enforces). Instants are INTEGER Unix seconds (UTC). Append-only: never edit a
-- shipped migration.

-- One row per retired secret: nonce || XChaCha20-Poly1305 ciphertext, bound by associated
-- data to its endpoint and the "previous" slot (the slot of 0004's one previous secret,
-- whose rows move here unchanged). `id` orders rotations made in the same second.
CREATE TABLE webhook_retired_secrets (
    id          INTEGER PRIMARY KEY,
    endpoint_id TEXT    NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    secret      BLOB    NOT NULL,
    signs_until INTEGER NOT NULL
);
CREATE INDEX webhook_retired_secrets_by_endpoint
    ON webhook_retired_secrets(endpoint_id, signs_until);

INSERT INTO webhook_retired_secrets (endpoint_id, secret, signs_until)
    SELECT id, previous_secret, previous_secret_until FROM webhook_endpoints
    WHERE previous_secret IS NOT NULL AND previous_secret_until IS NOT NULL
    ORDER BY id;

ALTER TABLE webhook_endpoints DROP COLUMN previous_secret;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_until;
