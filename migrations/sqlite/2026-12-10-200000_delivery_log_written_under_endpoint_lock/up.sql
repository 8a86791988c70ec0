-- PostgreSQL drops the delivery log's foreign key to its endpoint (the worker's write order
-- keeps the log consistent, see the PostgreSQL migration). SQLite keeps it: dropping it means
-- rebuilding the table, and its one writer at a time never races an endpoint's deletion. Kept so
-- both dialects carry the same migrations.
SELECT 1;
