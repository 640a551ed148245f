-- Polls posted with statuses, and the votes on them. A remote poll keeps the counts its
-- server last gave (as a JSON array) beside the votes cast here.
CREATE TABLE polls (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    options TEXT NOT NULL,
    multiple BIGINT NOT NULL,
    hide_totals BIGINT NOT NULL,
    expires_at BIGINT,
    remote_counts TEXT,
    remote_voters BIGINT
);
CREATE INDEX polls_status_id ON polls (status_id);

CREATE TABLE poll_votes (
    poll_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    choice BIGINT NOT NULL,
    uri TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (poll_id, account_id, choice)
);
