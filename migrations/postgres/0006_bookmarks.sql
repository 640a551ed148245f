-- Bookmarks: private to the account that made them, paged by their own id.
CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    status_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bookmarks_account_status ON bookmarks (account_id, status_id);
CREATE INDEX bookmarks_status ON bookmarks (status_id);
-- The favourites list pages by favourite id per account, as bookmarks do.
CREATE INDEX favourites_account ON favourites (account_id, id);
