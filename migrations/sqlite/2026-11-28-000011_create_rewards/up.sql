-- The reward catalogue of a community (积分兑换): items or services offered by the community
-- itself or by a provider or charity serving it, each with a points cost, an optional stock
-- (NULL: unlimited), an optional per-person limit and an age gate. Stock moves only through a
-- guarded statement (`stock >= quantity`) inside the redemption's write transaction.
CREATE TABLE rewards (
    id INTEGER PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES areas (id),
    -- The offering provider or charity; NULL when the community itself offers it.
    organization_id BIGINT REFERENCES organizations (id),
    kind TEXT NOT NULL CHECK (kind IN ('item', 'service')),
    title_zh TEXT NOT NULL,
    title_en TEXT,
    description_zh TEXT NOT NULL,
    description_en TEXT,
    points_cost BIGINT NOT NULL CHECK (points_cost > 0),
    stock BIGINT CHECK (stock IS NULL OR stock >= 0),
    per_person_limit INTEGER CHECK (per_person_limit IS NULL OR per_person_limit > 0),
    -- A fixed minimum age, or the community's policy age for elder redemptions (elder_only).
    minimum_age INTEGER CHECK (minimum_age IS NULL OR (minimum_age > 0 AND minimum_age <= 120)),
    elder_only BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rewards_community ON rewards (community_id, id);

-- A redemption places a ledger hold; it is fulfilled (the hold captured), cancelled or expired
-- (the hold released, the stock restored) exactly once, by a guarded state change.
CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY,
    reward_id BIGINT NOT NULL REFERENCES rewards (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- Who asked: the person, or a proxy with their consent.
    placed_by BIGINT NOT NULL REFERENCES users (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    points BIGINT NOT NULL CHECK (points > 0),
    hold_id BIGINT NOT NULL UNIQUE REFERENCES ledger_holds (id),
    state TEXT NOT NULL CHECK (state IN ('placed', 'fulfilled', 'cancelled', 'expired')),
    -- The caller's key, scoped to the caller: a retry finds this redemption.
    idempotency_key TEXT NOT NULL UNIQUE,
    resolved_by BIGINT REFERENCES users (id),
    resolved_by_organization BIGINT REFERENCES organizations (id),
    resolved_at TIMESTAMP,
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((state = 'placed') = (resolved_at IS NULL))
);
CREATE INDEX redemptions_person ON redemptions (user_id, reward_id);
CREATE INDEX redemptions_reward ON redemptions (reward_id, id);

-- Requests that move points, by the caller's Idempotency-Key: claimed while running (a second
-- request with the key meanwhile is refused), then holding the response to replay.
CREATE TABLE idempotent_requests (
    scoped_key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    -- A claim whose holder died lapses at this time and may be taken over.
    locked_until TIMESTAMP NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((state = 'done') = (response_status IS NOT NULL AND response_body IS NOT NULL))
);
