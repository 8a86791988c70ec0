DROP TABLE points_policies;
