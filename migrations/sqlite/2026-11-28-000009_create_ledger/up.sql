-- The points ledger: double entry, append-only. Every movement is a transfer from one account to
-- another with an idempotency key; each transfer writes two entries (the debit negative, the
-- credit positive) and moves the cached balances in the same transaction. Person accounts never
-- go below zero (guarded statement + CHECK); only issuance and clearing accounts may.
CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'issuance', 'redemption',
        'expiry', 'donation_pool', 'clearing', 'escrow')),
    user_id BIGINT REFERENCES users (id),
    organization_id BIGINT REFERENCES organizations (id),
    -- The community a system account belongs to; person and organization accounts have none.
    community_id BIGINT REFERENCES areas (id),
    balance BIGINT NOT NULL,
    may_go_negative BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (may_go_negative OR balance >= 0),
    CHECK (may_go_negative = (kind IN ('issuance', 'clearing'))),
    CHECK ((kind = 'person') = (user_id IS NOT NULL)),
    CHECK ((kind = 'organization') = (organization_id IS NOT NULL)),
    CHECK ((kind IN ('person', 'organization')) = (community_id IS NULL))
);
CREATE UNIQUE INDEX ledger_accounts_person ON ledger_accounts (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_accounts_organization ON ledger_accounts (organization_id)
    WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_accounts_system ON ledger_accounts (community_id, kind)
    WHERE community_id IS NOT NULL;

CREATE TABLE ledger_transfers (
    id INTEGER PRIMARY KEY,
    -- Retrying with the same key finds this transfer instead of moving points twice.
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('earn', 'grant', 'hold', 'capture', 'release', 'donate',
        'transfer', 'expire', 'reverse', 'clearing')),
    debit_account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    credit_account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    -- What caused it: e.g. ('task', '42:7'), ('redemption', '9'), ('grant', '3').
    cause_type TEXT NOT NULL,
    cause_id TEXT NOT NULL,
    -- A correction names what it reverses; a transfer is reversed at most once.
    reverses_transfer_id BIGINT UNIQUE REFERENCES ledger_transfers (id),
    actor_id BIGINT REFERENCES users (id),
    memo TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind = 'reverse') = (reverses_transfer_id IS NOT NULL))
);
CREATE INDEX ledger_transfers_cause ON ledger_transfers (cause_type, cause_id);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    transfer_id BIGINT NOT NULL REFERENCES ledger_transfers (id),
    account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    -- Signed: the debit negative, the credit positive; a transfer's entries sum to zero.
    amount BIGINT NOT NULL CHECK (amount <> 0),
    balance_after BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

-- Points set aside (moved to the community's escrow account) until a redemption is fulfilled
-- (captured to redemption), cancelled (released) or lapses (expired, released too). The guarded
-- status change lets a hold resolve once.
CREATE TABLE ledger_holds (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    escrow_account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'captured', 'released', 'expired')),
    hold_transfer_id BIGINT NOT NULL UNIQUE REFERENCES ledger_transfers (id),
    resolution_transfer_id BIGINT UNIQUE REFERENCES ledger_transfers (id),
    cause_type TEXT NOT NULL,
    cause_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    CHECK ((status = 'open') = (resolution_transfer_id IS NULL)),
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX ledger_holds_open ON ledger_holds (status, expires_at);
CREATE INDEX ledger_holds_account ON ledger_holds (account_id);

CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger_transfers is append-only'); END;
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger_transfers is append-only'); END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
