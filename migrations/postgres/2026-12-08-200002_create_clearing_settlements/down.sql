DROP TABLE clearing_settlements;
DROP FUNCTION clearing_settlements_append_only();
