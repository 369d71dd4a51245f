-- 0003_oauth: OAuth states, per-account return-URL allow-lists, token-refresh bookkeeping.
-- Instants are INTEGER Unix seconds (UTC). Append-only: never edit a shipped migration.

-- A pending OAuth authorization (api.md §5.5): only the SHA-256 digest of the `state` sent to
-- the browser is kept, so a copy of the database cannot complete anyone's flow. Single use:
-- the callback deletes the row it takes.
CREATE TABLE oauth_states (
    digest      BLOB    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    platform    TEXT    NOT NULL,
    profile_key TEXT,                   -- NULL: the callback creates a profile
    return_url  TEXT,                   -- NULL: the callback answers with a small page
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX oauth_states_by_expiry ON oauth_states(expires_at);

-- Where an account's OAuth flows may send the browser back to (no open redirect).
CREATE TABLE return_urls (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, url)
) WITHOUT ROWID;

-- Refresh tokens: their own expiry, and the refresher's lease and back-off. A refresher
-- claims a connection by setting refresh_claimed_until with a compare-and-set, so that one
-- refresh runs per connection at a time, across every server process on the database.
ALTER TABLE connections ADD COLUMN refresh_token_expires_at INTEGER;
ALTER TABLE connections ADD COLUMN refresh_claimed_until INTEGER;
ALTER TABLE connections ADD COLUMN refresh_not_before INTEGER;
ALTER TABLE connections ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX connections_refresh_due ON connections(platform, expires_at)
    WHERE refresh_token IS NOT NULL;
