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

CREATE FUNCTION matching_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE matching_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER matching_volunteer_profiles_change AFTER INSERT OR UPDATE OR DELETE ON volunteer_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_volunteer_skills_change AFTER INSERT OR UPDATE OR DELETE ON volunteer_skills
    FOR EACH STATEMENT EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_availability_slots_change AFTER INSERT OR UPDATE OR DELETE ON availability_slots
    FOR EACH STATEMENT EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_credentials_change AFTER INSERT OR UPDATE OR DELETE ON credentials
    FOR EACH STATEMENT EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_role_grants_change AFTER INSERT OR UPDATE OR DELETE ON role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_users_update AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.home_grid_id IS DISTINCT FROM NEW.home_grid_id OR OLD.status <> NEW.status)
    EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_areas_update AFTER UPDATE ON areas FOR EACH ROW
    WHEN (OLD.path <> NEW.path)
    EXECUTE FUNCTION matching_bump();

CREATE TRIGGER matching_need_assignments_update AFTER UPDATE ON need_assignments FOR EACH ROW
    WHEN ((OLD.status = 'no_show') <> (NEW.status = 'no_show') OR OLD.completed <> NEW.completed OR OLD.rating IS DISTINCT FROM NEW.rating OR OLD.minutes IS DISTINCT FROM NEW.minutes OR OLD.checked_out_at IS DISTINCT FROM NEW.checked_out_at)
    EXECUTE FUNCTION matching_bump();
