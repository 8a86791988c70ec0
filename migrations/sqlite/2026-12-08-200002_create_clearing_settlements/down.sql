DROP TABLE clearing_settlements;
