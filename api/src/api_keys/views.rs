//! Wire types of API keys: scopes, the key as listed, and the one-time secret.

use chrono::{DateTime, Utc};
use linli_domain::api_keys::rules::{KeyStatus, status};
use linli_domain::api_keys::{ApiKey, Scope};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

/// What a partner API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ApiKeyScopeView {
    /// Read needs offered to the organization.
    #[oai(rename = "needs:read")]
    NeedsRead,
    /// Accept, update and close needs.
    #[oai(rename = "needs:write")]
    NeedsWrite,
    /// Read paid-service orders.
    #[oai(rename = "orders:read")]
    OrdersRead,
    /// Accept and fulfil orders.
    #[oai(rename = "orders:write")]
    OrdersWrite,
    /// Publish priced offerings.
    #[oai(rename = "offerings:write")]
    OfferingsWrite,
    /// Register and change webhooks.
    #[oai(rename = "webhooks:manage")]
    WebhooksManage,
    /// Read the organization's own profile.
    #[oai(rename = "organization:read")]
    OrganizationRead,
    /// Fulfil redemptions of the organization's rewards.
    #[oai(rename = "redemptions:write")]
    RedemptionsWrite,
    /// Read area statistics and reports of the communities the organization serves.
    #[oai(rename = "stats:read")]
    StatsRead,
}

impl From<Scope> for ApiKeyScopeView {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::NeedsRead => Self::NeedsRead,
            Scope::NeedsWrite => Self::NeedsWrite,
            Scope::OrdersRead => Self::OrdersRead,
            Scope::OrdersWrite => Self::OrdersWrite,
            Scope::OfferingsWrite => Self::OfferingsWrite,
            Scope::WebhooksManage => Self::WebhooksManage,
            Scope::OrganizationRead => Self::OrganizationRead,
            Scope::RedemptionsWrite => Self::RedemptionsWrite,
            Scope::StatsRead => Self::StatsRead,
        }
    }
}

impl From<ApiKeyScopeView> for Scope {
    fn from(scope: ApiKeyScopeView) -> Self {
        match scope {
            ApiKeyScopeView::NeedsRead => Self::NeedsRead,
            ApiKeyScopeView::NeedsWrite => Self::NeedsWrite,
            ApiKeyScopeView::OrdersRead => Self::OrdersRead,
            ApiKeyScopeView::OrdersWrite => Self::OrdersWrite,
            ApiKeyScopeView::OfferingsWrite => Self::OfferingsWrite,
            ApiKeyScopeView::WebhooksManage => Self::WebhooksManage,
            ApiKeyScopeView::OrganizationRead => Self::OrganizationRead,
            ApiKeyScopeView::RedemptionsWrite => Self::RedemptionsWrite,
            ApiKeyScopeView::StatsRead => Self::StatsRead,
        }
    }
}

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ApiKeyStatusView {
    /// It works.
    Active,
    /// Its expiry passed.
    Expired,
    /// An admin revoked it.
    Revoked,
}

impl From<KeyStatus> for ApiKeyStatusView {
    fn from(status: KeyStatus) -> Self {
        match status {
            KeyStatus::Active => Self::Active,
            KeyStatus::Expired => Self::Expired,
            KeyStatus::Revoked => Self::Revoked,
        }
    }
}

/// A partner API key as its organization's admins see it; never the secret.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ApiKeyView {
    /// Its id, for `revoke_api_key`.
    pub id: i64,
    /// Its label.
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub display_prefix: String,
    /// What it may do.
    pub scopes: Vec<ApiKeyScopeView>,
    /// Whether it works now.
    pub status: ApiKeyStatusView,
    /// The admin who created it.
    pub created_by: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Example for ApiKeyView {
    fn example() -> Self {
        let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        Self {
            id: 12,
            name: "派单系统".into(),
            display_prefix: "lk_Q2hhbmdl".into(),
            scopes: vec![
                ApiKeyScopeView::NeedsRead,
                ApiKeyScopeView::OrganizationRead,
            ],
            status: ApiKeyStatusView::Active,
            created_by: 6,
            created_at: at,
            expires_at: None,
            last_used_at: Some(at),
            revoked_at: None,
        }
    }
}

impl ApiKeyView {
    /// The key as it stands at `now`.
    pub fn new(key: &ApiKey, now: chrono::NaiveDateTime) -> Self {
        Self {
            id: key.id.0,
            name: key.name.clone(),
            display_prefix: key.display_prefix.clone(),
            scopes: key.scopes.iter().copied().map(Into::into).collect(),
            status: status(key, now).into(),
            created_by: key.created_by.0,
            created_at: key.created_at.and_utc(),
            expires_at: key.expires_at.map(|at| at.and_utc()),
            last_used_at: key.last_used_at.map(|at| at.and_utc()),
            revoked_at: key.revoked_at.map(|at| at.and_utc()),
        }
    }
}

/// A key just created. The secret is shown here once and never again: store it now.
#[derive(Debug, Clone, Object)]
pub struct CreatedApiKeyView {
    /// The key.
    #[oai(flatten)]
    pub key: ApiKeyView,
    /// Send as `Authorization: Bearer <secret>`: `lk_`, 43 random characters, `_` and a
    /// 6-character checksum.
    pub secret: String,
}
