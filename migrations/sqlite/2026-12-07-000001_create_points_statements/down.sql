DROP TABLE points_statements;
