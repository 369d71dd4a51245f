-- 0002_listing_order: the listing reads two indexes front to back, never a table.
--
-- A page of profiles walks (account_id, created_at, profile_key); the index now carries
-- the name, so the page never looks into the table. Connections copy the three columns of
-- their profile that fix the listing order (account, creation instant, key: none of them
-- ever changes), and one index holds every public column of a connection in that order:
-- a page's connections are one range of it, read in step with the page. Before, each
-- profile's connections were a lookup at a random place in the table, whose rows also
-- hold the sealed secrets.
DROP INDEX profiles_by_account_order;
CREATE INDEX profiles_by_account_order ON profiles(account_id, created_at, profile_key, name);

ALTER TABLE connections ADD COLUMN account_id INTEGER;
ALTER TABLE connections ADD COLUMN profile_created_at INTEGER;
ALTER TABLE connections ADD COLUMN profile_key TEXT;
UPDATE connections SET (account_id, profile_created_at, profile_key) =
    (SELECT p.account_id, p.created_at, p.profile_key FROM profiles p WHERE p.id = connections.profile_id);
CREATE INDEX connections_in_listing_order ON connections(
    account_id, profile_created_at, profile_key, platform,
    display_name, username, did, connected_at, expires_at, revoked
);
