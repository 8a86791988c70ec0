-- Messages that leave Linli (emails, partner webhooks), written in the same transaction as the
-- business change that causes them and delivered after commit by the delivery worker, so a
-- message exists exactly when its cause committed. Timestamps are UTC, set by Linli.
CREATE TABLE outbox (
    -- UUID v7: also the email Message-ID and the webhook-id, stable across retries.
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- Event name, e.g. account.welcome or need.claimed.
    topic TEXT NOT NULL,
    -- email: the user id; webhook: the endpoint id.
    recipient TEXT NOT NULL,
    -- JSON: what the channel's sender needs to build the message.
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    -- Not before this instant: the first delivery (quiet hours) or the next retry.
    next_attempt_at TIMESTAMP NOT NULL,
    -- The worker instance holding the message while it delivers it, and until when.
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
-- Claiming scans pending messages by due time; admins list by status and channel.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_status_channel_created ON outbox (status, channel, created_at);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- In-app notifications: what a person was told, rendered in their language when it was written.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- Event name, e.g. volunteer.verified.
    topic TEXT NOT NULL,
    -- Preference category, e.g. account or volunteering.
    category TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_user_id ON notifications (user_id, id);

-- A person's choice per category and channel; a missing row means the default (both on).
CREATE TABLE notification_preferences (
    user_id BIGINT NOT NULL REFERENCES users (id),
    category TEXT NOT NULL,
    in_app BOOLEAN NOT NULL,
    email BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, category)
);
