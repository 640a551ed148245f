-- Remote accounts: where to deliver to them and how to check their signatures.
ALTER TABLE accounts ADD COLUMN inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN shared_inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN followers_url TEXT;
ALTER TABLE accounts ADD COLUMN outbox_url TEXT;
ALTER TABLE accounts ADD COLUMN featured_url TEXT;
ALTER TABLE accounts ADD COLUMN key_id TEXT;
ALTER TABLE accounts ADD COLUMN avatar_url TEXT;
ALTER TABLE accounts ADD COLUMN header_url TEXT;
ALTER TABLE accounts ADD COLUMN moved_to_uri TEXT;
ALTER TABLE accounts ADD COLUMN fetched_at INTEGER;
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);
CREATE INDEX accounts_key_id ON accounts (key_id);
CREATE INDEX accounts_remote_handle ON accounts (username_lower, domain);

CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
ALTER TABLE statuses ADD COLUMN edited_at INTEGER;
ALTER TABLE statuses ADD COLUMN activity_uri TEXT;

-- Earlier versions of edited statuses, for /api/v1/statuses/:id/history.
CREATE TABLE status_edits (
    status_id    INTEGER NOT NULL,
    edited_at    INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    content      TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive    INTEGER NOT NULL,
    PRIMARY KEY (status_id, edited_at)
);

-- The activity ids of remote follows, favourites and reblogs, for their Accept and Undo.
ALTER TABLE follows ADD COLUMN uri TEXT;
ALTER TABLE follow_requests ADD COLUMN uri TEXT;
ALTER TABLE favourites ADD COLUMN uri TEXT;

-- Objects deleted by their owner: a Create that arrives later is ignored.
CREATE TABLE tombstones (
    uri        TEXT PRIMARY KEY,
    deleted_at INTEGER NOT NULL
);

CREATE TABLE blocks (
    id                INTEGER NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL,
    target_account_id INTEGER NOT NULL,
    uri               TEXT,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

-- Flags from other servers, for moderators.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL,
    target_account_id INTEGER NOT NULL,
    status_ids        TEXT NOT NULL,
    comment           TEXT NOT NULL,
    uri               TEXT,
    created_at        INTEGER NOT NULL
);

-- Not read models: the outbox reactor's activities (bodies pushed by id) and the
-- delivery health of each remote server.
CREATE TABLE outbound_activities (
    id         TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE instance_health (
    domain          TEXT PRIMARY KEY,
    failure_days    TEXT NOT NULL,
    unavailable     INTEGER NOT NULL,
    last_success_at INTEGER,
    last_failure_at INTEGER
);
-- When each remote key was last refetched after a failed verification (rate limit).
CREATE TABLE key_refetches (
    key_id     TEXT PRIMARY KEY,
    fetched_at INTEGER NOT NULL
);

-- Mail waiting for (or past) the mail queue; the job carries only the id.
CREATE TABLE mail_outbox (
    id         TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
