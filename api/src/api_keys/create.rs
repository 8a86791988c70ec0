//! `create_api_key`: admins of a verified organization create a key for its systems.

use chrono::{DateTime, SubsecRound, Utc};
use linli_domain::access::Principal;
use linli_domain::api_keys::Scope;
use linli_domain::api_keys::rules::check_new_key;
use linli_domain::api_keys::usecases::{self, CreateKeyError};
use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

use super::views::{ApiKeyScopeView, ApiKeyView, CreatedApiKeyView};
use crate::organizations::problems::{organization_not_found, refused, validation_failed};
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::responses::Created;
use crate::state::AppState;

/// A key to create.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateApiKeyRequest {
    /// A label to recognise it by (1–64 characters).
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// What it may do; at least one.
    #[oai(validator(max_items = 20))]
    pub scopes: Vec<ApiKeyScopeView>,
    /// When it stops working (RFC 3339, in the future); never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Example for CreateApiKeyRequest {
    fn example() -> Self {
        Self {
            name: "派单系统".into(),
            scopes: vec![
                ApiKeyScopeView::NeedsRead,
                ApiKeyScopeView::OrganizationRead,
            ],
            expires_at: None,
        }
    }
}

/// Responses of `create_api_key`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CreateApiKeyError {
    /// The caller is not one of its admins (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The organization is not verified yet (`organization_not_verified`).
    #[oai(status = 409)]
    NotVerified(ProblemJson),
    /// Fields break a rule (`validation_failed`; an unknown scope is `not_allowed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CreateApiKeyError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Checks the request and creates the key if the caller may.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
    request: CreateApiKeyRequest,
) -> Result<Created<CreatedApiKeyView>, CreateApiKeyError> {
    let now = now_utc();
    let scopes: Vec<Scope> = request.scopes.iter().copied().map(Into::into).collect();
    let expires_at = request.expires_at.map(|at| at.naive_utc().trunc_subsecs(6));
    let new = check_new_key(&request.name, &scopes, expires_at, now).map_err(|errors| {
        let fields = errors
            .iter()
            .map(|e| FieldError {
                field: e.field().to_owned(),
                code: e.code().to_owned(),
                message: e.to_string(),
            })
            .collect();
        CreateApiKeyError::Invalid(validation_failed(fields).into())
    })?;
    let created = usecases::create(&state.db, principal, OrganizationId(id), new, now)
        .await
        .map_err(|error| match error {
            CreateKeyError::NotFound(id) => {
                CreateApiKeyError::NotFound(organization_not_found(id).into())
            }
            CreateKeyError::Refused(refusal) => {
                CreateApiKeyError::Forbidden(refused(refusal).into())
            }
            CreateKeyError::NotVerified => CreateApiKeyError::NotVerified(
                Problem::new(
                    StatusCode::CONFLICT,
                    "organization_not_verified",
                    error.to_string(),
                )
                .into(),
            ),
            CreateKeyError::Store(e) => rejected(from_store_error(&e)),
        })?;
    Ok(Created::Created(Json(CreatedApiKeyView {
        key: ApiKeyView::new(&created.key, now),
        secret: created.secret,
    })))
}
