DROP TABLE api_keys;
DROP TABLE organization_members;
DROP TRIGGER organization_areas_stay_communities;
DROP TRIGGER organization_areas_are_communities;
DROP TABLE organization_areas;
DROP TABLE organizations;
