-- One-time links sent by mail (confirm an address, reset a password), stored as SHA-256.
-- Secrets beside the log, like OAuth tokens.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    purpose    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);
