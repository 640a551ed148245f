-- Filters: keywords and statuses an account does not want to see (or wants warned about),
-- kept whole: contexts, keywords and statuses as JSON, as the filter event carries them.
CREATE TABLE filters (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at BIGINT,
    keywords TEXT NOT NULL,
    statuses TEXT NOT NULL
);
CREATE INDEX filters_account_id ON filters (account_id, id);
