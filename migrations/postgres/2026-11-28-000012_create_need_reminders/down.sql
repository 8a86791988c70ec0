DROP TABLE need_reminders;
