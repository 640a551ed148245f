-- Mastodon 4.3's notification policy: notifications from some senders are filtered into
-- requests (or dropped), until the user accepts or dismisses them.
ALTER TABLE notifications ADD COLUMN filtered BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notifications_filtered ON notifications (account_id, filtered, from_account_id);

CREATE TABLE notification_policies (
    account_id BIGINT PRIMARY KEY,
    for_not_following TEXT NOT NULL,
    for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL,
    for_private_mentions TEXT NOT NULL,
    for_limited_accounts TEXT NOT NULL
);

-- Senders whose notifications a user accepted: never filtered again.
CREATE TABLE notification_permissions (
    account_id BIGINT NOT NULL,
    from_account_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);
