-- Accounts a user asked not to be suggested again.
CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
