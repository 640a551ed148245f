-- The web pages: browser sessions, the profile headline, and the showcase's order.

-- A browser session, signed in or not (forms need a CSRF token before signing in). The
-- cookie holds a random id; only its SHA-256 is kept here. Not a read model: replay keeps it.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

ALTER TABLE accounts ADD COLUMN headline TEXT NOT NULL DEFAULT '';

-- The owner's order of the showcase, smallest first; ties (pins from before this) by time.
ALTER TABLE status_pins ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
