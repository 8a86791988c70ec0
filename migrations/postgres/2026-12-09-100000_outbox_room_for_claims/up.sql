-- A claim rewrites a pending row (claimed_by, claimed_until, attempts: no indexed column).
-- With room left on the row's page PostgreSQL can do that as a heap-only update, without a
-- new entry in each of the table's four indexes; full pages made every claim touch them all.
-- Applies to pages written from now on (a table rewrite would apply it to the old ones).
ALTER TABLE outbox SET (fillfactor = 50);
