-- One counter that moves in the same transaction as any change to the facts matching keeps
-- in memory (volunteer profiles, skills, availability, credentials, roles, home grids, the
-- area tree, and the outcomes of claims), so every instance sharing the database sees at the
-- cost of one primary-key read whether its candidate index is stale. Triggers bump it, so no
-- writer, present or future, can forget to.
CREATE TABLE matching_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO matching_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER matching_volunteer_profiles_insert AFTER INSERT ON volunteer_profiles
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_volunteer_profiles_update AFTER UPDATE ON volunteer_profiles
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_volunteer_profiles_delete AFTER DELETE ON volunteer_profiles
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_volunteer_skills_insert AFTER INSERT ON volunteer_skills
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_volunteer_skills_update AFTER UPDATE ON volunteer_skills
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_volunteer_skills_delete AFTER DELETE ON volunteer_skills
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_availability_slots_insert AFTER INSERT ON availability_slots
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_availability_slots_update AFTER UPDATE ON availability_slots
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_availability_slots_delete AFTER DELETE ON availability_slots
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_credentials_insert AFTER INSERT ON credentials
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_credentials_update AFTER UPDATE ON credentials
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_credentials_delete AFTER DELETE ON credentials
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_role_grants_insert AFTER INSERT ON role_grants
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_role_grants_update AFTER UPDATE ON role_grants
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_role_grants_delete AFTER DELETE ON role_grants
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_users_update AFTER UPDATE ON users FOR EACH ROW
WHEN OLD.home_grid_id IS NOT NEW.home_grid_id OR OLD.status <> NEW.status
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_areas_update AFTER UPDATE ON areas FOR EACH ROW
WHEN OLD.path <> NEW.path
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_need_assignments_update AFTER UPDATE ON need_assignments FOR EACH ROW
WHEN (OLD.status = 'no_show') <> (NEW.status = 'no_show') OR OLD.completed <> NEW.completed OR OLD.rating IS NOT NEW.rating OR OLD.minutes IS NOT NEW.minutes OR OLD.checked_out_at IS NOT NEW.checked_out_at
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
END;
