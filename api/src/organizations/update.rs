//! `update_organization`: admins change the profile.

use linli_domain::access::Principal;
use linli_domain::organizations::OrganizationId;
use linli_domain::organizations::rules::{RawChanges, check_changes};
use linli_domain::organizations::usecases::{self, UpdateError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

use super::problems::{
    invalid_fields, not_a_community, organization_not_found, refused, unknown_area,
};
use super::views::OrganizationView;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Changes to a profile; absent fields stay as they are, an empty string removes an optional one.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateOrganizationRequest {
    /// New Chinese name (1–64 characters).
    #[oai(validator(max_length = 200))]
    pub name_zh: Option<String>,
    /// New English name; empty removes it.
    #[oai(validator(max_length = 400))]
    pub name_en: Option<String>,
    /// New description (up to 2000 characters).
    #[oai(validator(max_length = 8000))]
    pub description: Option<String>,
    /// New contact number; empty removes it.
    #[oai(validator(max_length = 32))]
    pub contact_phone: Option<String>,
    /// New set of communities served, replacing the old one (1–20).
    #[oai(validator(max_items = 100))]
    pub service_area_ids: Option<Vec<i64>>,
}

impl Example for UpdateOrganizationRequest {
    fn example() -> Self {
        Self {
            name_zh: None,
            name_en: None,
            description: Some("助老、助残、环境整治，每周六上午集中服务。".into()),
            contact_phone: Some("13900000006".into()),
            service_area_ids: None,
        }
    }
}

/// Responses of `update_organization`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum UpdateOrganizationError {
    /// The caller is not one of its admins (`not_organization_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Fields break a rule (`validation_failed`), or a service area is unknown (`unknown_area`)
    /// or not a community (`wrong_area_level`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for UpdateOrganizationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Checks the changes and applies them if the caller is an admin.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    id: i64,
    request: UpdateOrganizationRequest,
) -> Result<Json<OrganizationView>, UpdateOrganizationError> {
    let changes = check_changes(RawChanges {
        name_zh: request.name_zh.as_deref(),
        name_en: request.name_en.as_deref(),
        description: request.description.as_deref(),
        contact_phone: request.contact_phone.as_deref(),
        service_area_ids: request.service_area_ids.as_deref(),
    })
    .map_err(|errors| UpdateOrganizationError::Invalid(invalid_fields(&errors).into()))?;
    let viewed = usecases::update(&state.db, principal, OrganizationId(id), changes, now_utc())
        .await
        .map_err(|error| match error {
            UpdateError::NotFound(id) => {
                UpdateOrganizationError::NotFound(organization_not_found(id).into())
            }
            UpdateError::Refused(refusal) => {
                UpdateOrganizationError::Forbidden(refused(refusal).into())
            }
            UpdateError::UnknownArea(id) => {
                UpdateOrganizationError::Invalid(unknown_area(id).into())
            }
            UpdateError::NotACommunity(id) => {
                UpdateOrganizationError::Invalid(not_a_community(id).into())
            }
            UpdateError::Store(e) => rejected(from_store_error(&e)),
        })?;
    Ok(Json(OrganizationView::from(&viewed)))
}
