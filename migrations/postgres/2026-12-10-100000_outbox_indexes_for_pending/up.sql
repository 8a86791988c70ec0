-- Marking a message delivered changes its status, so every index keyed on the status moved the
-- row's entry in it (SQLite) or got a new entry for the new row version (PostgreSQL, where
-- that update is never heap-only and every index gets one). Now only the primary key holds every
-- row; the other indexes hold the few rows that are looked for by status. Statements name the
-- status as written text, not a bound value, so that both planners can use them.
--
-- Claims walk pending messages in (next_attempt_at, id) order; the backlog gauge counts them.
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE status = 'pending';
-- Admins list dead messages, newest first.
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';
-- Retention finds old messages through the primary key (ids are UUIDv7: their text order is
-- the order they were written in), so neither of these is needed any more.
DROP INDEX outbox_status_channel_created;
DROP INDEX outbox_created_at;
