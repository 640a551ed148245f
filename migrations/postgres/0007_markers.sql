-- Reading positions (Mastodon's markers) for the home and notifications timelines.
CREATE TABLE markers (
    account_id BIGINT NOT NULL,
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
