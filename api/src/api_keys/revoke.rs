//! `revoke_api_key`: admins revoke a key; partner calls with it fail from then on.

use linli_domain::access::Principal;
use linli_domain::api_keys::ApiKeyId;
use linli_domain::api_keys::usecases::{self, RevokeKeyError};
use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;

use crate::organizations::problems::{organization_not_found, refused};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::NoContent;
use crate::state::AppState;

/// Responses of `revoke_api_key`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RevokeApiKeyError {
    /// The caller is not one of its admins (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`), or it has no such key
    /// (`api_key_not_found`; keys of other organizations are not found either).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RevokeApiKeyError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Revokes the key if the caller is an admin of its organization.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
    key_id: i64,
) -> Result<NoContent, RevokeApiKeyError> {
    usecases::revoke(
        &state.db,
        principal,
        OrganizationId(id),
        ApiKeyId(key_id),
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        RevokeKeyError::NotFound(id) => {
            RevokeApiKeyError::NotFound(organization_not_found(id).into())
        }
        RevokeKeyError::Refused(refusal) => RevokeApiKeyError::Forbidden(refused(refusal).into()),
        RevokeKeyError::KeyNotFound => RevokeApiKeyError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "api_key_not_found",
                format!("organization {id} has no API key {key_id}"),
            )
            .into(),
        ),
        RevokeKeyError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(NoContent::Done)
}
