-- Grouped notifications (Mastodon 4.3): favourites and boosts of one status, and follows,
-- that arrive within 12 hours of the group's start share a key.
ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_group ON notifications (account_id, group_key);
