//! Partner webhooks over HTTP: organization admins register, change, test and remove the
//! endpoints their systems receive events at, and read each endpoint's delivery log. The same
//! operations exist for partner systems under `/partner/webhooks` (see `partner`).

pub mod endpoints;
pub mod problems;
pub mod test;
pub mod views;

use linli_domain::organizations::OrganizationId;
use linli_domain::webhooks::usecases;
use linli_domain::webhooks::{Actor, EndpointId};
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

pub use endpoints::{CreateWebhookEndpointError, UpdateWebhookEndpointError, WebhookEndpointError};
use test::Accepted;
pub use test::TestWebhookEndpointError;
use views::{
    CreateWebhookEndpointRequest, UpdateWebhookEndpointRequest, WebhookDeliveryView,
    WebhookEndpointView, WebhookEndpointWithSecretView, WebhookTestView,
};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::responses::{Created, NoContent};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `webhooks` resource for signed-in organization admins.
pub struct WebhooksApi {
    /// Shared state.
    pub state: AppState,
}

/// The default page of a delivery log.
pub fn default_limit() -> i64 {
    50
}

/// Reads one page of an endpoint's delivery log if the actor may.
pub async fn deliveries(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Json<Vec<WebhookDeliveryView>>, WebhookEndpointError> {
    let found = usecases::deliveries(
        &state.db,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
        before,
        limit,
    )
    .await
    .map_err(endpoints::endpoint_error)?;
    Ok(Json(found.iter().map(Into::into).collect()))
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Register a webhook endpoint
    ///
    /// For admins of a verified organization. Linli posts the organization's events to the URL,
    /// signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`), at least once, retrying with backoff. The answer holds the signing
    /// secret once. Hosts resolving to private, loopback, link-local, CGNAT, multicast or
    /// unique-local addresses are refused unless the operator allow-lists them. Audited.
    #[oai(
        path = "/organizations/:organization_id/webhooks",
        method = "post",
        operation_id = "create_webhook_endpoint"
    )]
    async fn create_webhook_endpoint(
        &self,
        auth: SessionAuth,
        /// The organization whose events it receives.
        organization_id: Path<i64>,
        body: JsonBody<CreateWebhookEndpointRequest>,
    ) -> Result<Created<WebhookEndpointWithSecretView>, CreateWebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        endpoints::create(&self.state, actor, organization_id.0, body.0).await
    }

    /// List webhook endpoints
    ///
    /// The organization's endpoints, oldest first, with their state; never the secrets. For
    /// its admins.
    #[oai(
        path = "/organizations/:organization_id/webhooks",
        method = "get",
        operation_id = "list_webhook_endpoints"
    )]
    async fn list_webhook_endpoints(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
    ) -> Result<Json<Vec<WebhookEndpointView>>, WebhookEndpointError> {
        endpoints::list(
            &self.state,
            Actor::Member(auth.0.principal),
            organization_id.0,
        )
        .await
    }

    /// Show a webhook endpoint
    ///
    /// One endpoint with its state; never the secret. For the organization's admins.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id",
        method = "get",
        operation_id = "get_webhook_endpoint"
    )]
    async fn get_webhook_endpoint(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Json<WebhookEndpointView>, WebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        endpoints::get(&self.state, actor, organization_id.0, endpoint_id.0).await
    }

    /// Change a webhook endpoint
    ///
    /// URL, description, events, or `enabled`: `false` stops deliveries, `true` resumes them
    /// (also after the endpoint was disabled for failing). Audited.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id",
        method = "patch",
        operation_id = "update_webhook_endpoint"
    )]
    async fn update_webhook_endpoint(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The endpoint.
        endpoint_id: Path<i64>,
        body: JsonBody<UpdateWebhookEndpointRequest>,
    ) -> Result<Json<WebhookEndpointView>, UpdateWebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        endpoints::update(&self.state, actor, organization_id.0, endpoint_id.0, body.0).await
    }

    /// Remove a webhook endpoint
    ///
    /// Removes it and its delivery log; deliveries still queued for it are dropped. Audited.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id",
        method = "delete",
        operation_id = "delete_webhook_endpoint"
    )]
    async fn delete_webhook_endpoint(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<NoContent, WebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        endpoints::delete(&self.state, actor, organization_id.0, endpoint_id.0).await
    }

    /// Rotate a webhook signing secret
    ///
    /// Replaces the secret; attempts from now on are signed with the new one, shown in the
    /// answer once. Audited.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id/secret",
        method = "post",
        operation_id = "rotate_webhook_secret"
    )]
    async fn rotate_webhook_secret(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Json<WebhookEndpointWithSecretView>, WebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        endpoints::rotate_secret(&self.state, actor, organization_id.0, endpoint_id.0).await
    }

    /// Send a test event
    ///
    /// Queues one `webhook.test` delivery to this endpoint, whatever it subscribes to; its
    /// attempts appear in the delivery log. The endpoint must be enabled.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id/test",
        method = "post",
        operation_id = "test_webhook_endpoint"
    )]
    async fn test_webhook_endpoint(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The endpoint.
        endpoint_id: Path<i64>,
    ) -> Result<Accepted<WebhookTestView>, TestWebhookEndpointError> {
        let actor = Actor::Member(auth.0.principal);
        test::handle(&self.state, actor, organization_id.0, endpoint_id.0).await
    }

    /// List webhook deliveries
    ///
    /// The endpoint's delivery attempts, newest first: when, which message and attempt, the
    /// HTTP status or the error, and how long it took. Page back with `before`.
    #[oai(
        path = "/organizations/:organization_id/webhooks/:endpoint_id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn list_webhook_deliveries(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
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
        let actor = Actor::Member(auth.0.principal);
        deliveries(
            &self.state,
            actor,
            organization_id.0,
            endpoint_id.0,
            before.0,
            limit.0,
        )
        .await
    }
}
