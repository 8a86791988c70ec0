//! Registering, listing, showing, changing and removing endpoints; shared by the session
//! operations (organization admins) and the partner ones (API keys with `webhooks:manage`).

use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use linli_domain::webhooks::rules::{check_changes, check_new_endpoint};
use linli_domain::webhooks::usecases::{
    self, CreateEndpointError, EndpointError, UpdateEndpointError,
};
use linli_domain::webhooks::{Actor, EndpointId, Event};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use super::problems::{Denial, denied, invalid, target_refused};
use super::views::{
    CreateWebhookEndpointRequest, UpdateWebhookEndpointRequest, WebhookEndpointView,
    WebhookEndpointWithSecretView,
};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::{Created, NoContent};
use crate::state::AppState;

/// Responses of registering an endpoint.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CreateWebhookEndpointError {
    /// The caller is not one of its admins (`not_organization_admin`), or the key lacks
    /// `webhooks:manage` (`missing_scope`) or its organization awaits verification
    /// (`organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The organization is not verified yet (`organization_not_verified`), or already has 20
    /// endpoints (`too_many_webhook_endpoints`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Fields break a rule (`validation_failed`), or the host resolves to a private,
    /// loopback, link-local, CGNAT, multicast or unique-local address that is not
    /// allow-listed (`webhook_target_refused`) or does not resolve
    /// (`webhook_target_unresolvable`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

/// Responses of listing, showing, removing and re-keying endpoints and reading their logs.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum WebhookEndpointError {
    /// The caller is not one of its admins (`not_organization_admin`), or the key lacks
    /// `webhooks:manage` (`missing_scope`) or its organization awaits verification
    /// (`organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`) or endpoint
    /// (`webhook_endpoint_not_found`; other organizations' endpoints are not found either).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

/// Responses of changing an endpoint.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum UpdateWebhookEndpointError {
    /// The caller is not one of its admins (`not_organization_admin`), or the key lacks
    /// `webhooks:manage` (`missing_scope`) or its organization awaits verification
    /// (`organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such organization (`organization_not_found`) or endpoint
    /// (`webhook_endpoint_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Fields break a rule (`validation_failed`), or the new URL is refused
    /// (`webhook_target_refused`, `webhook_target_unresolvable`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CreateWebhookEndpointError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

impl Denial for CreateWebhookEndpointError {
    fn forbidden(problem: ProblemJson) -> Self {
        Self::Forbidden(problem)
    }
    fn not_found(problem: ProblemJson) -> Self {
        Self::NotFound(problem)
    }
}

impl Rejection for WebhookEndpointError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

impl Denial for WebhookEndpointError {
    fn forbidden(problem: ProblemJson) -> Self {
        Self::Forbidden(problem)
    }
    fn not_found(problem: ProblemJson) -> Self {
        Self::NotFound(problem)
    }
}

impl Rejection for UpdateWebhookEndpointError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

impl Denial for UpdateWebhookEndpointError {
    fn forbidden(problem: ProblemJson) -> Self {
        Self::Forbidden(problem)
    }
    fn not_found(problem: ProblemJson) -> Self {
        Self::NotFound(problem)
    }
}

/// Maps the outcome of reading or removing endpoints.
pub fn endpoint_error(error: EndpointError) -> WebhookEndpointError {
    match error {
        EndpointError::Access(e) => denied(e),
        EndpointError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Checks the request and registers the endpoint if the actor may.
pub async fn create(
    state: &AppState,
    actor: Actor,
    organization: i64,
    request: CreateWebhookEndpointRequest,
) -> Result<Created<WebhookEndpointWithSecretView>, CreateWebhookEndpointError> {
    let events: Vec<Event> = request.events.iter().copied().map(Into::into).collect();
    let new = check_new_endpoint(
        &request.url,
        request.description.as_deref().unwrap_or_default(),
        &events,
    )
    .map_err(|errors| CreateWebhookEndpointError::Invalid(invalid(&errors)))?;
    let created = usecases::create(
        &state.db,
        &state.webhook_allow_list,
        actor,
        OrganizationId(organization),
        new,
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        CreateEndpointError::Access(e) => denied(e),
        CreateEndpointError::NotVerified => CreateWebhookEndpointError::Conflict(
            Problem::new(
                StatusCode::CONFLICT,
                "organization_not_verified",
                error.to_string(),
            )
            .into(),
        ),
        CreateEndpointError::TooMany => CreateWebhookEndpointError::Conflict(
            Problem::new(
                StatusCode::CONFLICT,
                "too_many_webhook_endpoints",
                error.to_string(),
            )
            .into(),
        ),
        CreateEndpointError::Target(e) => CreateWebhookEndpointError::Invalid(target_refused(&e)),
        CreateEndpointError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(Created::Created(Json((&created).into())))
}

/// Lists the organization's endpoints if the actor may.
pub async fn list(
    state: &AppState,
    actor: Actor,
    organization: i64,
) -> Result<Json<Vec<WebhookEndpointView>>, WebhookEndpointError> {
    let endpoints = usecases::list(&state.db, actor, OrganizationId(organization))
        .await
        .map_err(endpoint_error)?;
    Ok(Json(endpoints.iter().map(Into::into).collect()))
}

/// Shows one endpoint if the actor may.
pub async fn get(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
) -> Result<Json<WebhookEndpointView>, WebhookEndpointError> {
    let found = usecases::get(
        &state.db,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
    )
    .await
    .map_err(endpoint_error)?;
    Ok(Json((&found).into()))
}

/// Checks the changes and applies them if the actor may.
pub async fn update(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
    request: UpdateWebhookEndpointRequest,
) -> Result<Json<WebhookEndpointView>, UpdateWebhookEndpointError> {
    let events: Option<Vec<Event>> = request
        .events
        .as_ref()
        .map(|events| events.iter().copied().map(Into::into).collect());
    let changes = check_changes(
        request.url.as_deref(),
        request.description.as_deref(),
        events.as_deref(),
        request.enabled,
    )
    .map_err(|errors| UpdateWebhookEndpointError::Invalid(invalid(&errors)))?;
    let updated = usecases::update(
        &state.db,
        &state.webhook_allow_list,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
        changes,
        now_utc(),
    )
    .await
    .map_err(|error| match error {
        UpdateEndpointError::Access(e) => denied(e),
        UpdateEndpointError::Target(e) => UpdateWebhookEndpointError::Invalid(target_refused(&e)),
        UpdateEndpointError::Store(e) => rejected(from_store_error(&e)),
    })?;
    Ok(Json((&updated).into()))
}

/// Removes the endpoint and its log if the actor may.
pub async fn delete(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
) -> Result<NoContent, WebhookEndpointError> {
    usecases::delete(
        &state.db,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
        now_utc(),
    )
    .await
    .map_err(endpoint_error)?;
    Ok(NoContent::Done)
}

/// Replaces the signing secret if the actor may; the new one is in the answer.
pub async fn rotate_secret(
    state: &AppState,
    actor: Actor,
    organization: i64,
    endpoint: i64,
) -> Result<Json<WebhookEndpointWithSecretView>, WebhookEndpointError> {
    let rotated = usecases::rotate_secret(
        &state.db,
        actor,
        OrganizationId(organization),
        EndpointId(endpoint),
        now_utc(),
    )
    .await
    .map_err(endpoint_error)?;
    Ok(Json((&rotated).into()))
}
