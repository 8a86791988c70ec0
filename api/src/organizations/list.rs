//! `list_organizations`: public profiles, filtered by kind, area and verification.

use linli_domain::access::Principal;
use linli_domain::areas::AreaId;
use linli_domain::organizations::usecases::{self, ListError};
use linli_domain::organizations::{OrganizationFilter, OrganizationId};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::views::{OrganizationKindView, OrganizationView};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// Responses of `list_organizations`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListOrganizationsError {
    /// The `area_id` filter names no area (`area_not_found`).
    #[oai(status = 404)]
    AreaNotFound(ProblemJson),
    /// Refused before the operation ran (400 bad parameters, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListOrganizationsError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// The query parameters of `list_organizations`, already parsed.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    /// Only this kind.
    pub kind: Option<OrganizationKindView>,
    /// Only those serving around this area.
    pub area_id: Option<i64>,
    /// Only verified or unverified ones.
    pub verified: Option<bool>,
    /// Only those the caller is a member of (`true`).
    pub mine: bool,
    /// Only ids greater than this.
    pub after: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// Lists organizations as the caller may see them.
pub async fn handle(
    state: &AppState,
    principal: Principal,
    query: ListQuery,
) -> Result<Json<Vec<OrganizationView>>, ListOrganizationsError> {
    let filter = OrganizationFilter {
        kind: query.kind.map(Into::into),
        area: query.area_id.map(AreaId),
        verified: query.verified,
        member: query.mine.then_some(principal.user.id),
        after: query.after.map(OrganizationId),
        limit: query.limit,
    };
    let found =
        usecases::list(&state.db, principal, filter)
            .await
            .map_err(|error| match error {
                ListError::UnknownArea(id) => ListOrganizationsError::AreaNotFound(
                    Problem::new(
                        StatusCode::NOT_FOUND,
                        "area_not_found",
                        format!("area {id} does not exist"),
                    )
                    .into(),
                ),
                ListError::Store(e) => rejected(from_store_error(&e)),
            })?;
    Ok(Json(found.iter().map(OrganizationView::from).collect()))
}
