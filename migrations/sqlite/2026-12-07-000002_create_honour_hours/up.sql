-- Honour hours (荣誉时长): service staff recognise although no task recorded it, capped per
-- person and year by the community's points policy, kept apart from recorded hours. Append-only.
CREATE TABLE honour_hours (
    id INTEGER PRIMARY KEY,
    volunteer_id BIGINT NOT NULL REFERENCES users (id),
    -- The community whose policy capped them (the volunteer's home community then).
    community_id BIGINT NOT NULL REFERENCES areas (id),
    hours BIGINT NOT NULL CHECK (hours > 0),
    -- The local calendar year they count towards.
    year INTEGER NOT NULL,
    reason TEXT NOT NULL,
    added_by BIGINT NOT NULL REFERENCES users (id),
    -- The staff member's Idempotency-Key, scoped to them: a retry adds nothing.
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX honour_hours_by_volunteer ON honour_hours (volunteer_id, year);
