-- Paid services, second step: a provider's contract names how often it is settled, a late
-- cancellation's fee carries the commission on it, and settlement lines say what they settle.

-- Weekly or monthly: the settlement job drafts a provider's batch per week or per calendar
-- month (display time zone) accordingly; one batch per provider and period start.
ALTER TABLE paid_provider_terms ADD COLUMN settlement_period TEXT NOT NULL DEFAULT 'weekly'
    CHECK (settlement_period IN ('weekly', 'monthly'));

-- The platform's commission on a late-cancellation fee, at the order's snapshotted rate: the
-- fee is the provider's revenue like any gross, and is settled as a line of its own.
ALTER TABLE paid_order_money ADD COLUMN cancellation_commission_fen BIGINT NOT NULL DEFAULT 0
    CHECK (cancellation_commission_fen >= 0);

-- An order's amounts ('order'), a refund of one ('refund', negative), or the fee of an
-- accepted order cancelled late ('cancellation_fee': gross = co-payment = the fee, collected
-- by the provider from the resident).
ALTER TABLE paid_settlement_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'order'
    CHECK (kind IN ('order', 'refund', 'cancellation_fee'));
UPDATE paid_settlement_lines SET kind = 'refund' WHERE refund_id IS NOT NULL;
