ALTER TABLE paid_settlement_lines DROP COLUMN kind;
ALTER TABLE paid_order_money DROP COLUMN cancellation_commission_fen;
ALTER TABLE paid_provider_terms DROP COLUMN settlement_period;
