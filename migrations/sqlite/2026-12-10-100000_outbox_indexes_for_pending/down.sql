DROP INDEX outbox_pending;
DROP INDEX outbox_dead;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_status_channel_created ON outbox (status, channel, created_at);
CREATE INDEX outbox_created_at ON outbox (created_at);
