//! Test pings: an admin or partner system queues one `webhook.test` delivery to an endpoint.

use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use linli_domain::webhooks::usecases::{self, TestEndpointError};
use linli_domain::webhooks::{Actor, EndpointId};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use poem_openapi::types::{ToJSON, Type};

use super::problems::{Denial, denied};
use super::views::WebhookTestView;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::state::AppState;

/// 202: queued; delivered after the answer.
#[derive(Debug, ApiResponse)]
pub enum Accepted<T: ToJSON + Type + Send + Sync> {
    /// Queued for delivery.
    #[oai(status = 202)]
    Accepted(Json<T>),
}

/// Responses of sending a test ping.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum TestWebhookEndpointError {
    /// The caller is not one of its admins (`not_organization_admin`), or the key lacks
    /// `webhooks:manage` (`missing_scope`) or its organization awaits verification
    /// (`organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`) or endpoint
    /// (`webhook_endpoint_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The endpoint is disabled (`webhook_endpoint_disabled`); enable it first.
    #[oai(status = 409)]
    Disabled(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for TestWebhookEndpointError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

impl Denial for TestWebhookEndpointError {
    fn forbidden(problem: ProblemJson) -> Self {
        Self::Forbidden(problem)
    }
    fn not_found(problem: ProblemJson) -> Self {
        Self::NotFound(problem)
    }
}

/// Queues the ping if the actor may.
pub async fn handle(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
) -> Result<Accepted<WebhookTestView>, TestWebhookEndpointError> {
    let id = usecases::send_test(
        &state.db,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        TestEndpointError::Access(e) => denied(e),
        TestEndpointError::Disabled => TestWebhookEndpointError::Disabled(
            Problem::new(
                StatusCode::CONFLICT,
                "webhook_endpoint_disabled",
                error.to_string(),
            )
            .into(),
        ),
        TestEndpointError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(Accepted::Accepted(Json(WebhookTestView {
        message_id: id.0,
    })))
}
