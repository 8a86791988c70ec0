-- Each monthly points statement sent, one per person and month, so a job slot that runs again
-- (or two instances racing) never sends a statement twice; the figures are kept as sent.
CREATE TABLE points_statements (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- The month it covers, `YYYY-MM` in the display time zone.
    period TEXT NOT NULL,
    opening BIGINT NOT NULL,
    earned BIGINT NOT NULL,
    spent BIGINT NOT NULL,
    expired BIGINT NOT NULL,
    closing BIGINT NOT NULL,
    on_hold BIGINT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, period)
);
