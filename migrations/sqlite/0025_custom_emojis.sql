-- The operator's custom emoji, and the custom emoji each status uses (ours or its server's).
CREATE TABLE custom_emojis (
    shortcode TEXT PRIMARY KEY,
    image_key TEXT NOT NULL,
    category TEXT,
    visible_in_picker BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE status_emojis (
    status_id BIGINT NOT NULL,
    shortcode TEXT NOT NULL,
    url TEXT NOT NULL,
    static_url TEXT NOT NULL,
    PRIMARY KEY (status_id, shortcode)
);
