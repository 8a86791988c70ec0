//! The append-only, hash-chained audit log: admin actions and every reveal of personal data.
//! Rows cannot be changed (database triggers) and a changed row breaks the chain.

pub mod store;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::accounts::UserId;
use crate::areas::AreaId;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// Who did it (none for the system).
    pub actor: Option<UserId>,
    /// For whom, when acting as a proxy.
    pub on_behalf_of: Option<UserId>,
    /// What was done, e.g. `role.granted`.
    pub action: &'static str,
    /// Kind of object.
    pub subject_type: &'static str,
    /// The object's id.
    pub subject_id: String,
    /// The area it belongs to, for scoping readers.
    pub area: Option<AreaId>,
    /// JSON detail; never personal data.
    pub detail: serde_json::Value,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain.
    pub id: i64,
    /// When.
    pub occurred_at: NaiveDateTime,
    /// Who.
    pub actor: Option<UserId>,
    /// For whom.
    pub on_behalf_of: Option<UserId>,
    /// What.
    pub action: String,
    /// Kind of object.
    pub subject_type: String,
    /// Which object.
    pub subject_id: String,
    /// Area.
    pub area: Option<AreaId>,
    /// Detail (JSON text).
    pub detail: String,
    /// Previous hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of an event's content chained to `prev_hash`; fields are length-prefixed so no
/// two different events serialise alike.
#[expect(
    clippy::too_many_arguments,
    reason = "each field of the event is hashed"
)]
pub fn chain_hash(
    prev_hash: &str,
    occurred_at: NaiveDateTime,
    actor: Option<i64>,
    on_behalf_of: Option<i64>,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    area: Option<i64>,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    let fields = [
        prev_hash.to_owned(),
        occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        actor.map(|v| v.to_string()).unwrap_or_default(),
        on_behalf_of.map(|v| v.to_string()).unwrap_or_default(),
        action.to_owned(),
        subject_type.to_owned(),
        subject_id.to_owned(),
        area.map(|v| v.to_string()).unwrap_or_default(),
        detail.to_owned(),
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl AuditEvent {
    /// Recomputes this event's hash from its content.
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.occurred_at,
            self.actor.map(|u| u.0),
            self.on_behalf_of.map(|u| u.0),
            &self.action,
            &self.subject_type,
            &self.subject_id,
            self.area.map(|a| a.0),
            &self.detail,
        )
    }
}

/// Checks a run of consecutive events (oldest first) starting at the genesis hash; returns the
/// id of the first event that does not fit.
pub fn first_break(events: &[AuditEvent]) -> Option<i64> {
    let mut prev = GENESIS_HASH.to_owned();
    for event in events {
        if event.prev_hash != prev || event.expected_hash() != event.hash {
            return Some(event.id);
        }
        prev.clone_from(&event.hash);
    }
    None
}
