-- Organizations (volunteer teams, social organizations, providers, charities), the communities
-- they serve, their members, and the API keys their systems call the partner API with.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('volunteer_team', 'social_org', 'provider', 'charity')),
    name_zh TEXT NOT NULL CHECK (name_zh <> ''),
    name_en TEXT,
    description TEXT NOT NULL,
    -- The organization's own number (mobile or landline, digits only); masked for the public.
    contact_phone TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    -- Set together by community staff or a street admin over one of the service areas.
    verified_at TIMESTAMP,
    verified_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((verified_at IS NULL) = (verified_by IS NULL))
);
CREATE INDEX organizations_kind ON organizations (kind);
CREATE INDEX organizations_name_zh ON organizations (name_zh);

-- The communities an organization serves.
CREATE TABLE organization_areas (
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    PRIMARY KEY (organization_id, area_id)
);
CREATE INDEX organization_areas_area_id ON organization_areas (area_id);
CREATE TRIGGER organization_areas_are_communities BEFORE INSERT ON organization_areas
WHEN (SELECT level FROM areas WHERE id = NEW.area_id) IS NOT 'community'
BEGIN SELECT RAISE(ABORT, 'organizations serve communities'); END;
CREATE TRIGGER organization_areas_stay_communities BEFORE UPDATE ON organization_areas
WHEN (SELECT level FROM areas WHERE id = NEW.area_id) IS NOT 'community'
BEGIN SELECT RAISE(ABORT, 'organizations serve communities'); END;

CREATE TABLE organization_members (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'leader', 'member')),
    -- Who added the member (NULL for the founder).
    added_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX organization_members_user_id ON organization_members (user_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL CHECK (name <> ''),
    -- The first characters of the key, safe to show, so people can tell keys apart.
    display_prefix TEXT NOT NULL,
    -- SHA-256 of the whole key; the key itself is never stored.
    secret_hash TEXT NOT NULL UNIQUE,
    -- Space-separated scopes, e.g. 'needs:read organization:read'.
    scopes TEXT NOT NULL CHECK (scopes <> ''),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by BIGINT REFERENCES users (id),
    CHECK (expires_at IS NULL OR expires_at > created_at),
    CHECK (revoked_by IS NULL OR revoked_at IS NOT NULL)
);
CREATE INDEX api_keys_organization_id ON api_keys (organization_id);
