-- Each reminder sent before a need starts, one per need, recipient and kind, so a job slot that
-- runs again (or two instances racing) never reminds anyone twice.
CREATE TABLE need_reminders (
    id INTEGER PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id),
    -- The resident or an assigned helper.
    recipient_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('24h', '2h')),
    sent_at TIMESTAMP NOT NULL,
    UNIQUE (need_id, recipient_id, kind)
);
