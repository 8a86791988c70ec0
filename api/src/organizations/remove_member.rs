//! `remove_organization_member`: admins remove members; members leave.

use linli_domain::access::Principal;
use linli_domain::accounts::UserId;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::membership::{self, RemoveMemberError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;

use super::problems::{organization_not_found, refused};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::NoContent;
use crate::state::AppState;

/// Responses of `remove_organization_member`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RemoveOrganizationMemberError {
    /// The caller is neither an admin nor the member leaving (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`) or member (`member_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The member is its last admin (`last_admin`).
    #[oai(status = 409)]
    LastAdmin(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RemoveOrganizationMemberError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Removes the member if the caller may.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
    user_id: i64,
) -> Result<NoContent, RemoveOrganizationMemberError> {
    membership::remove_member(
        &state.db,
        principal,
        OrganizationId(id),
        UserId(user_id),
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        RemoveMemberError::NotFound(id) => {
            RemoveOrganizationMemberError::NotFound(organization_not_found(id).into())
        }
        RemoveMemberError::Refused(refusal) => {
            RemoveOrganizationMemberError::Forbidden(refused(refusal).into())
        }
        RemoveMemberError::MemberNotFound(user) => RemoveOrganizationMemberError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "member_not_found",
                format!("user {user} is not a member"),
            )
            .into(),
        ),
        RemoveMemberError::LastAdmin => RemoveOrganizationMemberError::LastAdmin(
            Problem::new(StatusCode::CONFLICT, "last_admin", error.to_string()).into(),
        ),
        RemoveMemberError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(NoContent::Done)
}
