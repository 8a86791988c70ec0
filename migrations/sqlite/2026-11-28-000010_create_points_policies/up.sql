-- Points policy per community as data: each change is a new version effective from a date (in
-- the display time zone) and is never edited, so earnings keep the policy they were earned under.
CREATE TABLE points_policies (
    id INTEGER PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES areas (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    effective_from DATE NOT NULL,
    -- Points for one hour of help, before the category weight and urgency bonus.
    points_per_hour BIGINT NOT NULL CHECK (points_per_hour BETWEEN 1 AND 1000),
    urgent_bonus_percent BIGINT NOT NULL CHECK (urgent_bonus_percent BETWEEN 0 AND 200),
    -- Most points one person may earn in a day; NULL: no cap.
    daily_cap BIGINT CHECK (daily_cap >= 1),
    -- Most points one person may hold; NULL: no cap.
    balance_cap BIGINT CHECK (balance_cap >= 1),
    -- Earned points expire this many months after earning (FIFO by lot); NULL: never.
    expiry_months INTEGER CHECK (expiry_months BETWEEN 1 AND 120),
    -- Age from which time-bank elder-care rewards may be redeemed; NULL: no age gate.
    elder_redemption_age INTEGER CHECK (elder_redemption_age BETWEEN 50 AND 100),
    relative_transfers_allowed BOOLEAN NOT NULL,
    -- Honour hours staff may add per person and year, shown apart from recorded hours.
    honour_hours_yearly_cap BIGINT CHECK (honour_hours_yearly_cap >= 0),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (community_id, version),
    UNIQUE (community_id, effective_from)
);
