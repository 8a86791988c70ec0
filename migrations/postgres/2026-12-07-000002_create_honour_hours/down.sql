DROP TABLE honour_hours;
