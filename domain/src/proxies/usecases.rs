//! Recording and revoking proxy consents; staff over the resident's grid decide.

use chrono::NaiveDateTime;

use super::{ProxyConsent, Relationship, store};
use crate::access::{Principal, Role};
use crate::accounts::{User, UserId, store as accounts};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};
use crate::notifications::{self, Notice};

/// Why a consent use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// No such resident or consent, or outside the caller's reach.
    #[error("no such resident or consent")]
    NotFound,
    /// The proxy account does not exist.
    #[error("the proxy account does not exist")]
    UnknownProxy,
    /// A grid-worker proxy must be a grid worker of the resident's grid.
    #[error("the proxy is not a grid worker of the resident's grid")]
    NotTheGridWorker,
    /// A person cannot be their own proxy.
    #[error("a person cannot be their own proxy")]
    SelfProxy,
    /// The consent was already revoked.
    #[error("the consent is already revoked")]
    AlreadyRevoked,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ConsentError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for ConsentError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// The resident's home grid id and path when `principal` is staff over it.
fn staff_reach(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    resident: UserId,
) -> Result<(Option<crate::areas::AreaId>, String), ConsentError> {
    let (user, path) = accounts::with_home_path(conn, resident)?.ok_or(ConsentError::NotFound)?;
    match path {
        Some(path) if principal.is_staff_over(&path) || principal.is_platform_admin() => {
            Ok((user.home_grid_id, path))
        }
        _ => Err(ConsentError::NotFound),
    }
}

/// Tells the resident and the proxy that a consent was granted or revoked.
fn tell_both(
    conn: &mut db::AnyConnection,
    now: NaiveDateTime,
    resident: UserId,
    proxy: &User,
    granted: bool,
) -> Result<(), StoreError> {
    let resident_name = accounts::get(conn, resident)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let proxy_name = proxy.display_name.clone();
    let (to_resident, to_proxy) = if granted {
        (
            Notice::ProxyConsentGranted { proxy_name },
            Notice::ActingForGranted { resident_name },
        )
    } else {
        (
            Notice::ProxyConsentRevoked { proxy_name },
            Notice::ActingForRevoked { resident_name },
        )
    };
    notifications::notify(conn, now, resident, to_resident)?;
    notifications::notify(conn, now, proxy.id, to_proxy)?;
    Ok(())
}

/// Staff record that `proxy` may act for `resident`; both are told. Audited.
pub async fn create(
    db: &Db,
    principal: Principal,
    resident: UserId,
    proxy: UserId,
    relationship: Relationship,
    now: NaiveDateTime,
) -> Result<(ProxyConsent, bool), ConsentError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            if resident == proxy {
                return Err(ConsentError::SelfProxy);
            }
            let (grid, path) = staff_reach(conn, &principal, resident)?;
            let proxy_user = accounts::get(conn, proxy)?.ok_or(ConsentError::UnknownProxy)?;
            if relationship == Relationship::GridWorker {
                let proxy_roles = crate::access::store::held_roles(conn, proxy)?;
                let is_grid_worker = proxy_roles.iter().any(|r| {
                    r.role == Role::GridWorker
                        && crate::areas::rules::is_within(&path, &r.area_path)
                });
                if !is_grid_worker {
                    return Err(ConsentError::NotTheGridWorker);
                }
            }
            let (consent, created) =
                store::create(conn, resident, proxy, relationship, principal.user.id, now)?;
            if created {
                audit::store::record(
                    conn,
                    &NewAuditEvent {
                        actor: Some(principal.user.id),
                        on_behalf_of: None,
                        action: "proxy_consent.created",
                        subject_type: "proxy_consent",
                        subject_id: consent.id.to_string(),
                        area: grid,
                        detail: serde_json::json!({
                            "resident_id": resident.0,
                            "proxy_id": proxy.0,
                            "relationship": relationship.as_str(),
                        }),
                    },
                    now,
                )?;
                tell_both(conn, now, resident, &proxy_user, true)?;
            }
            Ok((consent, created))
        })
    })
    .await
}

/// Staff revoke a consent; both are told. Audited.
pub async fn revoke(
    db: &Db,
    principal: Principal,
    consent: i64,
    now: NaiveDateTime,
) -> Result<ProxyConsent, ConsentError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let found = store::get(conn, consent)?.ok_or(ConsentError::NotFound)?;
            let (grid, _) = staff_reach(conn, &principal, found.resident_id)?;
            if !store::revoke(conn, consent, principal.user.id, now)? {
                return Err(ConsentError::AlreadyRevoked);
            }
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "proxy_consent.revoked",
                    subject_type: "proxy_consent",
                    subject_id: consent.to_string(),
                    area: grid,
                    detail: serde_json::json!({"resident_id": found.resident_id.0, "proxy_id": found.proxy_id.0}),
                },
                now,
            )?;
            if let Some(proxy_user) = accounts::get(conn, found.proxy_id)? {
                tell_both(conn, now, found.resident_id, &proxy_user, false)?;
            }
            store::get(conn, consent)?.ok_or(ConsentError::NotFound)
        })
    })
    .await
}

/// Consents of a resident: the resident, their proxies and staff over them may list them.
pub async fn list_for(
    db: &Db,
    principal: Principal,
    resident: UserId,
) -> Result<Vec<ProxyConsent>, ConsentError> {
    db.run(move |conn| {
        let consents = store::involving(conn, resident)?;
        let consents: Vec<ProxyConsent> = consents
            .into_iter()
            .filter(|c| c.resident_id == resident)
            .collect();
        let is_self = principal.user.id == resident;
        let is_proxy = consents
            .iter()
            .any(|c| c.proxy_id == principal.user.id && c.revoked_at.is_none());
        if is_self || is_proxy || staff_reach(conn, &principal, resident).is_ok() {
            Ok(consents)
        } else {
            Err(ConsentError::NotFound)
        }
    })
    .await
}
