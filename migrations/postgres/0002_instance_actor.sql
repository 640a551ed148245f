-- The instance actor's key pair (a Service actor for signed fetches), made on first start.
-- A secret beside the log, like account_secrets.
CREATE TABLE instance_actor (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    public_key_pem  TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
