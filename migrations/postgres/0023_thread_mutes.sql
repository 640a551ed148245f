-- Muted conversations. A status belongs to the thread of its parent as known when it was
-- posted (its own id otherwise); existing statuses get their topmost known ancestor.
ALTER TABLE statuses ADD COLUMN thread_id BIGINT;
WITH RECURSIVE t(id, root) AS (
    SELECT id, id FROM statuses WHERE in_reply_to_id IS NULL OR in_reply_to_id NOT IN (SELECT id FROM statuses)
    UNION ALL
    SELECT s.id, t.root FROM statuses s JOIN t ON s.in_reply_to_id = t.id
)
UPDATE statuses SET thread_id = t.root FROM t WHERE t.id = statuses.id;
UPDATE statuses SET thread_id = id WHERE thread_id IS NULL;
CREATE INDEX statuses_thread ON statuses (thread_id);
CREATE TABLE muted_threads (
    account_id BIGINT NOT NULL,
    thread_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);
