DROP TABLE need_disputes;
DROP TABLE need_check_events;
DROP TABLE need_assignments;
DROP TABLE need_details;
DROP TABLE needs;
DROP TABLE care_plans;
DROP TABLE service_categories;
