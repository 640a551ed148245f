-- Preview cards of linked pages (one per URL, the latest fetch), and the card each status
-- shows: the card of the first link in its text.
CREATE TABLE preview_cards (
    url TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_url TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    provider_url TEXT NOT NULL,
    image_key TEXT,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    blurhash TEXT,
    language TEXT,
    published_at BIGINT,
    fetched_at BIGINT NOT NULL
);

ALTER TABLE statuses ADD COLUMN card_url TEXT;
CREATE INDEX statuses_card ON statuses (card_url, created_at);
