//! The partner API: what an organization's own systems call with an API key. Every operation
//! acts for the key's organization only and states the scope it needs.

use linli_domain::api_keys::rules::PartnerRefusal;
use linli_domain::api_keys::usecases::{self, PartnerOrganizationError};
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use crate::auth::PartnerAuth;
use crate::organizations::problems::organization_not_found;
use crate::organizations::views::OrganizationView;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints partner systems call with `Authorization: Bearer lk_…`.
pub struct PartnerApi {
    /// Shared state.
    pub state: AppState,
}

/// Responses of `get_partner_organization`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum GetPartnerOrganizationError {
    /// The key lacks the `organization:read` scope (`missing_scope`), or the organization
    /// awaits verification again after a rename or move (`organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// The key's organization no longer exists (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused: no key, or a malformed, unknown, expired or revoked one (401
    /// `invalid_api_key`), or the service failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for GetPartnerOrganizationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// 403 with the refusal's own code; every partner operation answers refusals with this.
pub fn partner_refused(refusal: PartnerRefusal) -> Problem {
    let code = match refusal {
        PartnerRefusal::MissingScope(_) => "missing_scope",
        PartnerRefusal::OrganizationNotVerified => "organization_not_verified",
    };
    Problem::new(StatusCode::FORBIDDEN, code, refusal.to_string())
}

#[OpenApi(tag = "ApiTags::Partner")]
impl PartnerApi {
    /// Show the key's organization
    ///
    /// The organization the API key acts for, unmasked. Needs the `organization:read` scope.
    #[oai(
        path = "/partner/organization",
        method = "get",
        operation_id = "get_partner_organization"
    )]
    async fn get_partner_organization(
        &self,
        auth: PartnerAuth,
    ) -> Result<Json<OrganizationView>, GetPartnerOrganizationError> {
        let viewed = usecases::partner_organization(&self.state.db, auth.0)
            .await
            .map_err(|error| match error {
                PartnerOrganizationError::Refused(refusal) => {
                    GetPartnerOrganizationError::Forbidden(partner_refused(refusal).into())
                }
                PartnerOrganizationError::NotFound(id) => {
                    GetPartnerOrganizationError::NotFound(organization_not_found(id).into())
                }
                PartnerOrganizationError::Store(e) => rejected(from_store_error(&e)),
            })?;
        Ok(Json(OrganizationView::from(&viewed)))
    }
}
