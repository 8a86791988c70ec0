DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE role_grants;
DROP TABLE sessions;
DROP TABLE users;
