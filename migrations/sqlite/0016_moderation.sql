-- Moderation. `accounts.suspended` and `accounts.silenced` are bit sets: 1 the account
-- itself, 2 its domain (an instance-level domain block), 4 (suspended only) deleted at its
-- origin. Zero means visible.
ALTER TABLE accounts ADD COLUMN silenced BIGINT NOT NULL DEFAULT 0;
ALTER TABLE local_users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;

ALTER TABLE reports ADD COLUMN assigned_account_id BIGINT;
ALTER TABLE reports ADD COLUMN action_taken_at BIGINT;
ALTER TABLE reports ADD COLUMN action_taken_by_account_id BIGINT;
ALTER TABLE reports ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX reports_open ON reports (action_taken_at, id);
CREATE INDEX accounts_domain ON accounts (domain);

CREATE TABLE domain_blocks (
    id BIGINT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL,
    reject_media BIGINT NOT NULL,
    reject_reports BIGINT NOT NULL,
    private_comment TEXT,
    public_comment TEXT,
    obfuscate BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
