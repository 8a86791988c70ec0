//! Partner API keys: an organization's systems call Linli with `Authorization: Bearer lk_…`.
//! Keys carry a checksum so a leaked one is recognisable offline, are stored only as hashes,
//! hold scopes from a fixed list, may expire and can be revoked.

pub mod rules;
pub mod store;
pub mod usecases;

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::accounts::UserId;
use crate::organizations::OrganizationId;

/// Identifies an API key (shown to its organization's admins so they can revoke it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId(pub i64);

/// What a key may do; the fixed list partners choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read needs offered to the organization.
    NeedsRead,
    /// Accept, update and close needs.
    NeedsWrite,
    /// Read paid-service orders.
    OrdersRead,
    /// Accept and fulfil orders.
    OrdersWrite,
    /// Publish priced offerings.
    OfferingsWrite,
    /// Register and change webhooks.
    WebhooksManage,
    /// Read the organization's own profile.
    OrganizationRead,
    /// Fulfil redemptions of the organization's rewards.
    RedemptionsWrite,
    /// Read area statistics of the communities the organization serves.
    StatsRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 9] = [
        Self::NeedsRead,
        Self::NeedsWrite,
        Self::OrdersRead,
        Self::OrdersWrite,
        Self::OfferingsWrite,
        Self::WebhooksManage,
        Self::OrganizationRead,
        Self::RedemptionsWrite,
        Self::StatsRead,
    ];

    /// The stored and wire name, `resource:action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsRead => "needs:read",
            Self::NeedsWrite => "needs:write",
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::OfferingsWrite => "offerings:write",
            Self::WebhooksManage => "webhooks:manage",
            Self::OrganizationRead => "organization:read",
            Self::RedemptionsWrite => "redemptions:write",
            Self::StatsRead => "stats:read",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// The prefix of every partner key, so scanners and people recognise a leaked one.
pub const KEY_PREFIX: &str = "lk_";

/// A freshly issued key: the secret goes to the admin once, the hash to the store.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// What the partner sends as `Authorization: Bearer …`.
    pub secret: String,
    /// SHA-256 hex of the secret.
    pub hash: String,
    /// The first characters of the secret, safe to show.
    pub display_prefix: String,
}

/// Makes a key from 32 random bytes.
pub fn issue_key() -> IssuedKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = rules::format_key(&bytes);
    IssuedKey {
        hash: rules::hash_key(&secret),
        display_prefix: rules::display_prefix(&secret),
        secret,
    }
}

/// A key as its organization's admins see it; never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its id.
    pub id: ApiKeyId,
    /// The organization it acts for.
    pub organization_id: OrganizationId,
    /// Its label.
    pub name: String,
    /// The first characters of the secret.
    pub display_prefix: String,
    /// What it may do.
    pub scopes: BTreeSet<Scope>,
    /// The admin who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it stops working, if ever.
    pub expires_at: Option<NaiveDateTime>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<NaiveDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A key request that passed every rule; only [`rules::check_new_key`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// Its label (1–64 characters).
    pub name: String,
    /// At least one scope.
    pub scopes: BTreeSet<Scope>,
    /// A moment in the future, or never.
    pub expires_at: Option<NaiveDateTime>,
}

/// A key just created: the only time its secret is seen.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKey,
    /// The secret to hand to the partner system.
    pub secret: String,
}

/// Who a partner request comes from: what authentication with a key yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKey {
    /// The key used.
    pub key_id: ApiKeyId,
    /// The organization it acts for; every partner call is limited to it.
    pub organization_id: OrganizationId,
    /// What it may do.
    pub scopes: BTreeSet<Scope>,
    /// False while the organization awaits verification (again, after a rename or a move).
    pub organization_verified: bool,
}
