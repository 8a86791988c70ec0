DROP TABLE ledger_lot_uses;
DROP TABLE ledger_lots;
