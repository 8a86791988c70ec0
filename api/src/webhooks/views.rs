//! Wire types of webhooks: events, endpoints as listed, the one-time secret, delivery attempts
//! and the requests that register and change endpoints.

use chrono::{DateTime, Utc};
use linli_domain::webhooks::{Delivery, DisabledReason, Endpoint, Event, WithSecret};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

/// An event an endpoint can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookEventView {
    /// A test ping sent on demand with `test_webhook_endpoint`; cannot be subscribed to.
    #[oai(rename = "webhook.test")]
    WebhookTest,
    /// The organization's profile changed (`data.verification_cleared` says whether it awaits
    /// verification again).
    #[oai(rename = "organization.updated")]
    OrganizationUpdated,
    /// Staff verified the organization.
    #[oai(rename = "organization.verified")]
    OrganizationVerified,
    /// Someone joined the organization.
    #[oai(rename = "organization.member_added")]
    OrganizationMemberAdded,
    /// Someone left or was removed from the organization.
    #[oai(rename = "organization.member_removed")]
    OrganizationMemberRemoved,
    /// An API key of the organization was created.
    #[oai(rename = "api_key.created")]
    ApiKeyCreated,
    /// An API key of the organization was revoked.
    #[oai(rename = "api_key.revoked")]
    ApiKeyRevoked,
    /// A need was offered to the organization (dispatch); `data.offer_id` is the offer to answer.
    #[oai(rename = "need.dispatched")]
    NeedDispatched,
    /// A helper took a place on a need the organization was dispatched or whose helper is its member.
    #[oai(rename = "need.claimed")]
    NeedClaimed,
    /// A need the organization was dispatched or helps with was cancelled.
    #[oai(rename = "need.cancelled")]
    NeedCancelled,
    /// A need in a community the organization serves waited too long with nobody taking it.
    #[oai(rename = "need.escalated")]
    NeedEscalated,
    /// Help on a need the organization was dispatched or helps with was confirmed.
    #[oai(rename = "task.completed")]
    TaskCompleted,
    /// A resident booked one of the provider's offerings; `data.order_id` is the order to answer.
    #[oai(rename = "order.placed")]
    OrderPlaced,
    /// An order of the provider was cancelled.
    #[oai(rename = "order.cancelled")]
    OrderCancelled,
    /// The provider completed an order (verified with the resident's code).
    #[oai(rename = "order.completed")]
    OrderCompleted,
    /// A settlement batch of the provider is drafted and awaits approval.
    #[oai(rename = "settlement.ready")]
    SettlementReady,
}

impl From<Event> for WebhookEventView {
    fn from(event: Event) -> Self {
        match event {
            Event::WebhookTest => Self::WebhookTest,
            Event::OrganizationUpdated => Self::OrganizationUpdated,
            Event::OrganizationVerified => Self::OrganizationVerified,
            Event::OrganizationMemberAdded => Self::OrganizationMemberAdded,
            Event::OrganizationMemberRemoved => Self::OrganizationMemberRemoved,
            Event::ApiKeyCreated => Self::ApiKeyCreated,
            Event::ApiKeyRevoked => Self::ApiKeyRevoked,
            Event::NeedDispatched => Self::NeedDispatched,
            Event::NeedClaimed => Self::NeedClaimed,
            Event::NeedCancelled => Self::NeedCancelled,
            Event::NeedEscalated => Self::NeedEscalated,
            Event::TaskCompleted => Self::TaskCompleted,
            Event::OrderPlaced => Self::OrderPlaced,
            Event::OrderCancelled => Self::OrderCancelled,
            Event::OrderCompleted => Self::OrderCompleted,
            Event::SettlementReady => Self::SettlementReady,
        }
    }
}

impl From<WebhookEventView> for Event {
    fn from(event: WebhookEventView) -> Self {
        match event {
            WebhookEventView::WebhookTest => Self::WebhookTest,
            WebhookEventView::OrganizationUpdated => Self::OrganizationUpdated,
            WebhookEventView::OrganizationVerified => Self::OrganizationVerified,
            WebhookEventView::OrganizationMemberAdded => Self::OrganizationMemberAdded,
            WebhookEventView::OrganizationMemberRemoved => Self::OrganizationMemberRemoved,
            WebhookEventView::ApiKeyCreated => Self::ApiKeyCreated,
            WebhookEventView::ApiKeyRevoked => Self::ApiKeyRevoked,
            WebhookEventView::NeedDispatched => Self::NeedDispatched,
            WebhookEventView::NeedClaimed => Self::NeedClaimed,
            WebhookEventView::NeedCancelled => Self::NeedCancelled,
            WebhookEventView::NeedEscalated => Self::NeedEscalated,
            WebhookEventView::TaskCompleted => Self::TaskCompleted,
            WebhookEventView::OrderPlaced => Self::OrderPlaced,
            WebhookEventView::OrderCancelled => Self::OrderCancelled,
            WebhookEventView::OrderCompleted => Self::OrderCompleted,
            WebhookEventView::SettlementReady => Self::SettlementReady,
        }
    }
}

/// Why an endpoint receives nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum WebhookDisabledReasonView {
    /// Turned off by an admin or the partner system.
    Manual,
    /// Its deliveries failed without a success for the whole failure window.
    Failing,
}

impl From<DisabledReason> for WebhookDisabledReasonView {
    fn from(reason: DisabledReason) -> Self {
        match reason {
            DisabledReason::Manual => Self::Manual,
            DisabledReason::Failing => Self::Failing,
        }
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A webhook endpoint; never the secret.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct WebhookEndpointView {
    /// Its id.
    pub id: i64,
    /// The organization whose events it receives.
    pub organization_id: i64,
    /// Where deliveries are posted.
    pub url: String,
    /// A note by whoever registered it.
    pub description: String,
    /// What it receives.
    pub events: Vec<WebhookEventView>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why not, when disabled.
    pub disabled_reason: Option<WebhookDisabledReasonView>,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The first failed attempt since the last success; the endpoint is disabled once this is
    /// a failure window (a day by default) old.
    pub failing_since: Option<DateTime<Utc>>,
    /// The last successful delivery.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last failed attempt.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Example for WebhookEndpointView {
    fn example() -> Self {
        Self {
            id: 3,
            organization_id: 7,
            url: "https://erp.example.com/hooks/linli".into(),
            description: "派单系统".into(),
            events: vec![
                WebhookEventView::OrganizationVerified,
                WebhookEventView::OrganizationUpdated,
            ],
            enabled: true,
            disabled_reason: None,
            disabled_at: None,
            failing_since: None,
            last_success_at: Some(at(1_795_000_100)),
            last_failure_at: None,
            created_at: at(1_795_000_000),
            updated_at: at(1_795_000_000),
        }
    }
}

impl From<&Endpoint> for WebhookEndpointView {
    fn from(endpoint: &Endpoint) -> Self {
        Self {
            id: endpoint.id.0,
            organization_id: endpoint.organization_id.0,
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            events: endpoint.events.iter().copied().map(Into::into).collect(),
            enabled: endpoint.enabled(),
            disabled_reason: endpoint.disabled.map(|(reason, _)| reason.into()),
            disabled_at: endpoint.disabled.map(|(_, at)| at.and_utc()),
            failing_since: endpoint.failing_since.map(|at| at.and_utc()),
            last_success_at: endpoint.last_success_at.map(|at| at.and_utc()),
            last_failure_at: endpoint.last_failure_at.map(|at| at.and_utc()),
            created_at: endpoint.created_at.and_utc(),
            updated_at: endpoint.updated_at.and_utc(),
        }
    }
}

/// An endpoint with its signing secret, shown here once (on registration and rotation) and
/// never again: store it now.
#[derive(Debug, Clone, Object)]
pub struct WebhookEndpointWithSecretView {
    /// The endpoint.
    #[oai(flatten)]
    pub endpoint: WebhookEndpointView,
    /// The Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. Verify
    /// `webhook-signature` = `v1,` + base64(HMAC-SHA256(decoded bytes,
    /// `{webhook-id}.{webhook-timestamp}.{body}`)).
    pub secret: String,
}

impl From<&WithSecret> for WebhookEndpointWithSecretView {
    fn from(with: &WithSecret) -> Self {
        Self {
            endpoint: (&with.endpoint).into(),
            secret: with.secret.expose().to_owned(),
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct WebhookDeliveryView {
    /// Its id; pass as `before` to page back.
    pub id: i64,
    /// The `webhook-id` sent: the same on every attempt of one message.
    pub message_id: String,
    /// The event.
    pub event: String,
    /// Which attempt of that message, from 1.
    pub attempt: i32,
    /// When it started.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// Why it failed (connection refused, timeout, refused address…), if it did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// True when the receiver answered 2xx.
    pub succeeded: bool,
}

impl Example for WebhookDeliveryView {
    fn example() -> Self {
        Self {
            id: 41,
            message_id: "019ac3f2-5c1e-7d2a-9b1f-3e0c6a7b8d90".into(),
            event: "organization.verified".into(),
            attempt: 1,
            attempted_at: at(1_795_000_100),
            status_code: Some(204),
            error: None,
            duration_ms: 38,
            succeeded: true,
        }
    }
}

impl From<&Delivery> for WebhookDeliveryView {
    fn from(delivery: &Delivery) -> Self {
        Self {
            id: delivery.id,
            message_id: delivery.message_id.clone(),
            event: delivery.event.clone(),
            attempt: delivery.attempt,
            attempted_at: delivery.attempted_at.and_utc(),
            status_code: delivery.status_code,
            error: delivery.error.clone(),
            duration_ms: delivery.duration_ms,
            succeeded: delivery.succeeded,
        }
    }
}

/// An endpoint to register.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateWebhookEndpointRequest {
    /// An http or https URL on a public host (no credentials, no fragment; at most 2048
    /// characters). Redirects are not followed.
    #[oai(validator(max_length = 4096))]
    pub url: String,
    /// A note to recognise it by (up to 500 characters).
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    /// What it receives; at least one (not `webhook.test`).
    #[oai(validator(max_items = 50))]
    pub events: Vec<WebhookEventView>,
}

impl Example for CreateWebhookEndpointRequest {
    fn example() -> Self {
        Self {
            url: "https://erp.example.com/hooks/linli".into(),
            description: Some("派单系统".into()),
            events: vec![
                WebhookEventView::OrganizationVerified,
                WebhookEventView::OrganizationUpdated,
            ],
        }
    }
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateWebhookEndpointRequest {
    /// A new URL (checked like on registration).
    #[oai(validator(max_length = 4096))]
    pub url: Option<String>,
    /// A new description.
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    /// A new set of events, replacing the old one.
    #[oai(validator(max_items = 50))]
    pub events: Option<Vec<WebhookEventView>>,
    /// `false` stops deliveries; `true` resumes them, also after the endpoint was disabled for
    /// failing (its failure window starts afresh).
    pub enabled: Option<bool>,
}

impl Example for UpdateWebhookEndpointRequest {
    fn example() -> Self {
        Self {
            url: None,
            description: None,
            events: None,
            enabled: Some(true),
        }
    }
}

/// A test ping queued for delivery.
#[derive(Debug, Clone, Object)]
pub struct WebhookTestView {
    /// The outbox message id, sent as `webhook-id`; find its attempts in the delivery log.
    pub message_id: String,
}
