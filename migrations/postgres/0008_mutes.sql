-- Muted accounts: their posts leave the muter's home timeline, and their notifications too
-- when asked; a mute may expire.
CREATE TABLE mutes (
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    hide_notifications BIGINT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX mutes_account_id ON mutes (account_id, id);
