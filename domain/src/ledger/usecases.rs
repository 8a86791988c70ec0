//! Points use cases: who may read a balance or statement, donate, grant, or reconcile, and the
//! transactions that do it.

use chrono::{NaiveDate, NaiveDateTime};

use super::store::{self, StatementLine};
use super::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, PostError, Posted, Reconciliation,
    TransferKind,
};
use crate::access::Principal;
use crate::accounts::{User, UserId, store as accounts};
use crate::areas::AreaId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::honour_hours::store as honours;
use crate::honour_hours::{HonourHours, PeriodHours};
use crate::points_policy::usecases::in_force_on;
use crate::proxies::{self, Relationship};

/// Why a points use case did not go through; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    /// No such person within the caller's reach.
    #[error("no such person")]
    NotFound,
    /// Only platform admins may do this.
    #[error("only platform admins may do this")]
    Forbidden,
    /// The person has no home grid, so no community pool to give to or draw from.
    #[error("the person belongs to no community")]
    NoCommunity,
    /// Points cannot be given to oneself.
    #[error("points cannot be given to oneself")]
    ToSelf,
    /// Only registered relatives (a live family consent between the two) may receive a gift.
    #[error("the recipient is not a registered relative")]
    NotARelative,
    /// The giver's community does not allow gifts to relatives.
    #[error("this community's points policy does not allow gifts to relatives")]
    RelativeTransfersDisabled,
    /// The ledger refused the movement.
    #[error(transparent)]
    Refused(#[from] PostError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PointsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for PointsError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Refused(e) => e.as_diesel(),
            Self::NotFound
            | Self::Forbidden
            | Self::NoCommunity
            | Self::ToSelf
            | Self::NotARelative
            | Self::RelativeTransfersDisabled => None,
        }
    }
}

/// A person's points now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsBalance {
    /// Whose.
    pub user: UserId,
    /// Spendable points.
    pub available: Points,
    /// Points set aside for redemptions not yet fulfilled.
    pub on_hold: Points,
}

/// A person's statement for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Whose.
    pub user: UserId,
    /// Balance before the first line.
    pub opening: Points,
    /// Balance after the last line.
    pub closing: Points,
    /// Every movement in the period, oldest first.
    pub lines: Vec<StatementLine>,
    /// Hours of the period, kept apart from the points: recorded help and honour hours.
    pub hours: PeriodHours,
    /// The honour hours added in the period, oldest first; they earn no points, so they are
    /// no line of the ledger.
    pub honour_hours: Vec<HonourHours>,
}

/// The community of an area path (`/district/street/community/grid/`).
pub fn community_of(path: &str) -> Option<AreaId> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .nth(2)
        .and_then(|id| id.parse().ok())
        .map(AreaId)
}

/// The person, when the caller is them, staff over their home grid, or a platform admin.
fn reachable(
    conn: &mut AnyConnection,
    principal: &Principal,
    person: UserId,
) -> Result<(User, Option<String>), PointsError> {
    let (user, path) = accounts::with_home_path(conn, person)?.ok_or(PointsError::NotFound)?;
    let allowed = principal.user.id == person
        || principal.is_platform_admin()
        || path.as_deref().is_some_and(|p| principal.is_staff_over(p));
    if allowed {
        Ok((user, path))
    } else {
        Err(PointsError::NotFound)
    }
}

/// A person's balance and holds.
pub async fn balance(
    db: &Db,
    principal: Principal,
    person: UserId,
) -> Result<PointsBalance, PointsError> {
    db.run(move |conn| {
        reachable(conn, &principal, person)?;
        Ok(balance_in(conn, person)?)
    })
    .await
}

/// `person`'s balance and holds, read on `conn` (no reach check: for their own reads).
pub fn balance_in(conn: &mut AnyConnection, person: UserId) -> Result<PointsBalance, StoreError> {
    let Some(account) = store::find_account(conn, AccountOwner::Person(person))? else {
        return Ok(PointsBalance {
            user: person,
            available: Points(0),
            on_hold: Points(0),
        });
    };
    Ok(PointsBalance {
        user: person,
        available: account.balance,
        on_hold: store::on_hold(conn, account.id)?,
    })
}

/// A person's statement for `[from, to)`, read from one snapshot, with their recorded and
/// honour hours of the period shown apart from the points.
pub async fn statement(
    db: &Db,
    principal: Principal,
    person: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Statement, PointsError> {
    db.run(move |conn| {
        db::read_snapshot(conn, |conn| {
            reachable(conn, &principal, person)?;
            let hours = honours::hours_between(conn, person, from, to)?;
            let honour_hours = honours::added_between(conn, person, from, to)?;
            let Some(account) = store::find_account(conn, AccountOwner::Person(person))? else {
                return Ok(Statement {
                    user: person,
                    opening: Points(0),
                    closing: Points(0),
                    lines: Vec::new(),
                    hours,
                    honour_hours,
                });
            };
            let (opening, lines) = store::statement_lines(conn, account.id, from, to)?;
            let closing = lines.last().map_or(opening, |l| l.balance_after);
            Ok(Statement {
                user: person,
                opening,
                closing,
                lines,
                hours,
                honour_hours,
            })
        })
    })
    .await
}

/// The caller gives points to their community's donation pool (爱心基金). `key` is the caller's
/// idempotency key: a retry returns the first donation.
pub async fn donate_to_pool(
    db: &Db,
    principal: Principal,
    amount: Points,
    key: String,
    now: NaiveDateTime,
) -> Result<(Posted, PointsBalance), PointsError> {
    let donor = principal.user.id;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (_, path) = reachable(conn, &principal, donor)?;
            let community = path
                .as_deref()
                .and_then(community_of)
                .ok_or(PointsError::NoCommunity)?;
            let from = store::account_for(conn, AccountOwner::Person(donor), now)?;
            let pool = store::account_for(
                conn,
                AccountOwner::System {
                    community,
                    kind: AccountKind::DonationPool,
                },
                now,
            )?;
            let posted = store::post(
                conn,
                now,
                &NewTransfer {
                    idempotency_key: format!("user:{}:{key}", donor.0),
                    kind: TransferKind::Donate,
                    debit: from.id,
                    credit: pool.id,
                    amount,
                    cause: Cause::new("donation", community.0),
                    actor: Some(donor),
                    memo: "donation to the community pool".to_owned(),
                },
            )?;
            let balance = own_balance(conn, donor, now)?;
            Ok((posted, balance))
        })
    })
    .await
}

/// The caller gives points to a registered relative (a live family consent between the two,
/// either way round), when their community's policy in force `today` allows it.
pub async fn give_to_relative(
    db: &Db,
    principal: Principal,
    recipient: UserId,
    amount: Points,
    key: String,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(Posted, PointsBalance), PointsError> {
    let giver = principal.user.id;
    if giver == recipient {
        return Err(PointsError::ToSelf);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            accounts::get(conn, recipient)?.ok_or(PointsError::NotFound)?;
            let related = proxies::store::involving(conn, giver)?.iter().any(|c| {
                c.revoked_at.is_none()
                    && c.relationship == Relationship::Family
                    && (c.resident_id == recipient || c.proxy_id == recipient)
            });
            if !related {
                return Err(PointsError::NotARelative);
            }
            let (_, path) = reachable(conn, &principal, giver)?;
            let community = path
                .as_deref()
                .and_then(community_of)
                .ok_or(PointsError::NoCommunity)?;
            if !in_force_on(conn, community, today)?
                .terms
                .relative_transfers_allowed
            {
                return Err(PointsError::RelativeTransfersDisabled);
            }
            let from = store::account_for(conn, AccountOwner::Person(giver), now)?;
            let to = store::account_for(conn, AccountOwner::Person(recipient), now)?;
            let posted = store::post(
                conn,
                now,
                &NewTransfer {
                    idempotency_key: format!("user:{}:{key}", giver.0),
                    kind: TransferKind::Transfer,
                    debit: from.id,
                    credit: to.id,
                    amount,
                    cause: Cause::new("gift", recipient.0),
                    actor: Some(giver),
                    memo: "gift to a relative".to_owned(),
                },
            )?;
            let balance = own_balance(conn, giver, now)?;
            Ok((posted, balance))
        })
    })
    .await
}

/// Staff over a resident's home grid grant points from the community's donation pool to the
/// resident (e.g. an elder living alone), with a reason; audited.
pub async fn grant_from_pool(
    db: &Db,
    principal: Principal,
    resident: UserId,
    amount: Points,
    reason: String,
    key: String,
    now: NaiveDateTime,
) -> Result<(Posted, PointsBalance), PointsError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (_, path) = accounts::with_home_path(conn, resident)?.ok_or(PointsError::NotFound)?;
            let path = path.ok_or(PointsError::NoCommunity)?;
            if !(principal.is_staff_over(&path) || principal.is_platform_admin()) {
                return Err(PointsError::NotFound);
            }
            let community = community_of(&path).ok_or(PointsError::NoCommunity)?;
            let pool = store::account_for(conn, AccountOwner::System { community, kind: AccountKind::DonationPool }, now)?;
            let to = store::account_for(conn, AccountOwner::Person(resident), now)?;
            let posted = store::post(conn, now, &NewTransfer {
                idempotency_key: format!("user:{}:{key}", principal.user.id.0),
                kind: TransferKind::Grant,
                debit: pool.id,
                credit: to.id,
                amount,
                cause: Cause::new("grant", resident.0),
                actor: Some(principal.user.id),
                memo: reason.clone(),
            })?;
            if let Posted::New(transfer) = &posted {
                audit::store::record(conn, &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "points.granted",
                    subject_type: "user",
                    subject_id: resident.0.to_string(),
                    area: Some(community),
                    detail: serde_json::json!({"transfer_id": transfer.id.0, "amount": amount.0, "reason": reason}),
                }, now)?;
            }
            let balance = own_balance(conn, resident, now)?;
            Ok((posted, balance))
        })
    })
    .await
}

fn own_balance(
    conn: &mut AnyConnection,
    person: UserId,
    now: NaiveDateTime,
) -> Result<PointsBalance, PointsError> {
    let account = store::account_for(conn, AccountOwner::Person(person), now)?;
    Ok(PointsBalance {
        user: person,
        available: account.balance,
        on_hold: store::on_hold(conn, account.id)?,
    })
}

/// Every ledger invariant checked now, for platform admins.
pub async fn reconciliation(db: &Db, principal: Principal) -> Result<Reconciliation, PointsError> {
    if !principal.is_platform_admin() {
        return Err(PointsError::Forbidden);
    }
    db.run(|conn| {
        db::read_snapshot(conn, |conn| {
            store::reconcile(conn).map_err(PointsError::from)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_community_is_the_third_level_of_a_path() {
        assert_eq!(community_of("/1/4/9/12/"), Some(AreaId(9)));
        assert_eq!(community_of("/1/4/9/"), Some(AreaId(9)));
        assert_eq!(community_of("/1/4/"), None);
    }
}
