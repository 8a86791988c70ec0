-- Service categories, needs, claims and assignments, check events, disputes and care plans.
CREATE TABLE service_categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('volunteer', 'paid', 'both')),
    -- Points per hour multiplier in thousandths: 1500 is a weight of 1.5.
    points_weight_milli BIGINT NOT NULL CHECK (points_weight_milli >= 0),
    -- JSON array of credential kinds a helper must hold valid, e.g. ["training"].
    required_credentials TEXT NOT NULL,
    requires_verified_real_name BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO service_categories
    (code, name_zh, name_en, mode, points_weight_milli, required_credentials,
     requires_verified_real_name, created_at, updated_at) VALUES
    ('elder_care', '助老', 'Elder care', 'both', 1500, '["training"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('housekeeping', '家政', 'Housekeeping', 'paid', 1000, '[]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('medical_escort', '就医陪护', 'Medical escort', 'both', 1500, '[]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('companionship', '陪伴', 'Companionship', 'volunteer', 1000, '[]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('meal_delivery', '助餐', 'Meal delivery', 'both', 1000, '["health_certificate"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('repairs', '维修', 'Repairs', 'both', 1200, '[]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('errands', '跑腿', 'Errands', 'volunteer', 800, '[]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('tutoring', '课业辅导', 'Tutoring', 'volunteer', 1000, '["background_check"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('environment', '环保', 'Environment', 'volunteer', 800, '[]', FALSE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('legal_aid', '法律援助', 'Legal aid', 'both', 2000, '["training"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('psychological_support', '心理疏导', 'Psychological support', 'both', 2000, '["training"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
    ('disability_assistance', '助残', 'Disability assistance', 'both', 1500, '["training"]', TRUE, '2026-11-28 00:00:00', '2026-11-28 00:00:00');

CREATE TABLE care_plans (
    id INTEGER PRIMARY KEY,
    resident_id BIGINT NOT NULL REFERENCES users (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    category_id BIGINT NOT NULL REFERENCES service_categories (id),
    description TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    -- Weekly rule in the display time zone: ISO weekday and minute of the day it starts.
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    headcount INTEGER NOT NULL CHECK (headcount > 0),
    -- The helper of the last completed occurrence, offered first next time.
    preferred_helper_id BIGINT REFERENCES users (id),
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX care_plans_resident_id ON care_plans (resident_id);

-- A need's row holds what guarded statements and listings touch (a table of at most 16
-- columns); the rest of what was asked and what came of it lives in need_details.
CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    resident_id BIGINT NOT NULL REFERENCES users (id),
    -- Who posted it: the resident, or a proxy or staff member on their behalf.
    created_by BIGINT NOT NULL REFERENCES users (id),
    category_id BIGINT NOT NULL REFERENCES service_categories (id),
    grid_id BIGINT NOT NULL REFERENCES areas (id),
    -- The grid's materialized path, for subtree and radius filters.
    area_path TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    window_end TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    headcount INTEGER NOT NULL CHECK (headcount > 0),
    -- Guarded counter: changes only by single statements that keep it within the headcount.
    assigned_count INTEGER NOT NULL CHECK (assigned_count >= 0 AND assigned_count <= headcount),
    mode TEXT NOT NULL CHECK (mode IN ('volunteer', 'paid')),
    status TEXT NOT NULL CHECK (status IN ('open', 'partially_assigned', 'assigned', 'in_progress',
        'awaiting_confirmation', 'completed', 'cancelled', 'expired')),
    escalated BOOLEAN NOT NULL,
    awaiting_since TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX needs_status_area ON needs (status, area_path);
CREATE INDEX needs_resident_id ON needs (resident_id);

CREATE TABLE need_details (
    need_id BIGINT PRIMARY KEY REFERENCES needs (id),
    description TEXT NOT NULL,
    -- Personal data: shown to the resident, their proxies, staff, and assigned helpers only.
    address TEXT,
    urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    -- The 4-digit code the resident gives helpers at check-in and check-out.
    check_code TEXT NOT NULL,
    cancel_reason TEXT,
    care_plan_id BIGINT REFERENCES care_plans (id),
    -- The start of the care plan's occurrence: one need per plan and start.
    occurrence_start TIMESTAMP,
    preferred_helper_id BIGINT REFERENCES users (id),
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment TEXT,
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (care_plan_id, occurrence_start)
);

-- One row per person per need: the claim, its place on the waitlist, the delivery and the
-- outcome, kept for reliability, fairness and continuity.
CREATE TABLE need_assignments (
    id INTEGER PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id),
    helper_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('waitlisted', 'assigned', 'checked_in', 'checked_out',
        'withdrawn', 'no_show', 'cancelled')),
    claimed_at TIMESTAMP NOT NULL,
    assigned_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    checked_in_at TIMESTAMP,
    checked_out_at TIMESTAMP,
    -- Minutes credited; set at check-out, capped by the need's duration when closed by a job.
    minutes INTEGER,
    flagged_for_review BOOLEAN NOT NULL,
    -- Wrong check codes entered in a row; reset by a right one.
    code_failures INTEGER NOT NULL,
    completed BOOLEAN NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (need_id, helper_id)
);
CREATE INDEX need_assignments_helper_id ON need_assignments (helper_id);

CREATE TABLE need_check_events (
    id INTEGER PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id),
    helper_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('check_in', 'check_out', 'auto_close')),
    -- NULL when the system closed it.
    recorded_by BIGINT REFERENCES users (id),
    override_reason TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX need_check_events_need_id ON need_check_events (need_id);

CREATE TABLE need_disputes (
    id INTEGER PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id),
    opened_by BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution TEXT CHECK (resolution IN ('uphold', 'adjust', 'void')),
    resolution_reason TEXT,
    adjusted_minutes INTEGER,
    resolved_by BIGINT REFERENCES users (id),
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX need_disputes_need_id ON need_disputes (need_id);
