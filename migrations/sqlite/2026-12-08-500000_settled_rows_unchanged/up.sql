-- A settlement batch reads its lines from the rows it settled (the orders and fees marked with
-- its id, the refunds marked with its id): once marked, a row keeps its batch, its amounts and
-- its confirmation, so a statement always shows what was settled and adds up to its totals.
CREATE TRIGGER paid_order_money_settled BEFORE UPDATE ON paid_order_money
FOR EACH ROW WHEN OLD.settlement_id IS NOT NULL AND (
    NEW.settlement_id IS NOT OLD.settlement_id
    OR NEW.gross_fen IS NOT OLD.gross_fen
    OR NEW.subsidy_fen IS NOT OLD.subsidy_fen
    OR NEW.points_fen IS NOT OLD.points_fen
    OR NEW.copay_fen IS NOT OLD.copay_fen
    OR NEW.commission_fen IS NOT OLD.commission_fen
    OR NEW.cancellation_fee_fen IS NOT OLD.cancellation_fee_fen
    OR NEW.cancellation_commission_fen IS NOT OLD.cancellation_commission_fen
    OR NEW.confirmed_at IS NOT OLD.confirmed_at)
BEGIN SELECT RAISE(ABORT, 'paid_order_money row is settled'); END;
CREATE TRIGGER paid_refunds_settled BEFORE UPDATE ON paid_refunds
FOR EACH ROW WHEN OLD.settlement_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'paid_refunds row is settled'); END;
