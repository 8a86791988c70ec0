DROP TABLE proxy_consents;
DROP TABLE resident_profiles;
DROP TABLE credentials;
DROP TABLE availability_slots;
DROP TABLE volunteer_skills;
DROP TABLE volunteer_profiles;
DROP TABLE skills;
