//! Proxies for residents without smartphones: a grid worker or a registered family member acts
//! for a resident under a consent that staff record and can revoke. Later use cases ask
//! [`store::may_act_for`] and record "done by X for Y".

pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;

/// Who the proxy is to the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// The resident's grid worker (网格员).
    GridWorker,
    /// A registered family member.
    Family,
}

impl Relationship {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GridWorker => "grid_worker",
            Self::Family => "family",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "grid_worker" => Some(Self::GridWorker),
            "family" => Some(Self::Family),
            _ => None,
        }
    }
}

/// A recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConsent {
    /// Its id.
    pub id: i64,
    /// For whom.
    pub resident_id: UserId,
    /// Who acts.
    pub proxy_id: UserId,
    /// What the proxy is to the resident.
    pub relationship: Relationship,
    /// The staff member who recorded it.
    pub created_by: UserId,
    /// When.
    pub created_at: NaiveDateTime,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
}
