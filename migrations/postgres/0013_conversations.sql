-- Direct-message conversations, per local participant: the thread (by its first status),
-- who else is in it, its latest status and whether this participant has read it.
CREATE TABLE account_conversations (
    account_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    participant_ids TEXT NOT NULL,
    last_status_id BIGINT NOT NULL,
    unread BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);
CREATE INDEX account_conversations_last ON account_conversations (account_id, last_status_id);
