-- Settlement by ranges instead of marks. Every settleable event of a provider (an order's
-- confirmation, a late cancellation's fee, a refund) becomes an append-only entry numbered by
-- the provider's counter in the transaction that makes it settleable; a batch owns the
-- contiguous range (from_seq, to_seq] of those numbers. Ranges of one provider never overlap
-- and follow each other, so every entry is settled by exactly one batch without writing to it.

-- One row per provider: the last number given out and the last number settled. Taking a number
-- updates the row, so events of one provider are numbered in commit order; a batch moves
-- settled_seq from its from_seq to its to_seq under the same row lock.
CREATE TABLE paid_settlement_counters (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    last_seq BIGINT NOT NULL CHECK (last_seq >= 0),
    settled_seq BIGINT NOT NULL CHECK (settled_seq >= 0),
    CHECK (settled_seq <= last_seq)
);

-- The amounts as the statement line shows them: refunds negative; a fee has gross = co-payment
-- = the fee and the commission on it. One entry per confirmed order or fee, one per refund.
CREATE TABLE paid_settlement_entries (
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    seq BIGINT NOT NULL CHECK (seq > 0),
    kind TEXT NOT NULL CHECK (kind IN ('order', 'refund', 'cancellation_fee')),
    order_id BIGINT NOT NULL REFERENCES paid_orders (id),
    refund_id BIGINT UNIQUE REFERENCES paid_refunds (id),
    gross_fen BIGINT NOT NULL,
    subsidy_fen BIGINT NOT NULL,
    points_fen BIGINT NOT NULL,
    copay_fen BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    happened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, seq),
    CHECK ((kind = 'refund') = (refund_id IS NOT NULL)),
    CHECK (gross_fen = subsidy_fen + points_fen + copay_fen)
);
CREATE UNIQUE INDEX paid_settlement_entries_order ON paid_settlement_entries (order_id)
    WHERE refund_id IS NULL;
CREATE TRIGGER paid_settlement_entries_no_update BEFORE UPDATE ON paid_settlement_entries
BEGIN SELECT RAISE(ABORT, 'paid_settlement_entries is append-only'); END;
CREATE TRIGGER paid_settlement_entries_no_delete BEFORE DELETE ON paid_settlement_entries
BEGIN SELECT RAISE(ABORT, 'paid_settlement_entries is append-only'); END;

ALTER TABLE paid_settlements ADD COLUMN from_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE paid_settlements ADD COLUMN to_seq BIGINT NOT NULL DEFAULT 0;

-- Backfill: number what older versions marked, batch by batch in the order they were drafted,
-- then what is still unsettled by the time it happened.
CREATE TEMP TABLE settlement_backfill AS
SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.organization_id
    ORDER BY e.settlement_id IS NULL, e.settlement_id, e.happened_at, e.kind_rank, e.order_id,
        e.refund_id) AS seq
FROM (
    SELECT o.organization_id, 'order' AS kind, 0 AS kind_rank, m.order_id,
        CAST(NULL AS BIGINT) AS refund_id, m.gross_fen, m.subsidy_fen, m.points_fen,
        m.copay_fen, m.commission_fen, m.confirmed_at AS happened_at, m.settlement_id
    FROM paid_order_money m JOIN paid_orders o ON o.id = m.order_id
    WHERE m.confirmed_at IS NOT NULL
    UNION ALL
    SELECT o.organization_id, 'cancellation_fee', 1, m.order_id, NULL, m.cancellation_fee_fen,
        0, 0, m.cancellation_fee_fen, m.cancellation_commission_fen, p.ended_at, m.settlement_id
    FROM paid_order_money m JOIN paid_orders o ON o.id = m.order_id
        JOIN paid_order_progress p ON p.order_id = m.order_id
    WHERE m.confirmed_at IS NULL AND m.cancellation_fee_fen > 0 AND o.state = 'cancelled'
        AND p.ended_at IS NOT NULL
    UNION ALL
    SELECT r.organization_id, 'refund', 2, r.order_id, r.id, -r.amount_fen, -r.subsidy_fen,
        -r.points_fen, -r.copay_fen, -r.commission_fen, r.created_at, r.settlement_id
    FROM paid_refunds r
) e;
INSERT INTO paid_settlement_entries (organization_id, seq, kind, order_id, refund_id, gross_fen,
    subsidy_fen, points_fen, copay_fen, commission_fen, happened_at)
SELECT organization_id, seq, kind, order_id, refund_id, gross_fen, subsidy_fen, points_fen,
    copay_fen, commission_fen, happened_at
FROM settlement_backfill;
-- Settled rows were numbered first, batch by batch, so each batch's rows are one run of
-- numbers; a batch that marked nothing gets an empty range where the previous one ended.
CREATE TEMP TABLE settlement_backfill_ranges AS
SELECT settlement_id, organization_id, MIN(seq) - 1 AS from_seq, MAX(seq) AS to_seq
FROM settlement_backfill WHERE settlement_id IS NOT NULL
GROUP BY settlement_id, organization_id;
CREATE INDEX settlement_backfill_ranges_id ON settlement_backfill_ranges (settlement_id);
UPDATE paid_settlements SET
    from_seq = COALESCE((SELECT r.from_seq FROM settlement_backfill_ranges r
            WHERE r.settlement_id = paid_settlements.id),
        (SELECT MAX(r.to_seq) FROM settlement_backfill_ranges r
            WHERE r.organization_id = paid_settlements.organization_id
            AND r.settlement_id < paid_settlements.id), 0),
    to_seq = COALESCE((SELECT r.to_seq FROM settlement_backfill_ranges r
            WHERE r.settlement_id = paid_settlements.id),
        (SELECT MAX(r.to_seq) FROM settlement_backfill_ranges r
            WHERE r.organization_id = paid_settlements.organization_id
            AND r.settlement_id < paid_settlements.id), 0);
INSERT INTO paid_settlement_counters (organization_id, last_seq, settled_seq)
SELECT p.organization_id, COALESCE(e.last_seq, 0), COALESCE(s.settled_seq, 0)
FROM (SELECT organization_id FROM settlement_backfill
    UNION SELECT organization_id FROM paid_settlements) p
LEFT JOIN (SELECT organization_id, MAX(seq) AS last_seq FROM settlement_backfill
    GROUP BY organization_id) e ON e.organization_id = p.organization_id
LEFT JOIN (SELECT organization_id, MAX(to_seq) AS settled_seq FROM paid_settlements
    GROUP BY organization_id) s ON s.organization_id = p.organization_id;
DROP TABLE temp.settlement_backfill_ranges;
DROP TABLE temp.settlement_backfill;

-- Non-empty ranges of one provider start where the previous one ended (the counter's guarded
-- move checks that), so a unique start means no two batches share an entry.
CREATE TRIGGER paid_settlements_range_checked BEFORE INSERT ON paid_settlements
WHEN NEW.from_seq < 0 OR NEW.to_seq < NEW.from_seq
BEGIN SELECT RAISE(ABORT, 'a settlement range runs forwards from 0'); END;
CREATE UNIQUE INDEX paid_settlements_from ON paid_settlements (organization_id, from_seq)
    WHERE to_seq > from_seq;
CREATE TRIGGER paid_settlements_range_fixed BEFORE UPDATE ON paid_settlements
WHEN NEW.from_seq <> OLD.from_seq OR NEW.to_seq <> OLD.to_seq
    OR NEW.organization_id <> OLD.organization_id
BEGIN SELECT RAISE(ABORT, 'the range of a settlement is fixed'); END;
CREATE INDEX paid_settlements_range ON paid_settlements (organization_id, to_seq);

-- The marks are no longer written: a row's batch is the one whose range holds its entry.
DROP TRIGGER paid_refunds_settled;
DROP TRIGGER paid_order_money_settled;
DROP INDEX paid_order_money_settle;
DROP INDEX paid_refunds_settle;
ALTER TABLE paid_order_money DROP COLUMN settlement_id;
ALTER TABLE paid_refunds DROP COLUMN settlement_id;
CREATE INDEX paid_refunds_organization ON paid_refunds (organization_id);
