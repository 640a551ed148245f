-- The event log: append-only, the source of truth.
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    id          BIGINT NOT NULL UNIQUE,
    stream      TEXT    NOT NULL,
    version     BIGINT NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    dedupe_key  TEXT    UNIQUE,
    recorded_at BIGINT NOT NULL,
    UNIQUE (stream, version)
);
-- One row; updating it serialises appenders so `seq` is gap-free and in commit order.
CREATE TABLE event_log_head (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO event_log_head (id, last_seq) VALUES (1, 0);

CREATE TABLE projector_checkpoints (
    name TEXT PRIMARY KEY,
    seq  BIGINT NOT NULL
);

-- Secrets beside the log, never in it and never rebuilt: password hashes and private keys.
CREATE TABLE account_secrets (
    account_id      BIGINT PRIMARY KEY,
    password_hash   TEXT NOT NULL,
    private_key_pem TEXT NOT NULL
);

-- OAuth state: sessions, not domain facts, so not event-sourced. Secrets stored as SHA-256.
CREATE TABLE oauth_apps (
    id                 BIGINT PRIMARY KEY,
    name               TEXT NOT NULL,
    website            TEXT,
    redirect_uris      TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    client_id          TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE TABLE oauth_codes (
    code_hash             TEXT PRIMARY KEY,
    app_id                BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id            BIGINT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    code_challenge        TEXT,
    expires_at            BIGINT NOT NULL
);
CREATE TABLE oauth_tokens (
    id          BIGINT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    app_id      BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id  BIGINT,
    scopes      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);

-- Read models, rebuilt by `tessera replay`.
CREATE TABLE accounts (
    id              BIGINT PRIMARY KEY,
    username        TEXT NOT NULL,
    username_lower  TEXT NOT NULL,
    domain          TEXT,
    display_name    TEXT NOT NULL,
    note            TEXT NOT NULL,
    note_html       TEXT NOT NULL,
    fields          TEXT NOT NULL,
    locked          BIGINT NOT NULL,
    bot             BIGINT NOT NULL,
    discoverable    BIGINT NOT NULL,
    uri             TEXT NOT NULL,
    url             TEXT NOT NULL,
    public_key_pem  TEXT NOT NULL,
    suspended       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    followers_count BIGINT NOT NULL,
    following_count BIGINT NOT NULL,
    statuses_count  BIGINT NOT NULL,
    last_status_at  BIGINT
);
CREATE UNIQUE INDEX accounts_local_username ON accounts (username_lower) WHERE domain IS NULL;

CREATE TABLE local_users (
    account_id  BIGINT PRIMARY KEY,
    email       TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    approved    BIGINT NOT NULL,
    confirmed   BIGINT NOT NULL,
    locale      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE statuses (
    id                     BIGINT PRIMARY KEY,
    account_id             BIGINT NOT NULL,
    uri                    TEXT NOT NULL,
    url                    TEXT,
    text                   TEXT NOT NULL,
    content                TEXT NOT NULL,
    spoiler_text           TEXT NOT NULL,
    visibility             TEXT NOT NULL,
    sensitive              BIGINT NOT NULL,
    language               TEXT,
    in_reply_to_id         BIGINT,
    in_reply_to_account_id BIGINT,
    reblog_of_id           BIGINT,
    application_name       TEXT,
    application_website    TEXT,
    local                  BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    replies_count          BIGINT NOT NULL,
    reblogs_count          BIGINT NOT NULL,
    favourites_count       BIGINT NOT NULL
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id, account_id);
CREATE INDEX statuses_public ON statuses (visibility, id);

CREATE TABLE status_mentions (
    status_id  BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_mentions_account ON status_mentions (account_id);

CREATE TABLE tags (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE TABLE status_tags (
    status_id BIGINT NOT NULL,
    tag       TEXT NOT NULL,
    PRIMARY KEY (status_id, tag)
);
CREATE INDEX status_tags_tag ON status_tags (tag, status_id);

CREATE TABLE follows (
    id                BIGINT NOT NULL UNIQUE,
    account_id        BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, id);

CREATE TABLE follow_requests (
    id                BIGINT NOT NULL UNIQUE,
    account_id        BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE favourites (
    id         BIGINT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL,
    status_id  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id, id);

-- Filled by the checkpointed home-feed projector (the author's own posts inline).
CREATE TABLE home_feed (
    account_id   BIGINT NOT NULL,
    status_id    BIGINT NOT NULL,
    author_id    BIGINT NOT NULL,
    reblog_of_id BIGINT,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

-- Filled by the checkpointed notifications projector; id is the causing event's id.
CREATE TABLE notifications (
    id              BIGINT NOT NULL,
    account_id      BIGINT NOT NULL,
    from_account_id BIGINT NOT NULL,
    type            TEXT NOT NULL,
    status_id       BIGINT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX notifications_status ON notifications (status_id);
