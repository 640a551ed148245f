-- Hashtags a user follows (their public posts enter the home feed) and those they feature
-- on their profile.
CREATE TABLE followed_tags (
    account_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, tag)
);
CREATE INDEX followed_tags_tag ON followed_tags (tag);
CREATE TABLE featured_tags (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX featured_tags_account_tag ON featured_tags (account_id, tag);
