-- Web Push: one subscription per access token (a read model), and the server's VAPID key
-- (made on first use, kept beside the log like the instance actor's key).
CREATE TABLE push_subscriptions (
    token_id BIGINT PRIMARY KEY,
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    alerts TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
CREATE TABLE vapid_key (
    id BIGINT PRIMARY KEY,
    private_pkcs8 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
