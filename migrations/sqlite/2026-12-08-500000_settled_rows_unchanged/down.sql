DROP TRIGGER paid_refunds_settled;
DROP TRIGGER paid_order_money_settled;
