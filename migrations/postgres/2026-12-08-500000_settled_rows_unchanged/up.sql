-- A settlement batch reads its lines from the rows it settled (the orders and fees marked with
-- its id, the refunds marked with its id): once marked, a row keeps its batch, its amounts and
-- its confirmation, so a statement always shows what was settled and adds up to its totals.
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
