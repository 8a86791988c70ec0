//! `verify_organization`: staff over one of its communities vouch for an organization.

use linli_domain::access::Principal;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::usecases::{self, VerifyError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::problems::{organization_not_found, refused};
use super::views::OrganizationView;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Responses of `verify_organization`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum VerifyOrganizationError {
    /// The caller is not community staff or a street admin over one of its communities
    /// (`verification_not_allowed`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for VerifyOrganizationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Verifies the organization if the caller may.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Json<OrganizationView>, VerifyOrganizationError> {
    let (viewed, _newly_verified) =
        usecases::verify(&state.db, principal, OrganizationId(id), now_utc())
            .await
            .map_err(|error| match error {
                VerifyError::NotFound(id) => {
                    VerifyOrganizationError::NotFound(organization_not_found(id).into())
                }
                VerifyError::Refused(refusal) => {
                    VerifyOrganizationError::Forbidden(refused(refusal).into())
                }
                VerifyError::Store(e) => rejected(from_store_error(&e)),
            })?;
    Ok(Json(OrganizationView::from(&viewed)))
}
