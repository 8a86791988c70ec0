-- Points arrive in lots so they can expire first in, first out. Every credit to a person
-- account opens a lot (or gives back the lots a reversed or released debit took); every debit
-- from one takes from its lots, soonest expiry first, and records what it took. A person's
-- lots always hold exactly their balance (the reconciliation checks it).
CREATE TABLE ledger_lots (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    -- The credit that brought the points in; none for balances carried over from before lots.
    source_transfer_id BIGINT REFERENCES ledger_transfers (id),
    -- The community whose expiry account takes what lapses; none for lots that never expire.
    community_id BIGINT REFERENCES areas (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    remaining BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    expires_at TIMESTAMP,
    -- When the holder was told the lot is about to expire (30 days ahead), once.
    notified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (expires_at IS NULL OR community_id IS NOT NULL)
);
CREATE INDEX ledger_lots_open ON ledger_lots (account_id, expires_at, id) WHERE remaining > 0;
CREATE INDEX ledger_lots_due ON ledger_lots (expires_at, id) WHERE remaining > 0;
CREATE INDEX ledger_lots_source ON ledger_lots (source_transfer_id);

-- What each debit took from which lot, so a reversal or a released hold gives back exactly
-- those points with their original expiry.
CREATE TABLE ledger_lot_uses (
    transfer_id BIGINT NOT NULL REFERENCES ledger_transfers (id),
    lot_id BIGINT NOT NULL REFERENCES ledger_lots (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    PRIMARY KEY (transfer_id, lot_id)
);
CREATE INDEX ledger_lot_uses_lot ON ledger_lot_uses (lot_id);

-- Balances from before lots never expire: nobody was told they would.
INSERT INTO ledger_lots (account_id, amount, remaining, created_at)
SELECT id, balance, balance, created_at FROM ledger_accounts
WHERE kind = 'person' AND balance > 0;
