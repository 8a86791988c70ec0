DROP TABLE idempotent_requests;
DROP TABLE redemptions;
DROP TABLE rewards;
