//! `get_organization`: the public profile of one organization.

use linli_domain::access::Principal;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::usecases::{self, GetError};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::problems::organization_not_found;
use super::views::OrganizationView;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Responses of `get_organization`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum GetOrganizationError {
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for GetOrganizationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Loads the organization as the caller may see it.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Json<OrganizationView>, GetOrganizationError> {
    let viewed = usecases::get(&state.db, principal, OrganizationId(id))
        .await
        .map_err(|error| match error {
            GetError::NotFound(id) => {
                GetOrganizationError::NotFound(organization_not_found(id).into())
            }
            GetError::Store(e) => rejected(from_store_error(&e)),
        })?;
    Ok(Json(OrganizationView::from(&viewed)))
}
