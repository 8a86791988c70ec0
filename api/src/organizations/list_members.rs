//! `list_organization_members`: who belongs, for members and staff over its communities.

use linli_domain::access::Principal;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::membership::{self, ListMembersError};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::problems::{organization_not_found, refused};
use super::views::MemberView;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Responses of `list_organization_members`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListOrganizationMembersError {
    /// The caller is neither a member nor staff over its communities (`members_hidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListOrganizationMembersError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Lists the members if the caller may see them.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Json<Vec<MemberView>>, ListOrganizationMembersError> {
    let members = membership::list_members(&state.db, principal, OrganizationId(id))
        .await
        .map_err(|error| match error {
            ListMembersError::NotFound(id) => {
                ListOrganizationMembersError::NotFound(organization_not_found(id).into())
            }
            ListMembersError::Refused(refusal) => {
                ListOrganizationMembersError::Forbidden(refused(refusal).into())
            }
            ListMembersError::Store(e) => rejected(from_store_error(&e)),
        })?;
    Ok(Json(members.iter().map(MemberView::from).collect()))
}
