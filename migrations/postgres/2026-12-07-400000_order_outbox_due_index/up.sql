-- Claims read due messages in (next_attempt_at, id) order and stop after their limit. With
-- `id` in the index the order comes from the index itself: a claim reads only the rows it
-- takes (and the ones other claims hold), instead of sorting every due row of the backlog.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
