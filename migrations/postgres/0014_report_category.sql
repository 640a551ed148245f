-- Reports made through the API: their category, and whether they were sent on to the
-- reported account's server.
ALTER TABLE reports ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE reports ADD COLUMN forwarded BIGINT NOT NULL DEFAULT 0;
