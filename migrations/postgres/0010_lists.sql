-- Lists of followed accounts, each with its own timeline (drawn from the owner's home feed).
CREATE TABLE lists (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL,
    exclusive BIGINT NOT NULL
);
CREATE INDEX lists_account_id ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account_id ON list_accounts (account_id);
