-- The grid-management tree: district → street → community → grid.
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES areas (id),
    level TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- '/'-separated ids from the root, ending in '/': a subtree is a prefix match.
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX areas_parent_id ON areas (parent_id);
CREATE INDEX areas_path ON areas (path);
