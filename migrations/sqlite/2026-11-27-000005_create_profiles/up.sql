-- Volunteer and resident profiles, credentials, and consents for proxies.
CREATE TABLE skills (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
INSERT INTO skills (code, name_zh, name_en) VALUES
    ('elder_care', '助老服务', 'Elder care'),
    ('housekeeping', '家政服务', 'Housekeeping'),
    ('medical_escort', '就医陪护', 'Medical escort'),
    ('companionship', '陪伴聊天', 'Companionship'),
    ('meal_delivery', '助餐送餐', 'Meal delivery'),
    ('repairs', '家电维修', 'Repairs'),
    ('errands', '代办跑腿', 'Errands'),
    ('tutoring', '课业辅导', 'Tutoring'),
    ('environment', '环境保护', 'Environment'),
    ('legal_aid', '法律援助', 'Legal aid'),
    ('psychological_support', '心理疏导', 'Psychological support'),
    ('disability_assistance', '助残服务', 'Disability assistance'),
    ('first_aid', '急救', 'First aid'),
    ('sign_language', '手语', 'Sign language'),
    ('driving', '驾驶', 'Driving');

CREATE TABLE volunteer_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    service_radius TEXT NOT NULL CHECK (service_radius IN ('grid', 'community', 'street')),
    -- JSON array of language or dialect names, e.g. ["普通话", "汉中话"].
    languages TEXT NOT NULL,
    -- Personal data: shown masked except to the person and, audited, to verifying staff.
    real_name TEXT,
    id_number TEXT,
    real_name_verified_at TIMESTAMP,
    real_name_verified_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE volunteer_skills (
    user_id BIGINT NOT NULL REFERENCES users (id),
    skill_code TEXT NOT NULL REFERENCES skills (code),
    PRIMARY KEY (user_id, skill_code)
);

CREATE TABLE availability_slots (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- ISO weekday, 1 = Monday.
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX availability_slots_user_id ON availability_slots (user_id);

CREATE TABLE credentials (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('training', 'health_certificate', 'background_check')),
    title TEXT NOT NULL,
    expires_at TIMESTAMP,
    verified_at TIMESTAMP,
    verified_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX credentials_user_id ON credentials (user_id);

CREATE TABLE resident_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    birth_date DATE,
    -- Personal data: masked for everyone not entitled.
    address TEXT,
    id_number TEXT,
    -- Eligibility facts; only staff set them, with evidence.
    low_income BOOLEAN NOT NULL DEFAULT FALSE,
    disability_level INTEGER NOT NULL DEFAULT 0 CHECK (disability_level BETWEEN 0 AND 3),
    lives_alone BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    facts_verified_at TIMESTAMP,
    facts_verified_by BIGINT REFERENCES users (id),
    evidence_notes TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE proxy_consents (
    id INTEGER PRIMARY KEY,
    resident_id BIGINT NOT NULL REFERENCES users (id),
    proxy_id BIGINT NOT NULL REFERENCES users (id),
    relationship TEXT NOT NULL CHECK (relationship IN ('grid_worker', 'family')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by BIGINT REFERENCES users (id),
    CHECK (resident_id <> proxy_id)
);
CREATE INDEX proxy_consents_resident_id ON proxy_consents (resident_id);
CREATE INDEX proxy_consents_proxy_id ON proxy_consents (proxy_id);
