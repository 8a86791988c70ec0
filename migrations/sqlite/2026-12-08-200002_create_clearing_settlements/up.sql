-- Settlements of the clearing positions (通存通兑) of a street's communities: one row per
-- settlement, its transfers (one per community, each between the community's clearing account
-- and the street's) carry it as their cause. The key is scoped to the admin who settled, so a
-- retry finds the first settlement.
CREATE TABLE clearing_settlements (
    id INTEGER PRIMARY KEY,
    street_id BIGINT NOT NULL REFERENCES areas (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    settled_by BIGINT NOT NULL REFERENCES users (id),
    communities INTEGER NOT NULL,
    points BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX clearing_settlements_street ON clearing_settlements (street_id, id);
CREATE TRIGGER clearing_settlements_no_update BEFORE UPDATE ON clearing_settlements
BEGIN
    SELECT RAISE(ABORT, 'clearing settlements are append-only');
END;
CREATE TRIGGER clearing_settlements_no_delete BEFORE DELETE ON clearing_settlements
BEGIN
    SELECT RAISE(ABORT, 'clearing settlements are append-only');
END;
