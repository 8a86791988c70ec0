DROP TABLE audit_events;
DROP TABLE role_grants;
DROP TABLE sessions;
DROP TABLE users;
