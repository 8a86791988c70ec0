//! Reading and changing a community's points policy.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;

use super::rules::{self, DEFAULT_TERMS, PolicyInputError};
use super::{PointsPolicy, PolicyTerms, store};
use crate::access::{Principal, Role};
use crate::areas::{AreaId, AreaLevel, store as areas};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError, is_unique_violation};

/// Why a policy use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// No such community.
    #[error("no such community")]
    NotFound,
    /// The caller may not change this community's policy.
    #[error("only the community's staff, its street admins and platform admins set its policy")]
    Forbidden,
    /// The proposal breaks rules.
    #[error("the policy breaks {} rule(s)", .0.len())]
    Invalid(Vec<PolicyInputError>),
    /// A version already starts on that date.
    #[error("a version already starts on that date")]
    DateTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PolicyError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for PolicyError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::NotFound | Self::Forbidden | Self::Invalid(_) | Self::DateTaken => None,
        }
    }
}

/// The policy in force and every version (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHistory {
    /// In force today (version 0: the built-in default).
    pub in_force: PointsPolicy,
    /// Every stored version, including ones that start later.
    pub versions: Vec<PointsPolicy>,
}

fn community_path(conn: &mut AnyConnection, community: AreaId) -> Result<String, PolicyError> {
    let area = areas::get(conn, community)?.ok_or(PolicyError::NotFound)?;
    if area.level == AreaLevel::Community {
        Ok(area.path)
    } else {
        Err(PolicyError::NotFound)
    }
}

/// The built-in default as a version 0 that has always applied.
pub fn default_policy(community: AreaId) -> PointsPolicy {
    PointsPolicy {
        community,
        version: 0,
        effective_from: NaiveDate::MIN,
        terms: DEFAULT_TERMS,
        created_by: None,
        created_at: None,
    }
}

/// The version of `community` in force on `date` (the default when none applies yet).
pub fn in_force_on(
    conn: &mut AnyConnection,
    community: AreaId,
    date: NaiveDate,
) -> Result<PointsPolicy, StoreError> {
    let versions = store::versions(conn, community)?;
    Ok(rules::in_force(&versions, date)
        .cloned()
        .unwrap_or_else(|| default_policy(community)))
}

/// A community's policy; any signed-in person may read it (it is what volunteers earn by).
pub async fn history(
    db: &Db,
    community: AreaId,
    today: NaiveDate,
) -> Result<PolicyHistory, PolicyError> {
    db.run(move |conn| {
        community_path(conn, community)?;
        let versions = store::versions(conn, community)?;
        let in_force = rules::in_force(&versions, today)
            .cloned()
            .unwrap_or_else(|| default_policy(community));
        Ok(PolicyHistory { in_force, versions })
    })
    .await
}

/// Appends a version effective from `effective_from` (today or later); audited.
pub async fn set(
    db: &Db,
    principal: Principal,
    community: AreaId,
    effective_from: NaiveDate,
    terms: PolicyTerms,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<PointsPolicy, PolicyError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let path = community_path(conn, community)?;
            if !principal.holds_any(
                &[Role::CommunityStaff, Role::StreetAdmin, Role::PlatformAdmin],
                &path,
            ) && !principal.is_platform_admin()
            {
                return Err(PolicyError::Forbidden);
            }
            rules::check_terms(&terms, effective_from, today).map_err(PolicyError::Invalid)?;
            let appended = conn.transaction(|conn| {
                store::append(
                    conn,
                    community,
                    effective_from,
                    &terms,
                    principal.user.id,
                    now,
                )
            });
            let policy = match appended {
                Ok(policy) => policy,
                Err(e) if is_unique_violation(&e) => return Err(PolicyError::DateTaken),
                Err(e) => return Err(e.into()),
            };
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "points_policy.changed",
                    subject_type: "area",
                    subject_id: community.0.to_string(),
                    area: Some(community),
                    detail: serde_json::json!({
                        "version": policy.version,
                        "effective_from": effective_from.to_string(),
                        "points_per_hour": terms.points_per_hour,
                        "urgent_bonus_percent": terms.urgent_bonus_percent,
                        "daily_cap": terms.daily_cap,
                        "balance_cap": terms.balance_cap,
                        "expiry_months": terms.expiry_months,
                        "elder_redemption_age": terms.elder_redemption_age,
                        "relative_transfers_allowed": terms.relative_transfers_allowed,
                        "honour_hours_yearly_cap": terms.honour_hours_yearly_cap,
                    }),
                },
                now,
            )?;
            Ok(policy)
        })
    })
    .await
}
