-- Paid services (有偿服务): providers' priced offerings, subsidy programmes, orders split to the
-- fen across subsidy, points and co-payment, a CNY money ledger, payments, refunds and
-- settlement batches per provider and period. Money is BIGINT fen everywhere.

-- What a provider sells: a priced unit of a paid category, in the areas it serves.
CREATE TABLE paid_offerings (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    category_id BIGINT NOT NULL REFERENCES service_categories (id),
    unit TEXT NOT NULL CHECK (unit IN ('hour', 'visit', 'item')),
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen > 0 AND unit_price_fen <= 100000000),
    min_quantity INTEGER NOT NULL CHECK (min_quantity >= 1),
    max_quantity INTEGER NOT NULL,
    -- Weekdays served as bits (1 = Monday … 64 = Sunday) and the daily hours, in minutes of
    -- the display time zone.
    available_weekdays INTEGER NOT NULL CHECK (available_weekdays BETWEEN 1 AND 127),
    available_from_minute INTEGER NOT NULL CHECK (available_from_minute BETWEEN 0 AND 1439),
    available_to_minute INTEGER NOT NULL CHECK (available_to_minute BETWEEN 1 AND 1440),
    -- Minutes the provider has to accept or decline an order before it lapses.
    response_minutes INTEGER NOT NULL CHECK (response_minutes BETWEEN 5 AND 10080),
    -- Cancelling an accepted order within this many hours of its start costs the fee.
    cancellation_notice_hours INTEGER NOT NULL CHECK (cancellation_notice_hours BETWEEN 0 AND 720),
    cancellation_fee_percent INTEGER NOT NULL CHECK (cancellation_fee_percent BETWEEN 0 AND 100),
    published BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (max_quantity >= min_quantity AND max_quantity <= 1000),
    CHECK (available_to_minute > available_from_minute)
);
CREATE INDEX paid_offerings_organization ON paid_offerings (organization_id, id);
CREATE INDEX paid_offerings_category ON paid_offerings (category_id, published);

-- An offering's bilingual text.
CREATE TABLE paid_offering_texts (
    offering_id BIGINT PRIMARY KEY REFERENCES paid_offerings (id),
    title_zh TEXT NOT NULL,
    title_en TEXT,
    description_zh TEXT NOT NULL,
    description_en TEXT
);

CREATE TABLE paid_offering_areas (
    offering_id BIGINT NOT NULL REFERENCES paid_offerings (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    PRIMARY KEY (offering_id, area_id)
);

-- A provider's contract: the platform's commission on its gross, in basis points.
CREATE TABLE paid_provider_terms (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    commission_bp INTEGER NOT NULL CHECK (commission_bp BETWEEN 0 AND 5000),
    updated_at TIMESTAMP NOT NULL
);

-- A community's rate for points spent on paid services, and the share of an order they may pay.
CREATE TABLE paid_points_terms (
    community_id BIGINT PRIMARY KEY REFERENCES areas (id),
    fen_per_point BIGINT NOT NULL CHECK (fen_per_point BETWEEN 1 AND 10000),
    max_percent INTEGER NOT NULL CHECK (max_percent BETWEEN 0 AND 100),
    updated_at TIMESTAMP NOT NULL
);

-- A subsidy programme (e.g. 高龄老人居家养老服务补贴) funded by a street or district. The
-- remaining budget moves only by guarded statements, so it is never overspent.
CREATE TABLE paid_subsidy_programs (
    id INTEGER PRIMARY KEY,
    funding_area_id BIGINT NOT NULL REFERENCES areas (id),
    name_zh TEXT NOT NULL,
    name_en TEXT,
    budget_fen BIGINT NOT NULL CHECK (budget_fen > 0),
    remaining_fen BIGINT NOT NULL,
    -- Eligibility rules as JSON over verified resident facts.
    eligibility TEXT NOT NULL,
    rule_kind TEXT NOT NULL CHECK (rule_kind IN ('percent', 'fixed_per_unit')),
    percent_bp INTEGER CHECK (percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000),
    fixed_fen_per_unit BIGINT CHECK (fixed_fen_per_unit IS NULL OR fixed_fen_per_unit > 0),
    monthly_cap_fen BIGINT NOT NULL CHECK (monthly_cap_fen > 0),
    active BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (remaining_fen >= 0 AND remaining_fen <= budget_fen),
    CHECK ((rule_kind = 'percent') = (percent_bp IS NOT NULL)),
    CHECK ((rule_kind = 'fixed_per_unit') = (fixed_fen_per_unit IS NOT NULL))
);

CREATE TABLE paid_program_categories (
    program_id BIGINT NOT NULL REFERENCES paid_subsidy_programs (id),
    category_id BIGINT NOT NULL REFERENCES service_categories (id),
    PRIMARY KEY (program_id, category_id)
);

-- Subsidy a resident used from a programme in a month (YYYY-MM of the display zone), moved by
-- guarded statements against the programme's monthly cap.
CREATE TABLE paid_subsidy_usage (
    program_id BIGINT NOT NULL REFERENCES paid_subsidy_programs (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    month TEXT NOT NULL,
    used_fen BIGINT NOT NULL CHECK (used_fen >= 0),
    PRIMARY KEY (program_id, user_id, month)
);

-- An order with its price snapshot; its split lives in paid_order_money and its progress in
-- paid_order_progress (one row each per order).
CREATE TABLE paid_orders (
    id INTEGER PRIMARY KEY,
    offering_id BIGINT NOT NULL REFERENCES paid_offerings (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    category_id BIGINT NOT NULL REFERENCES service_categories (id),
    resident_id BIGINT NOT NULL REFERENCES users (id),
    placed_by BIGINT NOT NULL REFERENCES users (id),
    community_id BIGINT NOT NULL REFERENCES areas (id),
    need_id BIGINT REFERENCES needs (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen > 0),
    window_start TIMESTAMP NOT NULL,
    window_end TIMESTAMP NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('placed', 'accepted', 'declined', 'cancelled', 'started',
        'completed', 'confirmed', 'disputed')),
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    CHECK (window_end > window_start)
);
CREATE INDEX paid_orders_resident ON paid_orders (resident_id, id);
CREATE INDEX paid_orders_organization ON paid_orders (organization_id, state, id);
CREATE INDEX paid_orders_state ON paid_orders (state, id);

-- An order's split: gross = subsidy + points value + co-payment and gross = commission +
-- provider net hold by CHECK; refunds are rows of their own, summed here.
CREATE TABLE paid_order_money (
    order_id BIGINT PRIMARY KEY REFERENCES paid_orders (id),
    gross_fen BIGINT NOT NULL CHECK (gross_fen > 0),
    subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen >= 0),
    points BIGINT NOT NULL CHECK (points >= 0),
    points_fen BIGINT NOT NULL CHECK (points_fen >= 0),
    copay_fen BIGINT NOT NULL CHECK (copay_fen >= 0),
    commission_bp INTEGER NOT NULL,
    commission_fen BIGINT NOT NULL CHECK (commission_fen >= 0),
    net_fen BIGINT NOT NULL CHECK (net_fen >= 0),
    -- Co-payment the provider recorded as received, net of cash given back.
    paid_fen BIGINT NOT NULL CHECK (paid_fen >= 0),
    refunded_fen BIGINT NOT NULL CHECK (refunded_fen >= 0),
    cancellation_fee_fen BIGINT NOT NULL CHECK (cancellation_fee_fen >= 0),
    points_transfer_id BIGINT REFERENCES ledger_transfers (id),
    -- The batch that settled the order, once.
    settlement_id BIGINT,
    confirmed_at TIMESTAMP,
    CHECK (gross_fen = subsidy_fen + points_fen + copay_fen),
    CHECK (gross_fen = commission_fen + net_fen),
    CHECK (refunded_fen <= gross_fen),
    CHECK (paid_fen <= copay_fen)
);
CREATE INDEX paid_order_money_settle ON paid_order_money (settlement_id, confirmed_at);

-- Where an order stands in delivery: the resident's code, deadlines and times.
CREATE TABLE paid_order_progress (
    order_id BIGINT PRIMARY KEY REFERENCES paid_orders (id),
    check_code TEXT NOT NULL,
    code_failures INTEGER NOT NULL,
    respond_by TIMESTAMP NOT NULL,
    lapsed BOOLEAN NOT NULL,
    reason TEXT,
    accepted_at TIMESTAMP,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    ended_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX paid_order_progress_respond ON paid_order_progress (respond_by);
CREATE INDEX paid_order_progress_completed ON paid_order_progress (completed_at);

-- The subsidy each programme pays towards an order, and the month it counts against.
CREATE TABLE paid_order_subsidies (
    order_id BIGINT NOT NULL REFERENCES paid_orders (id),
    program_id BIGINT NOT NULL REFERENCES paid_subsidy_programs (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    month TEXT NOT NULL,
    PRIMARY KEY (order_id, program_id)
);
CREATE INDEX paid_order_subsidies_program ON paid_order_subsidies (program_id);

-- The CNY money ledger: double entry, append-only, like the points ledger. Residents'
-- accounts hold what they owe (negative), providers' what the platform owes them, programmes'
-- their unspent funds, the platform's commission, and clearing the money entering or leaving.
CREATE TABLE money_accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('resident', 'provider', 'programme', 'commission',
        'clearing')),
    user_id BIGINT REFERENCES users (id),
    organization_id BIGINT REFERENCES organizations (id),
    program_id BIGINT REFERENCES paid_subsidy_programs (id),
    balance BIGINT NOT NULL,
    may_go_negative BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (may_go_negative OR balance >= 0),
    CHECK (may_go_negative = (kind IN ('resident', 'provider', 'clearing'))),
    CHECK ((kind = 'resident') = (user_id IS NOT NULL)),
    CHECK ((kind = 'provider') = (organization_id IS NOT NULL)),
    CHECK ((kind = 'programme') = (program_id IS NOT NULL))
);
CREATE UNIQUE INDEX money_accounts_resident ON money_accounts (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX money_accounts_provider ON money_accounts (organization_id)
    WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX money_accounts_programme ON money_accounts (program_id)
    WHERE program_id IS NOT NULL;
CREATE UNIQUE INDEX money_accounts_platform ON money_accounts (kind)
    WHERE kind IN ('commission', 'clearing');

CREATE TABLE money_transfers (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    debit_account_id BIGINT NOT NULL REFERENCES money_accounts (id),
    credit_account_id BIGINT NOT NULL REFERENCES money_accounts (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    cause_type TEXT NOT NULL,
    cause_id TEXT NOT NULL,
    memo TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (debit_account_id <> credit_account_id)
);
CREATE INDEX money_transfers_cause ON money_transfers (cause_type, cause_id);

CREATE TABLE money_entries (
    id INTEGER PRIMARY KEY,
    transfer_id BIGINT NOT NULL REFERENCES money_transfers (id),
    account_id BIGINT NOT NULL REFERENCES money_accounts (id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    balance_after BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX money_entries_account ON money_entries (account_id, id);
CREATE INDEX money_entries_transfer ON money_entries (transfer_id);

-- Co-payments received, recorded through a payment gateway (first: offline, by hand).
CREATE TABLE paid_payments (
    id INTEGER PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES paid_orders (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    gateway TEXT NOT NULL,
    reference TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX paid_payments_order ON paid_payments (order_id);

-- A refund gives each funder back its part; settled in the first batch after it.
CREATE TABLE paid_refunds (
    id INTEGER PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES paid_orders (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen >= 0),
    points BIGINT NOT NULL CHECK (points >= 0),
    points_fen BIGINT NOT NULL CHECK (points_fen >= 0),
    copay_fen BIGINT NOT NULL CHECK (copay_fen >= 0),
    commission_fen BIGINT NOT NULL CHECK (commission_fen >= 0),
    cash_back_fen BIGINT NOT NULL CHECK (cash_back_fen >= 0),
    reason TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    settlement_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    CHECK (amount_fen = subsidy_fen + points_fen + copay_fen)
);
CREATE INDEX paid_refunds_settle ON paid_refunds (organization_id, settlement_id);

CREATE TABLE paid_refund_subsidies (
    refund_id BIGINT NOT NULL REFERENCES paid_refunds (id),
    program_id BIGINT NOT NULL REFERENCES paid_subsidy_programs (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (refund_id, program_id)
);

-- One batch per provider and period: draft → approved (street admin) → paid (reference).
CREATE TABLE paid_settlements (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    period_start TIMESTAMP NOT NULL,
    period_end TIMESTAMP NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'paid')),
    line_count BIGINT NOT NULL,
    gross_fen BIGINT NOT NULL,
    subsidy_fen BIGINT NOT NULL,
    points_fen BIGINT NOT NULL,
    copay_fen BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    net_fen BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organization_id, period_start),
    CHECK (gross_fen = subsidy_fen + points_fen + copay_fen),
    CHECK (net_fen = gross_fen - copay_fen - commission_fen)
);

-- Who approved a batch and who recorded its payout, with the bank reference.
CREATE TABLE paid_settlement_reviews (
    settlement_id BIGINT PRIMARY KEY REFERENCES paid_settlements (id),
    approved_by BIGINT NOT NULL REFERENCES users (id),
    approved_at TIMESTAMP NOT NULL,
    paid_by BIGINT REFERENCES users (id),
    paid_reference TEXT,
    paid_at TIMESTAMP,
    CHECK ((paid_at IS NULL) = (paid_reference IS NULL))
);

CREATE TABLE paid_settlement_lines (
    id INTEGER PRIMARY KEY,
    settlement_id BIGINT NOT NULL REFERENCES paid_settlements (id),
    order_id BIGINT NOT NULL REFERENCES paid_orders (id),
    refund_id BIGINT UNIQUE REFERENCES paid_refunds (id),
    gross_fen BIGINT NOT NULL,
    subsidy_fen BIGINT NOT NULL,
    points_fen BIGINT NOT NULL,
    copay_fen BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    net_fen BIGINT NOT NULL,
    CHECK (gross_fen = subsidy_fen + points_fen + copay_fen),
    CHECK (net_fen = gross_fen - copay_fen - commission_fen)
);
CREATE INDEX paid_settlement_lines_settlement ON paid_settlement_lines (settlement_id, id);
-- An order is settled once: one line without a refund per order.
CREATE UNIQUE INDEX paid_settlement_lines_order ON paid_settlement_lines (order_id)
    WHERE refund_id IS NULL;

CREATE TRIGGER money_transfers_no_update BEFORE UPDATE ON money_transfers
BEGIN SELECT RAISE(ABORT, 'money_transfers is append-only'); END;
CREATE TRIGGER money_transfers_no_delete BEFORE DELETE ON money_transfers
BEGIN SELECT RAISE(ABORT, 'money_transfers is append-only'); END;
CREATE TRIGGER money_entries_no_update BEFORE UPDATE ON money_entries
BEGIN SELECT RAISE(ABORT, 'money_entries is append-only'); END;
CREATE TRIGGER money_entries_no_delete BEFORE DELETE ON money_entries
BEGIN SELECT RAISE(ABORT, 'money_entries is append-only'); END;
