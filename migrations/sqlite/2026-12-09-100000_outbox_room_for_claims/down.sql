-- PostgreSQL leaves room on outbox pages for claims; SQLite rewrites rows in place and has no
-- such setting. Kept so both dialects carry the same migrations.
SELECT 1;
