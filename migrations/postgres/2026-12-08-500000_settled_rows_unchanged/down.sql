DROP TRIGGER paid_refunds_settled ON paid_refunds;
DROP TRIGGER paid_order_money_settled ON paid_order_money;
DROP FUNCTION paid_settled_unchanged();
