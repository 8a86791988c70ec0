-- Monthly statements show hours beside points, kept apart: minutes of recorded help (checked
-- out in the month) and honour hours staff added in the month (which earn no points).
ALTER TABLE points_statements ADD COLUMN recorded_minutes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE points_statements ADD COLUMN honour_hours BIGINT NOT NULL DEFAULT 0;
