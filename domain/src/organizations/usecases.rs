//! Organization use cases: the caller checked against the policy, the change and its audit
//! record written in one transaction.

use chrono::NaiveDateTime;

use super::rules::{Refusal, Standing, Viewed, needs_reverification};
use super::store::{self, ServiceAreaError};
use super::{
    MemberRole, NewOrganization, Organization, OrganizationFilter, OrganizationId, ProfileChanges,
    members, store_error_plumbing,
};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::webhooks::{self, Event};

/// Appends an audit event about `organization`, scoped to its first community.
pub(crate) fn record(
    conn: &mut AnyConnection,
    actor: Option<UserId>,
    action: &'static str,
    organization: &Organization,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor,
            on_behalf_of: None,
            action,
            subject_type: "organization",
            subject_id: organization.id.0.to_string(),
            area: organization.service_areas.first().map(|a| a.id),
            detail,
        },
        now,
    )
}

/// The organization and how `principal` stands towards it; `None` when it does not exist.
pub(crate) fn load(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: OrganizationId,
) -> Result<Option<Viewed>, StoreError> {
    let Some(organization) = store::get(conn, id)? else {
        return Ok(None);
    };
    let membership = members::role_of(conn, id, principal.user.id)?;
    let standing = Standing::of(principal, membership, &organization.service_areas);
    Ok(Some(Viewed {
        organization,
        standing,
    }))
}

/// Why an organization could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// A named service area does not exist.
    #[error("area {0} does not exist")]
    UnknownArea(i64),
    /// A named service area is not a community.
    #[error("area {0} is not a community")]
    NotACommunity(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(CreateError);

impl From<ServiceAreaError> for CreateError {
    fn from(e: ServiceAreaError) -> Self {
        match e {
            ServiceAreaError::UnknownArea(id) => Self::UnknownArea(id),
            ServiceAreaError::NotACommunity(id) => Self::NotACommunity(id),
            ServiceAreaError::Store(e) => Self::Store(e),
        }
    }
}

/// Creates an organization with `principal` as its first admin; unverified until staff verify.
pub async fn create(
    db: &Db,
    principal: Principal,
    new: NewOrganization,
    now: NaiveDateTime,
) -> Result<Viewed, CreateError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            store::check_service_areas(conn, &new.service_area_ids)?;
            let id = store::insert(conn, &new, principal.user.id, now)?;
            members::insert(conn, id, principal.user.id, MemberRole::Admin, None, now)?;
            let viewed = load(conn, &principal, id)?
                .ok_or(StoreError::Query(diesel::result::Error::NotFound))?;
            record(
                conn,
                Some(principal.user.id),
                "organization.created",
                &viewed.organization,
                serde_json::json!({"kind": new.kind.as_str()}),
                now,
            )?;
            Ok(viewed)
        })
    })
    .await
}

/// Why an organization cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One organization as `principal` may see it.
pub async fn get(db: &Db, principal: Principal, id: OrganizationId) -> Result<Viewed, GetError> {
    db.run(move |conn| load(conn, &principal, id)?.ok_or(GetError::NotFound(id.0)))
        .await
}

/// Why organizations cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The area filter names no area.
    #[error("area {0} does not exist")]
    UnknownArea(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Organizations matching `filter`, each as `principal` may see it.
pub async fn list(
    db: &Db,
    principal: Principal,
    filter: OrganizationFilter,
) -> Result<Vec<Viewed>, ListError> {
    db.run(move |conn| {
        let found = store::list(conn, &filter)?
            .ok_or(ListError::UnknownArea(filter.area.map_or(0, |a| a.0)))?;
        let memberships = members::memberships_of(conn, principal.user.id)?;
        Ok(found
            .into_iter()
            .map(|organization| {
                let membership = memberships.get(&organization.id).copied();
                let standing = Standing::of(&principal, membership, &organization.service_areas);
                Viewed {
                    organization,
                    standing,
                }
            })
            .collect())
    })
    .await
}

/// Why a profile was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A named service area does not exist.
    #[error("area {0} does not exist")]
    UnknownArea(i64),
    /// A named service area is not a community.
    #[error("area {0} is not a community")]
    NotACommunity(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(UpdateError);

impl From<ServiceAreaError> for UpdateError {
    fn from(e: ServiceAreaError) -> Self {
        match e {
            ServiceAreaError::UnknownArea(id) => Self::UnknownArea(id),
            ServiceAreaError::NotACommunity(id) => Self::NotACommunity(id),
            ServiceAreaError::Store(e) => Self::Store(e),
        }
    }
}

/// Changes the profile if `principal` is an admin. Renaming or changing the communities served
/// clears the verification: staff vouched for the old ones.
pub async fn update(
    db: &Db,
    principal: Principal,
    id: OrganizationId,
    changes: ProfileChanges,
    now: NaiveDateTime,
) -> Result<Viewed, UpdateError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let before = load(conn, &principal, id)?.ok_or(UpdateError::NotFound(id.0))?;
            before.standing.check_admin()?;
            if let Some(areas) = &changes.service_area_ids {
                store::check_service_areas(conn, areas)?;
            }
            let unverify = before.organization.verification.is_some()
                && needs_reverification(&before.organization, &changes);
            store::update(conn, id, &changes, unverify, now)?;
            let after = load(conn, &principal, id)?.ok_or(UpdateError::NotFound(id.0))?;
            record(
                conn,
                Some(principal.user.id),
                "organization.updated",
                &after.organization,
                serde_json::json!({"verification_cleared": unverify}),
                now,
            )?;
            let organization = &after.organization;
            webhooks::usecases::publish(
                conn,
                now,
                id,
                Event::OrganizationUpdated,
                serde_json::json!({
                    "organization_id": id.0,
                    "name_zh": organization.name_zh,
                    "name_en": organization.name_en,
                    "service_area_ids": organization.service_areas.iter().map(|a| a.id.0).collect::<Vec<_>>(),
                    "verified": organization.verification.is_some(),
                    "verification_cleared": unverify,
                }),
            )?;
            Ok(after)
        })
    })
    .await
}

/// Why an organization was not verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not staff over one of its communities.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(VerifyError);

/// Verifies the organization if `principal` is community staff or a street admin over one of
/// its communities. Verifying a verified organization changes nothing (`false`).
pub async fn verify(
    db: &Db,
    principal: Principal,
    id: OrganizationId,
    now: NaiveDateTime,
) -> Result<(Viewed, bool), VerifyError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let before = load(conn, &principal, id)?.ok_or(VerifyError::NotFound(id.0))?;
            before.standing.check_verifier()?;
            let verified = store::mark_verified(conn, id, principal.user.id, now)?;
            let after = load(conn, &principal, id)?.ok_or(VerifyError::NotFound(id.0))?;
            if verified {
                record(
                    conn,
                    Some(principal.user.id),
                    "organization.verified",
                    &after.organization,
                    serde_json::json!({"kind": after.organization.kind.as_str()}),
                    now,
                )?;
                webhooks::usecases::publish(
                    conn,
                    now,
                    id,
                    Event::OrganizationVerified,
                    serde_json::json!({"organization_id": id.0, "verified_at": now.and_utc().to_rfc3339()}),
                )?;
            }
            Ok((after, verified))
        })
    })
    .await
}
