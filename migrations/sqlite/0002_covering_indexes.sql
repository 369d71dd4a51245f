-- 0002_covering_indexes: the listing and point reads answered from indexes alone.
-- A profile page walks (account_id, created_at, profile_key) and needs the name; each
-- profile's connections are read by (profile_id, platform) with their public columns.
-- Without these, every row cost a lookup into the table (and the connections table holds
-- the sealed secrets, so its pages are few rows each).
DROP INDEX profiles_by_account_order;
CREATE INDEX profiles_by_account_order ON profiles(account_id, created_at, profile_key, name);
CREATE INDEX connections_public ON connections(
    profile_id, platform, display_name, username, did, connected_at, expires_at, revoked
);
