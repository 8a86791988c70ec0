DROP TABLE api_keys;
DROP TABLE organization_members;
DROP TABLE organization_areas;
DROP FUNCTION organization_areas_are_communities();
DROP TABLE organizations;
