-- A user's notes on accounts, the accounts they endorse (feature on their profile), and
-- the domains they hide from themselves.
CREATE TABLE account_notes (
    account_id BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE TABLE endorsements (
    account_id BIGINT NOT NULL,
    target_account_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE TABLE user_domain_blocks (
    account_id BIGINT NOT NULL,
    domain TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, domain)
);
