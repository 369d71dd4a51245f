-- 0001_initial: accounts, API keys, profiles, connections, metadata.
-- Instants are INTEGER Unix seconds (UTC). Append-only: never edit a shipped migration.

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    digest       BLOB    NOT NULL UNIQUE,      -- SHA-256 of the full key
    prefix       TEXT    NOT NULL,             -- pc_live_ + 6 characters, for display
    label        TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_account ON api_keys(account_id);
CREATE INDEX api_keys_by_prefix ON api_keys(prefix);

CREATE TABLE profiles (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    profile_key TEXT    NOT NULL UNIQUE,
    name        TEXT,
    created_at  INTEGER NOT NULL
);
-- Listing order of api.md §1 within an account, and keyset pagination.
CREATE INDEX profiles_by_account_order ON profiles(account_id, created_at, profile_key);

CREATE TABLE connections (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    platform      TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    username      TEXT    NOT NULL,
    did           TEXT,
    connected_at  INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked       INTEGER NOT NULL DEFAULT 0,
    -- nonce || XChaCha20-Poly1305 ciphertext, bound to the row by associated data
    access_token  BLOB,
    refresh_token BLOB,
    app_password  BLOB,
    UNIQUE (profile_id, platform)
);
-- Expiry reports: by expiry instant, and revoked marks.
CREATE INDEX connections_by_expiry ON connections(expires_at);
CREATE INDEX connections_revoked ON connections(revoked) WHERE revoked = 1;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
