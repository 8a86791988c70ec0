//! Claiming a place on a need and giving it back. A place is taken by one guarded statement
//! on the need's counter ([`store::take_place`]), so however many volunteers claim at once on
//! either engine, exactly the headcount win; the rest join the waitlist if they asked to, and
//! the oldest waitlisted claim is promoted when someone withdraws.

use chrono::NaiveDateTime;

use super::events::publish_need_event;
use super::lifecycle::{Action, Refusal, staffing_status};
use super::posting::{served_prefix, service_area, standing, state_of};
use super::store;
use super::{AssignmentStatus, Need, NeedId, NeedMode, NeedStatus};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::categories::rules::{GateRefusal, gate, needs_credentials};
use crate::db::{self, Db, StoreError, TransactionError};
use crate::volunteers::store as volunteers;
use crate::webhooks::Event;

/// Why a claim or withdrawal did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No such need.
    #[error("no such need")]
    NotFound,
    /// Residents cannot claim their own needs.
    #[error("you cannot claim your own need")]
    OwnNeed,
    /// The caller is not a verified volunteer.
    #[error("only verified volunteers claim needs")]
    NotVolunteer,
    /// The need lies outside the volunteer's service radius.
    #[error("the need is outside your service radius")]
    OutOfRadius,
    /// Paid needs are not claimed by volunteers.
    #[error("paid needs are not claimed by volunteers")]
    PaidNeed,
    /// The category's safeguarding gate refuses the volunteer.
    #[error(transparent)]
    Gate(#[from] GateRefusal),
    /// The caller already claimed this need.
    #[error("you already claimed this need")]
    AlreadyClaimed,
    /// The caller holds a place on another need at the same time.
    #[error("you hold a place on another need at the same time")]
    Overlapping,
    /// The caller has no claim to withdraw.
    #[error("you hold no claim on this need")]
    NotClaimed,
    /// The lifecycle refuses it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for ClaimError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// What a claim came to.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The need after the claim.
    pub need: Need,
    /// `assigned` or `waitlisted`.
    pub status: AssignmentStatus,
}

/// A verified volunteer claims a place; when every place is taken they join the waitlist if
/// `waitlist` is set, else the claim is refused as full.
///
/// The gates are read first, outside the write transaction: a refused claim — and every
/// loser of a race for the last places, once the winners have committed — answers without
/// queueing for the write lock. The lock is then held only for what concurrent claims can
/// change: the need's state, the caller's own claims and the guarded counter.
pub async fn claim(
    db: &Db,
    principal: Principal,
    id: NeedId,
    waitlist: bool,
    now: NaiveDateTime,
) -> Result<Claimed, ClaimError> {
    db.run(move |conn| claim_on(conn, &principal, id, waitlist, now))
        .await
}

/// [`claim`] on a pooled connection the caller holds, so that resolving the caller's session
/// and claiming take one blocking hop. The gates are read before the write lock is taken, so
/// other claimers wait only for the short write, not for these reads.
pub fn claim_on(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    id: NeedId,
    waitlist: bool,
    now: NaiveDateTime,
) -> Result<Claimed, ClaimError> {
    let (need, claimed) = check_claimant(conn, principal, id, now)?;
    check_place(conn, principal, &need, claimed, waitlist)?;
    db::write(conn, |conn| {
        let (need, _, claimed) =
            store::get_for_claim(conn, id, principal.user.id)?.ok_or(ClaimError::NotFound)?;
        take(conn, principal, &need, claimed, waitlist, now)
    })
}

/// The claim inside the caller's transaction, with every gate: also how an accepted offer or
/// an organization's assignment of a member becomes a claim. Publishes `need.claimed` to the
/// organizations concerned when a place is taken.
pub fn claim_in(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    id: NeedId,
    waitlist: bool,
    now: NaiveDateTime,
) -> Result<Claimed, ClaimError> {
    let (need, claimed) = check_claimant(conn, principal, id, now)?;
    take(conn, principal, &need, claimed, waitlist, now)
}

/// The gates that depend on who claims rather than on other claims: the need is not theirs,
/// they are a verified volunteer whose radius covers it, it is a volunteer need, and the
/// category's safeguarding gate lets them in. Reads only; returns the need as read and
/// whether the caller already has a claim on it (read with it).
fn check_claimant(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<(Need, bool), ClaimError> {
    let me = principal.user.id;
    let (need, category, claimed) =
        store::get_for_claim(conn, id, me)?.ok_or(ClaimError::NotFound)?;
    if need.resident_id == me || need.created_by == me {
        return Err(ClaimError::OwnNeed);
    }
    let area = service_area(conn, principal)?;
    let Some((area, prefix)) = area.and_then(|a| served_prefix(&a).map(|p| (a, p))) else {
        return Err(if standing(conn, principal, &need)?.reaches() {
            ClaimError::NotVolunteer
        } else {
            ClaimError::NotFound
        });
    };
    if !need.area_path.starts_with(&prefix) {
        return Err(ClaimError::OutOfRadius);
    }
    if need.mode == NeedMode::Paid {
        return Err(ClaimError::PaidNeed);
    }
    if area.verified_at.is_none() {
        return Err(ClaimError::NotVolunteer);
    }
    let credentials = if needs_credentials(&category) {
        volunteers::credentials_of(conn, me)?
    } else {
        Vec::new()
    };
    gate(&category, area.verified_at, &credentials, now)?;
    Ok((need, claimed))
}

/// The checks other claims can change: the need still takes claims, the caller holds none on
/// it, a place is free unless they would wait for one, and no place of theirs overlaps its
/// window. (A full need is refused before the overlap is looked up: every loser of a race
/// for the last places is answered one query sooner.) `claimed` is whether the caller has a
/// claim on it, read with the need ([`store::get_for_claim`]).
fn check_place(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    need: &Need,
    claimed: bool,
    waitlist: bool,
) -> Result<(), ClaimError> {
    let me = principal.user.id;
    if !need.status.is_claimable() && need.status != NeedStatus::Assigned {
        return Err(Refusal::NotClaimable.into());
    }
    if claimed {
        return Err(ClaimError::AlreadyClaimed);
    }
    if !waitlist && need.status == NeedStatus::Assigned {
        return Err(Refusal::Full.into());
    }
    if store::has_overlapping_place(conn, me, need.id, (need.window_start, need.window_end))? {
        return Err(ClaimError::Overlapping);
    }
    Ok(())
}

/// Takes a place (or a waitlist spot) on `need`, read in this transaction with whether the
/// caller has a claim on it: the checks that concurrent claims can change, the guarded
/// counter, the claim and its event.
fn take(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    need: &Need,
    claimed: bool,
    waitlist: bool,
    now: NaiveDateTime,
) -> Result<Claimed, ClaimError> {
    let me = principal.user.id;
    let id = need.id;
    check_place(conn, principal, need, claimed, waitlist)?;
    let status = match store::take_place(conn, id, now)? {
        Some(count) => {
            store::set_status(conn, id, staffing_status(need.headcount, count), now)?;
            AssignmentStatus::Assigned
        }
        None => {
            let current = store::get(conn, id)?.ok_or(ClaimError::NotFound)?;
            let full = matches!(
                current.status,
                NeedStatus::Open | NeedStatus::PartiallyAssigned | NeedStatus::Assigned
            );
            if !full {
                return Err(Refusal::NotClaimable.into());
            }
            if !waitlist {
                return Err(Refusal::Full.into());
            }
            AssignmentStatus::Waitlisted
        }
    };
    store::insert_assignment(conn, id, me, status, now).map_err(|e| {
        if db::is_unique_violation(&e) {
            ClaimError::AlreadyClaimed
        } else {
            e.into()
        }
    })?;
    let need = store::get(conn, id)?.ok_or(ClaimError::NotFound)?;
    if status == AssignmentStatus::Assigned {
        publish_need_event(
            conn,
            now,
            &need,
            Event::NeedClaimed,
            &[me],
            serde_json::json!({"helper_id": me.0}),
        )?;
    }
    Ok(Claimed { need, status })
}

/// What a withdrawal came to.
#[derive(Debug, Clone)]
pub struct Withdrawn {
    /// The need after it.
    pub need: Need,
    /// The waitlisted helper who got the freed place.
    pub promoted: Option<UserId>,
}

/// Gives a claim back before the work starts; the oldest waitlisted claim takes the place.
pub async fn withdraw(
    db: &Db,
    principal: Principal,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<Withdrawn, ClaimError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = store::lock(conn, id, now)?.ok_or(ClaimError::NotFound)?;
            let (claim, _) =
                store::assignment_of(conn, id, principal.user.id)?.ok_or(ClaimError::NotClaimed)?;
            let mut promoted = None;
            match claim.status {
                AssignmentStatus::Waitlisted => {
                    store::move_assignment(
                        conn,
                        claim.id,
                        AssignmentStatus::Waitlisted,
                        AssignmentStatus::Withdrawn,
                        now,
                    )?;
                }
                AssignmentStatus::Assigned => {
                    let claims = store::assignments(conn, id)?;
                    state_of(&need, &claims).apply(Action::Withdraw)?;
                    store::move_assignment(
                        conn,
                        claim.id,
                        AssignmentStatus::Assigned,
                        AssignmentStatus::Withdrawn,
                        now,
                    )?;
                    let count = store::release_place(conn, id, now)?.unwrap_or(0);
                    store::set_status(conn, id, staffing_status(need.headcount, count), now)?;
                    promoted = promote(conn, &need, now)?;
                }
                AssignmentStatus::CheckedIn | AssignmentStatus::CheckedOut => {
                    return Err(Refusal::AlreadyStarted.into());
                }
                AssignmentStatus::Withdrawn
                | AssignmentStatus::NoShow
                | AssignmentStatus::Cancelled => return Err(ClaimError::NotClaimed),
            }
            let need = store::get(conn, id)?.ok_or(ClaimError::NotFound)?;
            Ok(Withdrawn { need, promoted })
        })
    })
    .await
}

/// Gives a freed place to the oldest waitlisted claim, if any. Call after the need's row lock.
pub fn promote(
    conn: &mut db::AnyConnection,
    need: &Need,
    now: NaiveDateTime,
) -> Result<Option<UserId>, StoreError> {
    let Some(waiting) = store::first_waitlisted(conn, need.id)? else {
        return Ok(None);
    };
    let Some(count) = store::take_place(conn, need.id, now)? else {
        return Ok(None);
    };
    store::move_assignment(
        conn,
        waiting,
        AssignmentStatus::Waitlisted,
        AssignmentStatus::Assigned,
        now,
    )?;
    store::set_status(conn, need.id, staffing_status(need.headcount, count), now)?;
    let helper = store::assignments(conn, need.id)?
        .into_iter()
        .find(|a| a.id == waiting)
        .map(|a| a.helper_id);
    Ok(helper)
}
