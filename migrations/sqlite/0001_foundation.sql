-- The event log: append-only, the source of truth.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    id          INTEGER NOT NULL UNIQUE,
    stream      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    dedupe_key  TEXT    UNIQUE,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, version)
);
-- One row; updating it serialises appenders so `seq` is gap-free and in commit order.
CREATE TABLE event_log_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO event_log_head (id, last_seq) VALUES (1, 0);

CREATE TABLE projector_checkpoints (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);

-- Secrets beside the log, never in it and never rebuilt: password hashes and private keys.
CREATE TABLE account_secrets (
    account_id      INTEGER PRIMARY KEY,
    password_hash   TEXT NOT NULL,
    private_key_pem TEXT NOT NULL
);

-- OAuth state: sessions, not domain facts, so not event-sourced. Secrets stored as SHA-256.
CREATE TABLE oauth_apps (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    website            TEXT,
    redirect_uris      TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    client_id          TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE TABLE oauth_codes (
    code_hash             TEXT PRIMARY KEY,
    app_id                INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id            INTEGER NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    code_challenge        TEXT,
    expires_at            INTEGER NOT NULL
);
CREATE TABLE oauth_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    app_id      INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id  INTEGER,
    scopes      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);

-- Read models, rebuilt by `tessera replay`.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL,
    username_lower  TEXT NOT NULL,
    domain          TEXT,
    display_name    TEXT NOT NULL,
    note            TEXT NOT NULL,
    note_html       TEXT NOT NULL,
    fields          TEXT NOT NULL,
    locked          INTEGER NOT NULL,
    bot             INTEGER NOT NULL,
    discoverable    INTEGER NOT NULL,
    uri             TEXT NOT NULL,
    url             TEXT NOT NULL,
    public_key_pem  TEXT NOT NULL,
    suspended       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    followers_count INTEGER NOT NULL,
    following_count INTEGER NOT NULL,
    statuses_count  INTEGER NOT NULL,
    last_status_at  INTEGER
);
CREATE UNIQUE INDEX accounts_local_username ON accounts (username_lower) WHERE domain IS NULL;

CREATE TABLE local_users (
    account_id  INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    approved    INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL,
    locale      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE statuses (
    id                     INTEGER PRIMARY KEY,
    account_id             INTEGER NOT NULL,
    uri                    TEXT NOT NULL,
    url                    TEXT,
    text                   TEXT NOT NULL,
    content                TEXT NOT NULL,
    spoiler_text           TEXT NOT NULL,
    visibility             TEXT NOT NULL,
    sensitive              INTEGER NOT NULL,
    language               TEXT,
    in_reply_to_id         INTEGER,
    in_reply_to_account_id INTEGER,
    reblog_of_id           INTEGER,
    application_name       TEXT,
    application_website    TEXT,
    local                  INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    replies_count          INTEGER NOT NULL,
    reblogs_count          INTEGER NOT NULL,
    favourites_count       INTEGER NOT NULL
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id, account_id);
CREATE INDEX statuses_public ON statuses (visibility, id);

CREATE TABLE status_mentions (
    status_id  INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_mentions_account ON status_mentions (account_id);

CREATE TABLE tags (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE TABLE status_tags (
    status_id INTEGER NOT NULL,
    tag       TEXT NOT NULL,
    PRIMARY KEY (status_id, tag)
);
CREATE INDEX status_tags_tag ON status_tags (tag, status_id);

CREATE TABLE follows (
    id                INTEGER NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL,
    target_account_id INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, id);

CREATE TABLE follow_requests (
    id                INTEGER NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL,
    target_account_id INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE favourites (
    id         INTEGER NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    status_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id, id);

-- Filled by the checkpointed home-feed projector (the author's own posts inline).
CREATE TABLE home_feed (
    account_id   INTEGER NOT NULL,
    status_id    INTEGER NOT NULL,
    author_id    INTEGER NOT NULL,
    reblog_of_id INTEGER,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

-- Filled by the checkpointed notifications projector; id is the causing event's id.
CREATE TABLE notifications (
    id              INTEGER NOT NULL,
    account_id      INTEGER NOT NULL,
    from_account_id INTEGER NOT NULL,
    type            TEXT NOT NULL,
    status_id       INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX notifications_status ON notifications (status_id);
