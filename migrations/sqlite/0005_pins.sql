-- Pinned statuses (at most 5 per local account; remote accounts' featured collections too).
CREATE TABLE status_pins (
    account_id BIGINT NOT NULL,
    status_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX status_pins_status ON status_pins (status_id);
