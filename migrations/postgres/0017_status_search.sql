-- Full-text search of statuses: the searchable text of each status (a read model, rebuilt
-- by replay), with a GIN index over its `simple` text-search vector (no stemming: posts
-- are in every language).
CREATE TABLE status_search (
    status_id BIGINT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE INDEX status_search_body ON status_search USING GIN (to_tsvector('simple', body));
