-- Full-text search of statuses: the searchable text of each status (a read model, rebuilt
-- by replay), indexed by FTS5 as external content kept in step by triggers.
CREATE TABLE status_search (
    status_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE VIRTUAL TABLE status_search_fts USING fts5(
    body,
    content = 'status_search',
    content_rowid = 'status_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER status_search_ai AFTER INSERT ON status_search BEGIN
    INSERT INTO status_search_fts (rowid, body) VALUES (new.status_id, new.body);
END;
CREATE TRIGGER status_search_ad AFTER DELETE ON status_search BEGIN
    INSERT INTO status_search_fts (status_search_fts, rowid, body) VALUES ('delete', old.status_id, old.body);
END;
CREATE TRIGGER status_search_au AFTER UPDATE ON status_search BEGIN
    INSERT INTO status_search_fts (status_search_fts, rowid, body) VALUES ('delete', old.status_id, old.body);
    INSERT INTO status_search_fts (rowid, body) VALUES (new.status_id, new.body);
END;
