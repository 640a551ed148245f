-- Media attachments: local uploads (files under storage keys we made) and remote files
-- (referenced by URL). `status_id` is set when a status is posted with them.
CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    status_id BIGINT,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    mime TEXT,
    upload_key TEXT,
    file_key TEXT,
    preview_key TEXT,
    remote_url TEXT,
    width BIGINT,
    height BIGINT,
    preview_width BIGINT,
    preview_height BIGINT,
    size BIGINT,
    description TEXT,
    blurhash TEXT,
    focus_x DOUBLE PRECISION,
    focus_y DOUBLE PRECISION,
    processed BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_attachments_status_id ON media_attachments (status_id, position);
CREATE INDEX media_attachments_unprocessed ON media_attachments (processed, created_at);

-- A local account's avatar and header, as storage keys.
ALTER TABLE accounts ADD COLUMN avatar_key TEXT;
ALTER TABLE accounts ADD COLUMN header_key TEXT;
