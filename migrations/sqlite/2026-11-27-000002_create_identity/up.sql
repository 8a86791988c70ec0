-- People who sign in, their sessions, the roles they hold on areas, and the audit trail.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- Mainland mobile number, normalised to 11 digits; NULL once the account is closed.
    phone TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    home_grid_id BIGINT REFERENCES areas (id),
    locale TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    email TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_home_grid_id ON users (home_grid_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'social_worker', 'grid_worker',
        'community_staff', 'street_admin', 'platform_admin')),
    -- The area the role reaches (with its subtree); NULL only for platform_admin.
    area_id BIGINT REFERENCES areas (id),
    granted_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((role = 'platform_admin') = (area_id IS NULL))
);
CREATE INDEX role_grants_user_id ON role_grants (user_id);
CREATE INDEX role_grants_area_id ON role_grants (area_id);

-- Append-only and hash-chained: each row's hash covers its content and the previous hash.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    on_behalf_of BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    area_id BIGINT REFERENCES areas (id),
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_area_id ON audit_events (area_id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
