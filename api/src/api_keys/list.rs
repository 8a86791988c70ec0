//! `list_api_keys`: admins see their organization's keys, never the secrets.

use linli_domain::access::Principal;
use linli_domain::api_keys::usecases::{self, ListKeysError};
use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::views::ApiKeyView;
use crate::organizations::problems::{organization_not_found, refused};
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Responses of `list_api_keys`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListApiKeysError {
    /// The caller is not one of its admins (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListApiKeysError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Lists the keys if the caller is an admin.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Json<Vec<ApiKeyView>>, ListApiKeysError> {
    let keys = usecases::list(&state.db, principal, OrganizationId(id))
        .await
        .map_err(|error| match error {
            ListKeysError::NotFound(id) => {
                ListApiKeysError::NotFound(organization_not_found(id).into())
            }
            ListKeysError::Refused(refusal) => ListApiKeysError::Forbidden(refused(refusal).into()),
            ListKeysError::Store(e) => rejected(from_store_error(&e)),
        })?;
    let now = now_utc();
    Ok(Json(keys.iter().map(|k| ApiKeyView::new(k, now)).collect()))
}
