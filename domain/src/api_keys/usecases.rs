//! API key use cases: organization admins create, list and revoke keys; partner systems
//! authenticate with them and act for their own organization only.

use chrono::NaiveDateTime;

use super::rules::{PartnerRefusal, check_partner, has_valid_checksum, hash_key};
use super::{ApiKey, ApiKeyId, CreatedKey, NewApiKey, PartnerKey, Scope, issue_key, store};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::organizations::rules::{Refusal, Standing, Viewed};
use crate::organizations::usecases::load;
use crate::organizations::{
    Organization, OrganizationId, store as organizations, store_error_plumbing,
};
use crate::webhooks::{self, Event};

/// Audits a key change and tells the organization's webhook endpoints subscribed to `event`.
fn record(
    conn: &mut AnyConnection,
    actor: UserId,
    (action, event): (&'static str, Event),
    organization: &Organization,
    key: &ApiKey,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    webhooks::usecases::publish(
        conn,
        now,
        organization.id,
        event,
        serde_json::json!({
            "organization_id": organization.id.0,
            "api_key_id": key.id.0,
            "name": key.name,
            "display_prefix": key.display_prefix,
            "scopes": key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        }),
    )?;
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: Some(actor),
            on_behalf_of: None,
            action,
            subject_type: "api_key",
            subject_id: key.id.0.to_string(),
            area: organization.service_areas.first().map(|a| a.id),
            detail: serde_json::json!({
                "organization_id": organization.id.0,
                "display_prefix": key.display_prefix,
                "scopes": key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            }),
        },
        now,
    )
}

/// Why a key was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Only verified organizations act through the partner API.
    #[error("the organization is not verified yet; staff over one of its communities verify it")]
    NotVerified,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(CreateKeyError);

/// Creates a key for a verified organization if `principal` is one of its admins; the secret
/// is in the result and nowhere else.
pub async fn create(
    db: &Db,
    principal: Principal,
    organization: OrganizationId,
    new: NewApiKey,
    now: NaiveDateTime,
) -> Result<CreatedKey, CreateKeyError> {
    let issued = issue_key();
    db.run(move |conn| {
        db::write(conn, |conn| {
            let viewed = load(conn, &principal, organization)?
                .ok_or(CreateKeyError::NotFound(organization.0))?;
            viewed.standing.check_admin()?;
            if viewed.organization.verification.is_none() {
                return Err(CreateKeyError::NotVerified);
            }
            let key = store::insert(conn, organization, &new, &issued, principal.user.id, now)?;
            record(
                conn,
                principal.user.id,
                ("api_key.created", Event::ApiKeyCreated),
                &viewed.organization,
                &key,
                now,
            )?;
            Ok(CreatedKey {
                key,
                secret: issued.secret.clone(),
            })
        })
    })
    .await
}

/// Why keys cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListKeysError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The organization's keys, for its admins; never the secrets.
pub async fn list(
    db: &Db,
    principal: Principal,
    organization: OrganizationId,
) -> Result<Vec<ApiKey>, ListKeysError> {
    db.run(move |conn| {
        let viewed =
            load(conn, &principal, organization)?.ok_or(ListKeysError::NotFound(organization.0))?;
        viewed.standing.check_admin()?;
        Ok(store::list(conn, organization)?)
    })
    .await
}

/// Why a key was not revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeKeyError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The organization has no such key (another organization's keys are not found either).
    #[error("no such API key")]
    KeyNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(RevokeKeyError);

/// Revokes a key if `principal` is an admin of its organization; revoking a revoked key
/// changes nothing. Partner calls with it fail from the next request on.
pub async fn revoke(
    db: &Db,
    principal: Principal,
    organization: OrganizationId,
    key: ApiKeyId,
    now: NaiveDateTime,
) -> Result<ApiKey, RevokeKeyError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let viewed = load(conn, &principal, organization)?
                .ok_or(RevokeKeyError::NotFound(organization.0))?;
            viewed.standing.check_admin()?;
            store::get(conn, organization, key)?.ok_or(RevokeKeyError::KeyNotFound)?;
            let revoked = store::revoke(conn, organization, key, principal.user.id, now)?;
            let after = store::get(conn, organization, key)?.ok_or(RevokeKeyError::KeyNotFound)?;
            if revoked {
                record(
                    conn,
                    principal.user.id,
                    ("api_key.revoked", Event::ApiKeyRevoked),
                    &viewed.organization,
                    &after,
                    now,
                )?;
            }
            Ok(after)
        })
    })
    .await
}

/// The partner behind `secret`, or `None` for a malformed, unknown, expired or revoked key.
/// A key whose checksum fails is refused without touching the store.
pub async fn authenticate(
    db: &Db,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<PartnerKey>, StoreError> {
    if !has_valid_checksum(secret) {
        return Ok(None);
    }
    let hash = hash_key(secret);
    db.run(move |conn| store::authenticate(conn, &hash, now))
        .await
}

/// Why a partner cannot read its organization.
#[derive(Debug, thiserror::Error)]
pub enum PartnerOrganizationError {
    /// The key lacks `organization:read`, or the organization awaits verification.
    #[error(transparent)]
    Refused(#[from] PartnerRefusal),
    /// The organization vanished after the key was checked.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The key's own organization, unmasked: the partner is the organization.
pub async fn partner_organization(
    db: &Db,
    partner: PartnerKey,
) -> Result<Viewed, PartnerOrganizationError> {
    check_partner(&partner, Scope::OrganizationRead)?;
    let id = partner.organization_id;
    let organization = db
        .run(move |conn| organizations::get(conn, id))
        .await?
        .ok_or(PartnerOrganizationError::NotFound(id.0))?;
    Ok(Viewed {
        organization,
        standing: Standing::partner(),
    })
}
