DROP INDEX paid_refunds_organization;
ALTER TABLE paid_order_money ADD COLUMN settlement_id BIGINT;
ALTER TABLE paid_refunds ADD COLUMN settlement_id BIGINT;
UPDATE paid_order_money SET settlement_id = (
    SELECT s.id FROM paid_settlement_entries e JOIN paid_settlements s
        ON s.organization_id = e.organization_id AND e.seq > s.from_seq AND e.seq <= s.to_seq
    WHERE e.order_id = paid_order_money.order_id AND e.refund_id IS NULL);
UPDATE paid_refunds SET settlement_id = (
    SELECT s.id FROM paid_settlement_entries e JOIN paid_settlements s
        ON s.organization_id = e.organization_id AND e.seq > s.from_seq AND e.seq <= s.to_seq
    WHERE e.refund_id = paid_refunds.id);
CREATE INDEX paid_order_money_settle ON paid_order_money (settlement_id, confirmed_at);
CREATE INDEX paid_refunds_settle ON paid_refunds (organization_id, settlement_id);
CREATE FUNCTION paid_settled_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% row is settled in batch %', TG_TABLE_NAME, OLD.settlement_id;
END;
$$;
CREATE TRIGGER paid_order_money_settled BEFORE UPDATE ON paid_order_money
FOR EACH ROW WHEN (OLD.settlement_id IS NOT NULL AND (
    NEW.settlement_id IS DISTINCT FROM OLD.settlement_id
    OR NEW.gross_fen <> OLD.gross_fen
    OR NEW.subsidy_fen <> OLD.subsidy_fen
    OR NEW.points_fen <> OLD.points_fen
    OR NEW.copay_fen <> OLD.copay_fen
    OR NEW.commission_fen <> OLD.commission_fen
    OR NEW.cancellation_fee_fen <> OLD.cancellation_fee_fen
    OR NEW.cancellation_commission_fen <> OLD.cancellation_commission_fen
    OR NEW.confirmed_at IS DISTINCT FROM OLD.confirmed_at))
EXECUTE FUNCTION paid_settled_unchanged();
CREATE TRIGGER paid_refunds_settled BEFORE UPDATE ON paid_refunds
FOR EACH ROW WHEN (OLD.settlement_id IS NOT NULL)
EXECUTE FUNCTION paid_settled_unchanged();
DROP INDEX paid_settlements_range;
DROP TRIGGER paid_settlements_range_fixed ON paid_settlements;
DROP FUNCTION paid_settlement_range_fixed();
DROP INDEX paid_settlements_from;
ALTER TABLE paid_settlements DROP CONSTRAINT paid_settlements_range;
ALTER TABLE paid_settlements DROP COLUMN to_seq;
ALTER TABLE paid_settlements DROP COLUMN from_seq;
DROP TABLE paid_settlement_entries;
DROP TABLE paid_settlement_counters;
