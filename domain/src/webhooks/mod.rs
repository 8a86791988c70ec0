//! Partner webhooks: organizations register endpoints that receive their events as signed HTTP
//! posts (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). Each
//! delivery is an outbox message written inside the transaction that caused the event, sent
//! at least once and retried with backoff; every attempt lands in the endpoint's delivery log,
//! and an endpoint failing for the configured window is disabled and its admins are told.
//! Targets in private, loopback, link-local and similar ranges are refused unless allow-listed.

pub mod guard;
pub mod rules;
pub mod store;
pub mod usecases;

use std::collections::BTreeSet;

use base64::Engine as _;
use chrono::NaiveDateTime;
use rand::RngCore;

use crate::access::Principal;
use crate::api_keys::{ApiKeyId, PartnerKey};
use crate::organizations::OrganizationId;

/// Identifies a webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointId(pub i64);

/// What an endpoint can subscribe to; later features add their events here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    /// A test ping an admin triggers for one endpoint; never published to subscribers.
    WebhookTest,
    /// The organization's profile changed (and may await verification again).
    OrganizationUpdated,
    /// Staff verified the organization: it may act through the partner API.
    OrganizationVerified,
    /// Someone joined the organization.
    OrganizationMemberAdded,
    /// Someone left or was removed from the organization.
    OrganizationMemberRemoved,
    /// An API key of the organization was created.
    ApiKeyCreated,
    /// An API key of the organization was revoked.
    ApiKeyRevoked,
    /// A need was offered to the organization (dispatch); `data.offer_id` is the offer to answer.
    NeedDispatched,
    /// A helper took a place on a need the organization was dispatched or whose helper is its member.
    NeedClaimed,
    /// A need the organization was dispatched or helps with was cancelled.
    NeedCancelled,
    /// A need in a community the organization serves waited too long with nobody taking it.
    NeedEscalated,
    /// Help on a need the organization was dispatched or helps with was confirmed.
    TaskCompleted,
    /// A resident booked one of the provider's offerings; `data.order_id` is the order to answer.
    OrderPlaced,
    /// An order of the provider was cancelled.
    OrderCancelled,
    /// The provider completed an order (verified with the resident's code).
    OrderCompleted,
    /// A settlement batch of the provider is drafted and awaits approval.
    SettlementReady,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 16] = [
        Self::WebhookTest,
        Self::OrganizationUpdated,
        Self::OrganizationVerified,
        Self::OrganizationMemberAdded,
        Self::OrganizationMemberRemoved,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::NeedDispatched,
        Self::NeedClaimed,
        Self::NeedCancelled,
        Self::NeedEscalated,
        Self::TaskCompleted,
        Self::OrderPlaced,
        Self::OrderCancelled,
        Self::OrderCompleted,
        Self::SettlementReady,
    ];

    /// The stored and wire name, `resource.fact`; also the outbox topic and the body's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebhookTest => "webhook.test",
            Self::OrganizationUpdated => "organization.updated",
            Self::OrganizationVerified => "organization.verified",
            Self::OrganizationMemberAdded => "organization.member_added",
            Self::OrganizationMemberRemoved => "organization.member_removed",
            Self::ApiKeyCreated => "api_key.created",
            Self::ApiKeyRevoked => "api_key.revoked",
            Self::NeedDispatched => "need.dispatched",
            Self::NeedClaimed => "need.claimed",
            Self::NeedCancelled => "need.cancelled",
            Self::NeedEscalated => "need.escalated",
            Self::TaskCompleted => "task.completed",
            Self::OrderPlaced => "order.placed",
            Self::OrderCancelled => "order.cancelled",
            Self::OrderCompleted => "order.completed",
            Self::SettlementReady => "settlement.ready",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// Why an endpoint does not receive deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledReason {
    /// An admin or the partner system turned it off.
    Manual,
    /// Its deliveries failed without a success for the whole failure window.
    Failing,
}

impl DisabledReason {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Failing => "failing",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "manual" => Some(Self::Manual),
            "failing" => Some(Self::Failing),
            _ => None,
        }
    }
}

/// The prefix of a signing secret in Standard Webhooks form.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a signing secret (Standard Webhooks asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// A signing secret: `whsec_` + base64 of random bytes. Only its holder and Linli know it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A fresh secret from [`SECRET_BYTES`] random bytes.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    /// A stored secret.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The `whsec_…` text, to store and to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key bytes HMAC runs with: the base64 part decoded.
    pub fn key_bytes(&self) -> Vec<u8> {
        let encoded = self.0.strip_prefix(SECRET_PREFIX).unwrap_or(&self.0);
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap_or_else(|_| encoded.as_bytes().to_vec())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

/// A registered endpoint as its organization sees it; never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Its id.
    pub id: EndpointId,
    /// The organization whose events it receives.
    pub organization_id: OrganizationId,
    /// Where deliveries are posted.
    pub url: String,
    /// A note by whoever registered it.
    pub description: String,
    /// What it receives.
    pub events: BTreeSet<Event>,
    /// Why it is disabled, if it is; `None` means deliveries are sent.
    pub disabled: Option<(DisabledReason, NaiveDateTime)>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<NaiveDateTime>,
    /// The last successful attempt.
    pub last_success_at: Option<NaiveDateTime>,
    /// The last failed attempt.
    pub last_failure_at: Option<NaiveDateTime>,
    /// When it was registered.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    /// True while deliveries are sent.
    pub fn enabled(&self) -> bool {
        self.disabled.is_none()
    }
}

/// An endpoint request that passed every rule; only [`rules::check_new_endpoint`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// A checked http(s) URL.
    pub url: rules::TargetUrl,
    /// Up to 500 characters.
    pub description: String,
    /// At least one event.
    pub events: BTreeSet<Event>,
}

/// Checked changes to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChanges {
    /// A new URL.
    pub url: Option<rules::TargetUrl>,
    /// A new description.
    pub description: Option<String>,
    /// A new set of events.
    pub events: Option<BTreeSet<Event>>,
    /// Turn deliveries on (also after the endpoint was disabled for failing) or off.
    pub enabled: Option<bool>,
}

/// An endpoint just registered or whose secret was just rotated: the only time the secret is
/// seen.
#[derive(Debug, Clone)]
pub struct WithSecret {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Its signing secret.
    pub secret: Secret,
}

/// One delivery attempt in an endpoint's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id (newest first in listings).
    pub id: i64,
    /// The outbox message id, sent as `webhook-id`.
    pub message_id: String,
    /// The event name.
    pub event: String,
    /// Which attempt of that message, from 1.
    pub attempt: i32,
    /// When it started.
    pub attempted_at: NaiveDateTime,
    /// The receiver's status, if it answered.
    pub status_code: Option<i32>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// True when the receiver answered 2xx.
    pub succeeded: bool,
}

/// What one attempt came to, as the sender records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The outbox message id.
    pub message_id: String,
    /// The event name.
    pub event: String,
    /// Which attempt, from 1.
    pub attempt: i32,
    /// When it started.
    pub attempted_at: NaiveDateTime,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// True when delivered.
    pub succeeded: bool,
}

/// Who manages an organization's endpoints: one of its admins signed in, or its own system
/// with an API key holding `webhooks:manage`.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A signed-in person; must be an admin of the organization.
    Member(Principal),
    /// A partner API key; acts for its own organization only.
    Partner(PartnerKey),
}

impl Actor {
    /// The audit actor and the key, if a partner.
    fn audit_identity(&self) -> (Option<crate::accounts::UserId>, Option<ApiKeyId>) {
        match self {
            Self::Member(principal) => (Some(principal.user.id), None),
            Self::Partner(key) => (None, Some(key.key_id)),
        }
    }
}
