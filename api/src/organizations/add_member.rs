//! `add_organization_member`: admins add a person with a role.

use linli_domain::access::Principal;
use linli_domain::accounts::UserId;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::membership::{self, AddMemberError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

use super::problems::{organization_not_found, refused};
use super::views::{MemberRoleView, MemberView};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::Created;
use crate::state::AppState;

/// A person to add.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AddMemberRequest {
    /// The person's account id.
    pub user_id: i64,
    /// Their role in the organization.
    pub role: MemberRoleView,
}

impl Example for AddMemberRequest {
    fn example() -> Self {
        Self {
            user_id: 6,
            role: MemberRoleView::Member,
        }
    }
}

/// Responses of `add_organization_member`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum AddOrganizationMemberError {
    /// The caller is not one of its admins (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`) or person (`user_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The person already belongs to it (`already_member`).
    #[oai(status = 409)]
    AlreadyMember(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415, 422) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for AddOrganizationMemberError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Adds the member if the caller is an admin.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
    request: AddMemberRequest,
) -> Result<Created<MemberView>, AddOrganizationMemberError> {
    let member = membership::add_member(
        &state.db,
        principal,
        OrganizationId(id),
        UserId(request.user_id),
        request.role.into(),
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        AddMemberError::NotFound(id) => {
            AddOrganizationMemberError::NotFound(organization_not_found(id).into())
        }
        AddMemberError::Refused(refusal) => {
            AddOrganizationMemberError::Forbidden(refused(refusal).into())
        }
        AddMemberError::UserNotFound(user) => AddOrganizationMemberError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "user_not_found",
                format!("user {user} does not exist"),
            )
            .into(),
        ),
        AddMemberError::AlreadyMember(user) => AddOrganizationMemberError::AlreadyMember(
            Problem::new(
                StatusCode::CONFLICT,
                "already_member",
                format!("user {user} is already a member"),
            )
            .into(),
        ),
        AddMemberError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(Created::Created(Json(MemberView::from(&member))))
}
