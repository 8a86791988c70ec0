//! Organizations over HTTP: volunteer teams, social organizations, providers and charities,
//! their public profiles, verification by staff, and members. One file per operation; this one
//! declares them.

mod add_member;
mod create;
mod get;
mod list;
mod list_members;
pub mod problems;
mod remove_member;
mod update;
mod verify;
pub mod views;

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

pub use add_member::{AddMemberRequest, AddOrganizationMemberError};
pub use create::{CreateOrganizationError, CreateOrganizationRequest};
pub use get::GetOrganizationError;
pub use list::ListOrganizationsError;
pub use list_members::ListOrganizationMembersError;
pub use remove_member::RemoveOrganizationMemberError;
pub use update::{UpdateOrganizationError, UpdateOrganizationRequest};
pub use verify::VerifyOrganizationError;
use views::{MemberView, OrganizationKindView, OrganizationView};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::responses::{Created, NoContent};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `organizations` resource.
pub struct OrganizationsApi {
    /// Shared state.
    pub state: AppState,
}

fn default_limit() -> i64 {
    50
}

#[OpenApi(tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// Create an organization
    ///
    /// Any signed-in person founds a volunteer team, social organization, provider or charity
    /// serving one or more communities, and becomes its first admin. It stays unverified until
    /// community staff or a street admin over one of those communities verifies it. Audited.
    #[oai(
        path = "/organizations",
        method = "post",
        operation_id = "create_organization"
    )]
    async fn create_organization(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateOrganizationRequest>,
    ) -> Result<Created<OrganizationView>, CreateOrganizationError> {
        create::handle(&self.state, auth.0.principal, body.0).await
    }

    /// List organizations
    ///
    /// Public profiles, oldest first: no personal data, contact numbers masked unless the
    /// caller is a member or staff over the organization's communities. `area_id` keeps those
    /// serving a community inside that area, or the community containing it (for a grid);
    /// `mine=true` keeps the caller's own organizations.
    /// Page with `after` (the largest id of the previous page).
    #[oai(
        path = "/organizations",
        method = "get",
        operation_id = "list_organizations"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "poem-openapi takes each path and query parameter as its own argument"
    )]
    async fn list_organizations(
        &self,
        auth: SessionAuth,
        /// Only organizations of this kind.
        kind: Query<Option<OrganizationKindView>>,
        /// Only organizations serving around this area.
        area_id: Query<Option<i64>>,
        /// Only verified (`true`) or unverified (`false`) organizations.
        verified: Query<Option<bool>>,
        /// Only organizations the caller is a member of (`true`), each with `my_role`.
        #[oai(default)]
        mine: Query<bool>,
        /// Only organizations with a larger id.
        after: Query<Option<i64>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OrganizationView>>, ListOrganizationsError> {
        let query = list::ListQuery {
            kind: kind.0,
            area_id: area_id.0,
            verified: verified.0,
            mine: mine.0,
            after: after.0,
            limit: limit.0,
        };
        list::handle(&self.state, auth.0.principal, query).await
    }

    /// Show an organization
    ///
    /// Its public profile: no personal data; the contact number is masked unless the caller is
    /// a member or staff over one of its communities.
    #[oai(
        path = "/organizations/:organization_id",
        method = "get",
        operation_id = "get_organization"
    )]
    async fn get_organization(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
    ) -> Result<Json<OrganizationView>, GetOrganizationError> {
        get::handle(&self.state, auth.0.principal, organization_id.0).await
    }

    /// Change an organization's profile
    ///
    /// For its admins. Renaming it or changing the communities it serves clears its
    /// verification: staff vouched for the old ones. The kind cannot change. Audited.
    #[oai(
        path = "/organizations/:organization_id",
        method = "patch",
        operation_id = "update_organization"
    )]
    async fn update_organization(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        body: JsonBody<UpdateOrganizationRequest>,
    ) -> Result<Json<OrganizationView>, UpdateOrganizationError> {
        update::handle(&self.state, auth.0.principal, organization_id.0, body.0).await
    }

    /// Verify an organization
    ///
    /// Community staff or a street admin whose area contains one of its communities vouches
    /// for it; the record keeps who and when. Verifying a verified organization changes
    /// nothing. Audited.
    #[oai(
        path = "/organizations/:organization_id/verification",
        method = "post",
        operation_id = "verify_organization"
    )]
    async fn verify_organization(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
    ) -> Result<Json<OrganizationView>, VerifyOrganizationError> {
        verify::handle(&self.state, auth.0.principal, organization_id.0).await
    }

    /// List an organization's members
    ///
    /// Names and roles, no contact details; for its members and staff over its communities.
    #[oai(
        path = "/organizations/:organization_id/members",
        method = "get",
        operation_id = "list_organization_members"
    )]
    async fn list_organization_members(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
    ) -> Result<Json<Vec<MemberView>>, ListOrganizationMembersError> {
        list_members::handle(&self.state, auth.0.principal, organization_id.0).await
    }

    /// Add a member
    ///
    /// For its admins: adds a person by account id with a role (admin, leader or member).
    /// Adding someone who already belongs is a conflict. Audited.
    #[oai(
        path = "/organizations/:organization_id/members",
        method = "post",
        operation_id = "add_organization_member"
    )]
    async fn add_organization_member(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        body: JsonBody<AddMemberRequest>,
    ) -> Result<Created<MemberView>, AddOrganizationMemberError> {
        add_member::handle(&self.state, auth.0.principal, organization_id.0, body.0).await
    }

    /// Remove a member
    ///
    /// Admins remove anyone; every member may remove themself (leave). The last admin cannot
    /// leave. Audited.
    #[oai(
        path = "/organizations/:organization_id/members/:user_id",
        method = "delete",
        operation_id = "remove_organization_member"
    )]
    async fn remove_organization_member(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The member's account id.
        user_id: Path<i64>,
    ) -> Result<NoContent, RemoveOrganizationMemberError> {
        remove_member::handle(&self.state, auth.0.principal, organization_id.0, user_id.0).await
    }
}
