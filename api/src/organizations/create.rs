//! `create_organization`: any signed-in person founds an organization and becomes its admin.

use linli_domain::access::Principal;
use linli_domain::organizations::rules::check_new_organization;
use linli_domain::organizations::usecases::{self, CreateError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

use super::problems::{invalid_fields, not_a_community, unknown_area};
use super::views::{OrganizationKindView, OrganizationView};
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::Created;
use crate::state::AppState;

/// A new organization.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateOrganizationRequest {
    /// What it is.
    pub kind: OrganizationKindView,
    /// Chinese name (1–64 characters).
    #[oai(validator(max_length = 200))]
    pub name_zh: String,
    /// English name (1–128 characters), if it has one.
    #[oai(validator(max_length = 400))]
    pub name_en: Option<String>,
    /// What it does (up to 2000 characters).
    #[oai(validator(max_length = 8000))]
    pub description: Option<String>,
    /// The organization's own number: a mainland mobile or a landline with its area code.
    #[oai(validator(max_length = 32))]
    pub contact_phone: Option<String>,
    /// The communities it serves (1–20); each must be an area of level community.
    #[oai(validator(max_items = 100))]
    pub service_area_ids: Vec<i64>,
}

impl Example for CreateOrganizationRequest {
    fn example() -> Self {
        Self {
            kind: OrganizationKindView::SocialOrg,
            name_zh: "汉台区阳光社工服务中心".into(),
            name_en: Some("Hantai Sunshine Social Work Centre".into()),
            description: Some("为独居老人提供探访、心理疏导和个案管理。".into()),
            contact_phone: Some("0916-2345678".into()),
            service_area_ids: vec![3, 8],
        }
    }
}

/// Responses of `create_organization`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CreateOrganizationError {
    /// Fields break a rule (`validation_failed`), or a service area is unknown (`unknown_area`)
    /// or not a community (`wrong_area_level`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CreateOrganizationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Checks the request, creates the organization and shows it to its founder.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    request: CreateOrganizationRequest,
) -> Result<Created<OrganizationView>, CreateOrganizationError> {
    let new = check_new_organization(
        request.kind.into(),
        &request.name_zh,
        request.name_en.as_deref(),
        request.description.as_deref(),
        request.contact_phone.as_deref(),
        &request.service_area_ids,
    )
    .map_err(|errors| CreateOrganizationError::Invalid(invalid_fields(&errors).into()))?;
    let viewed = usecases::create(&state.db, principal, new, now_utc())
        .await
        .map_err(|error| match error {
            CreateError::UnknownArea(id) => {
                CreateOrganizationError::Invalid(unknown_area(id).into())
            }
            CreateError::NotACommunity(id) => {
                CreateOrganizationError::Invalid(not_a_community(id).into())
            }
            CreateError::Store(e) => rejected(from_store_error(&e)),
        })?;
    Ok(Created::Created(Json(OrganizationView::from(&viewed))))
}
