ALTER TABLE points_statements DROP COLUMN honour_hours;
ALTER TABLE points_statements DROP COLUMN recorded_minutes;
