//! The partner API: what an organization's own systems call with an API key. Every operation
//! acts for the key's organization only and states the scope it needs.

use linli_domain::api_keys::rules::PartnerRefusal;
use linli_domain::api_keys::usecases::{self, PartnerOrganizationError};
use linli_domain::rewards::RedemptionId;
use linli_domain::rewards::usecases::{Fulfiller, fulfil_redemption};
use linli_domain::time::now_utc;
use linli_domain::webhooks::Actor;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use crate::auth::PartnerAuth;
use crate::body::JsonBody;
use crate::organizations::problems::organization_not_found;
use crate::organizations::views::OrganizationView;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::{Created, NoContent};
use crate::rewards::problems::{RedemptionOperationError, map_redemption};
use crate::rewards::views::RedemptionView;
use crate::routes::ApiTags;
use crate::state::AppState;
use crate::webhooks::test::Accepted;
use crate::webhooks::views::{
    CreateWebhookEndpointRequest, UpdateWebhookEndpointRequest, WebhookDeliveryView,
    WebhookEndpointView, WebhookEndpointWithSecretView, WebhookTestView,
};
use crate::webhooks::{
    self, CreateWebhookEndpointError, TestWebhookEndpointError, UpdateWebhookEndpointError,
    WebhookEndpointError, default_limit, endpoints,
};

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

    /// Register a webhook endpoint (partner)
    ///
    /// Like `create_webhook_endpoint`, for the key's organization. Needs `webhooks:manage`.
    /// The answer holds the signing secret once.
    #[oai(
        path = "/partner/webhooks",
        method = "post",
        operation_id = "create_partner_webhook_endpoint"
    )]
    async fn create_partner_webhook_endpoint(
        &self,
        auth: PartnerAuth,
        body: JsonBody<CreateWebhookEndpointRequest>,
    ) -> Result<Created<WebhookEndpointWithSecretView>, CreateWebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        endpoints::create(&self.state, Actor::Partner(auth.0), organization, body.0).await
    }

    /// List webhook endpoints (partner)
    ///
    /// The key's organization's endpoints; never the secrets. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks",
        method = "get",
        operation_id = "list_partner_webhook_endpoints"
    )]
    async fn list_partner_webhook_endpoints(
        &self,
        auth: PartnerAuth,
    ) -> Result<Json<Vec<WebhookEndpointView>>, WebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        endpoints::list(&self.state, Actor::Partner(auth.0), organization).await
    }

    /// Show a webhook endpoint (partner)
    ///
    /// One of the key's organization's endpoints. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id",
        method = "get",
        operation_id = "get_partner_webhook_endpoint"
    )]
    async fn get_partner_webhook_endpoint(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Json<WebhookEndpointView>, WebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        endpoints::get(
            &self.state,
            Actor::Partner(auth.0),
            organization,
            endpoint_id.0,
        )
        .await
    }

    /// Change a webhook endpoint (partner)
    ///
    /// Like `update_webhook_endpoint`, for the key's organization. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id",
        method = "patch",
        operation_id = "update_partner_webhook_endpoint"
    )]
    async fn update_partner_webhook_endpoint(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
        body: JsonBody<UpdateWebhookEndpointRequest>,
    ) -> Result<Json<WebhookEndpointView>, UpdateWebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        let actor = Actor::Partner(auth.0);
        endpoints::update(&self.state, actor, organization, endpoint_id.0, body.0).await
    }

    /// Remove a webhook endpoint (partner)
    ///
    /// Removes it and its delivery log. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id",
        method = "delete",
        operation_id = "delete_partner_webhook_endpoint"
    )]
    async fn delete_partner_webhook_endpoint(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<NoContent, WebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        endpoints::delete(
            &self.state,
            Actor::Partner(auth.0),
            organization,
            endpoint_id.0,
        )
        .await
    }

    /// Rotate a webhook signing secret (partner)
    ///
    /// Replaces the secret; the new one is in the answer once. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id/secret",
        method = "post",
        operation_id = "rotate_partner_webhook_secret"
    )]
    async fn rotate_partner_webhook_secret(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Json<WebhookEndpointWithSecretView>, WebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        let actor = Actor::Partner(auth.0);
        endpoints::rotate_secret(&self.state, actor, organization, endpoint_id.0).await
    }

    /// Send a test event (partner)
    ///
    /// Queues one `webhook.test` delivery to the endpoint. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id/test",
        method = "post",
        operation_id = "test_partner_webhook_endpoint"
    )]
    async fn test_partner_webhook_endpoint(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Accepted<WebhookTestView>, TestWebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        webhooks::test::handle(
            &self.state,
            Actor::Partner(auth.0),
            organization,
            endpoint_id.0,
        )
        .await
    }

    /// List webhook deliveries (partner)
    ///
    /// The endpoint's delivery attempts, newest first. Needs `webhooks:manage`.
    #[oai(
        path = "/partner/webhooks/:endpoint_id/deliveries",
        method = "get",
        operation_id = "list_partner_webhook_deliveries"
    )]
    async fn list_partner_webhook_deliveries(
        &self,
        auth: PartnerAuth,
        /// The endpoint.
        endpoint_id: Path<i64>,
        /// Only attempts with a smaller id (the last id of the previous page).
        before: Query<Option<i64>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<WebhookDeliveryView>>, WebhookEndpointError> {
        let organization = auth.0.organization_id.0;
        let actor = Actor::Partner(auth.0);
        webhooks::deliveries(
            &self.state,
            actor,
            organization,
            endpoint_id.0,
            before.0,
            limit.0,
        )
        .await
    }

    /// Fulfil a redemption (partner)
    ///
    /// The organization handed its reward over: like `fulfil_redemption`, for redemptions of
    /// the key's organization's rewards. Needs `redemptions:write`.
    #[oai(
        path = "/partner/redemptions/:redemption_id/fulfilment",
        method = "post",
        operation_id = "fulfil_partner_redemption"
    )]
    async fn fulfil_partner_redemption(
        &self,
        auth: PartnerAuth,
        /// The redemption.
        redemption_id: Path<i64>,
    ) -> Result<Json<RedemptionView>, RedemptionOperationError> {
        let redemption = fulfil_redemption(
            &self.state.db,
            Fulfiller::Partner(auth.0),
            RedemptionId(redemption_id.0),
            now_utc(),
        )
        .await
        .map_err(map_redemption)?;
        Ok(Json(redemption.into()))
    }
}
