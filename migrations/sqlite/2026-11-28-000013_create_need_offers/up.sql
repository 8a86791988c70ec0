-- Dispatch: staff rank targets for a need (a volunteer, or a volunteer team or social
-- organization); one at a time is offered with a deadline, the rest wait their turn, and a
-- decline or a lapse offers the next.
CREATE TABLE need_offers (
    id INTEGER PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id),
    -- The dispatcher's ranking; later dispatches of the same need continue the numbering.
    position INTEGER NOT NULL CHECK (position > 0),
    -- Exactly one target: a volunteer or an organization.
    target_user_id BIGINT REFERENCES users (id),
    target_organization_id BIGINT REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'pending', 'accepted', 'declined', 'lapsed',
        'withdrawn')),
    dispatched_by BIGINT NOT NULL REFERENCES users (id),
    response_minutes INTEGER NOT NULL CHECK (response_minutes > 0),
    offered_at TIMESTAMP,
    deadline TIMESTAMP,
    responded_by BIGINT REFERENCES users (id),
    responded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((target_user_id IS NULL) <> (target_organization_id IS NULL)),
    UNIQUE (need_id, position)
);
CREATE INDEX need_offers_status_deadline ON need_offers (status, deadline);
CREATE INDEX need_offers_target_user_id ON need_offers (target_user_id);
CREATE INDEX need_offers_target_organization_id ON need_offers (target_organization_id);
