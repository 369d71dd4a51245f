-- V1__initial: the PostgreSQL schema, equal in content to SQLite's 0001..0003.
-- Applied by refinery (history in `refinery_schema_history`) under an advisory lock, so
-- that servers starting together on one database migrate it once. Append-only: never edit
-- a shipped migration; add V2__….sql.
--
-- Instants are BIGINT Unix seconds (UTC), exactly as on SQLite, so that both backends
-- round and compare instants alike. Text that orders a listing or a report is COLLATE "C"
-- (byte order, SQLite's BINARY), whatever the database's default collation.

CREATE TABLE accounts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    digest       BYTEA  NOT NULL CONSTRAINT api_keys_digest_unique UNIQUE, -- SHA-256 of the key
    prefix       TEXT COLLATE "C" NOT NULL CONSTRAINT api_keys_prefix_unique UNIQUE, -- pc_live_ + 6
    label        TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_by_account ON api_keys(account_id);

CREATE TABLE profiles (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    profile_key TEXT COLLATE "C" NOT NULL UNIQUE,
    name        TEXT,
    created_at  BIGINT NOT NULL
);
-- Listing order of api.md §1 within an account, and keyset pagination.
CREATE INDEX profiles_by_account_order ON profiles(account_id, created_at, profile_key) INCLUDE (name);

CREATE TABLE connections (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    profile_id               BIGINT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    -- Copied from the profile (never change): the listing order without a join.
    account_id               BIGINT NOT NULL,
    profile_created_at       BIGINT NOT NULL,
    profile_key              TEXT COLLATE "C" NOT NULL,
    platform                 TEXT COLLATE "C" NOT NULL,
    display_name             TEXT NOT NULL,
    username                 TEXT NOT NULL,
    did                      TEXT,
    connected_at             BIGINT NOT NULL,
    expires_at               BIGINT,
    revoked                  BOOLEAN NOT NULL DEFAULT FALSE,
    -- nonce || XChaCha20-Poly1305 ciphertext, bound to the row by associated data
    access_token             BYTEA,
    refresh_token            BYTEA,
    app_password             BYTEA,
    refresh_token_expires_at BIGINT,
    -- The refresher's lease (compare-and-set), back-off and failure count.
    refresh_claimed_until    BIGINT,
    refresh_not_before       BIGINT,
    refresh_failures         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (profile_id, platform)
);
CREATE INDEX connections_in_listing_order ON connections(
    account_id, profile_created_at, profile_key, platform
) INCLUDE (display_name, username, did, connected_at, expires_at, revoked);
CREATE INDEX connections_by_expiry ON connections(expires_at);
CREATE INDEX connections_revoked ON connections(revoked) WHERE revoked;
CREATE INDEX connections_refresh_due ON connections(platform, expires_at)
    WHERE refresh_token IS NOT NULL;

-- A pending OAuth authorization (api.md §5.5), by the SHA-256 digest of its state.
CREATE TABLE oauth_states (
    digest      BYTEA  PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    platform    TEXT   NOT NULL,
    profile_key TEXT,
    return_url  TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX oauth_states_by_expiry ON oauth_states(expires_at);

-- Where an account's OAuth flows may send the browser back to (no open redirect).
CREATE TABLE return_urls (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url        TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, url)
);

-- The key check value (sealed under the secret key at the first open).
CREATE TABLE meta (
    key   TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);
