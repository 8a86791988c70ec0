-- Partner webhooks: the endpoints organizations register and the log of every delivery attempt.
-- Deliveries themselves are outbox messages (channel 'webhook', recipient = the endpoint id).
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    -- http(s) URL; its host was checked against the address guard when registered.
    url TEXT NOT NULL CHECK (url <> ''),
    description TEXT NOT NULL,
    -- Space-separated event names, e.g. 'organization.verified organization.updated'.
    events TEXT NOT NULL CHECK (events <> ''),
    -- The signing secret in Standard Webhooks form ('whsec_' + base64); needed to sign, so
    -- kept as is and never shown after create or rotate.
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- Why it is disabled: 'manual' (an admin or partner) or 'failing' (failed for the window).
    disabled_reason TEXT CHECK (disabled_reason IN ('manual', 'failing')),
    disabled_at TIMESTAMP,
    -- The first failed attempt since the last success; NULL while deliveries succeed.
    failing_since TIMESTAMP,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    -- The admin who registered it, or the API key a partner system registered it with.
    created_by BIGINT REFERENCES users (id),
    created_by_key BIGINT REFERENCES api_keys (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (enabled = (disabled_reason IS NULL)),
    CHECK ((disabled_reason IS NULL) = (disabled_at IS NULL))
);
CREATE INDEX webhook_endpoints_organization_id ON webhook_endpoints (organization_id);

-- One row per delivery attempt, kept with the endpoint and deleted with it.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The outbox message id, sent as webhook-id; the same on every attempt of one message.
    message_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    attempted_at TIMESTAMP NOT NULL,
    -- The HTTP status the receiver answered, if it answered.
    status_code INTEGER,
    -- Why the attempt failed (transport error, timeout, refused address), if it did.
    error TEXT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_id ON webhook_deliveries (endpoint_id, id);
