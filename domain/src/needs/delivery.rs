//! Verified delivery: check-in and check-out with the resident's 4-digit code (or a staff
//! override with a reason), confirmation and rating, disputes and their resolution, no-shows,
//! and the two jobs that close forgotten check-outs and confirm what nobody confirmed.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::events::publish_need_event;
use super::lifecycle::{Action, NeedStatus, Refusal};
use super::posting::{standing, state_of};
use super::rules::{self, MAX_CODE_FAILURES};
use super::{AssignmentStatus, Dispute, Need, NeedId, NeedMode, Resolution, Urgency, store};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::ledger::PostError;
use crate::ledger::earning::{self, Earning};
use crate::ledger::usecases::community_of;
use crate::webhooks::Event;

/// Why a delivery step did not go through.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No such need (or dispute) within the caller's reach.
    #[error("no such need")]
    NotFound,
    /// No such dispute on this need.
    #[error("no such dispute")]
    DisputeNotFound,
    /// The helper holds no place that allows this step.
    #[error("the helper holds no place on this need")]
    NotAssigned,
    /// Only the resident or their proxy confirms, rates or reports.
    #[error("only the resident or their proxy may do this")]
    NotResident,
    /// Only staff over the need's area override codes or resolve disputes.
    #[error("only staff over the need's area may do this")]
    NotStaff,
    /// The code is wrong.
    #[error("the check code is wrong; {remaining} tries left")]
    WrongCode {
        /// Tries before the helper is locked out of this need.
        remaining: i32,
    },
    /// Too many wrong codes for this need.
    #[error("too many wrong check codes; ask staff for an override")]
    TooManyAttempts,
    /// A dispute is already open.
    #[error("a dispute about this need is open")]
    DisputeOpen,
    /// The dispute was already resolved.
    #[error("the dispute is already resolved")]
    AlreadyResolved,
    /// An adjustment needs minutes between 0 and 1440.
    #[error("an adjustment needs minutes between 0 and 1440")]
    InvalidMinutes,
    /// A rating must be 1–5.
    #[error("a rating must be between 1 and 5")]
    InvalidRating,
    /// The lifecycle refuses it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for DeliveryError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for DeliveryError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// How presence is proven at check-in or check-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// The helper enters the resident's code.
    Code(String),
    /// Staff record it for a helper, with a reason.
    Override {
        /// The helper.
        helper: UserId,
        /// Why the code was not used.
        reason: String,
    },
}

/// Which way the helper is checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Arriving.
    In,
    /// Leaving.
    Out,
}

enum Outcome {
    Done(Box<Need>),
    WrongCode(i32),
}

/// Checks a helper in or out. A wrong code counts against the helper on this need (kept even
/// though the step is refused); after [`MAX_CODE_FAILURES`] only a staff override helps.
pub async fn check(
    db: &Db,
    principal: Principal,
    id: NeedId,
    direction: Check,
    presence: Presence,
    now: NaiveDateTime,
) -> Result<Need, DeliveryError> {
    db.run(move |conn| check_on(conn, &principal, id, direction, &presence, now))
        .await
}

/// [`check`] on a pooled connection the caller holds, so that resolving the caller's session
/// and the check take one blocking hop.
pub fn check_on(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: NeedId,
    direction: Check,
    presence: &Presence,
    now: NaiveDateTime,
) -> Result<Need, DeliveryError> {
    let outcome = db::write(conn, |conn| {
        let need = store::lock(conn, id, now)?.ok_or(DeliveryError::NotFound)?;
        let standing = standing(conn, principal, &need)?;
        if !standing.reaches() {
            return Err(DeliveryError::NotFound);
        }
        let (claim, recorded_by, reason) = match presence {
            Presence::Code(code) => {
                let (claim, failures) = standing.claim.clone().ok_or(DeliveryError::NotAssigned)?;
                if failures >= MAX_CODE_FAILURES {
                    return Err(DeliveryError::TooManyAttempts);
                }
                if !rules::codes_match(code, &need.check_code) {
                    store::count_code_failure(conn, claim.id, now)?;
                    return Ok(Outcome::WrongCode(MAX_CODE_FAILURES - failures - 1));
                }
                (claim, principal.user.id, None)
            }
            Presence::Override { helper, reason } => {
                if !standing.staff {
                    return Err(DeliveryError::NotStaff);
                }
                let (claim, _) =
                    store::assignment_of(conn, id, *helper)?.ok_or(DeliveryError::NotAssigned)?;
                (claim, principal.user.id, Some(reason.as_str()))
            }
        };
        let claims = store::assignments(conn, id)?;
        let state = state_of(&need, &claims);
        match direction {
            Check::In => {
                if claim.status != AssignmentStatus::Assigned {
                    return Err(match claim.status {
                        AssignmentStatus::CheckedIn | AssignmentStatus::CheckedOut => {
                            Refusal::AlreadyStarted.into()
                        }
                        _ => DeliveryError::NotAssigned,
                    });
                }
                let next = state.apply(Action::CheckIn)?;
                store::move_assignment(
                    conn,
                    claim.id,
                    AssignmentStatus::Assigned,
                    AssignmentStatus::CheckedIn,
                    now,
                )?;
                store::set_status(conn, id, next.status, now)?;
                store::record_check_event(
                    conn,
                    id,
                    claim.helper_id,
                    "check_in",
                    Some(recorded_by),
                    reason,
                    now,
                )?;
            }
            Check::Out => {
                if claim.status != AssignmentStatus::CheckedIn {
                    return Err(match claim.status {
                        AssignmentStatus::Assigned => Refusal::NotCheckedIn.into(),
                        AssignmentStatus::CheckedOut => Refusal::NotCheckedIn.into(),
                        _ => DeliveryError::NotAssigned,
                    });
                }
                let next = state.apply(Action::CheckOut)?;
                let since = claim.checked_in_at.unwrap_or(now);
                store::check_out_assignment(
                    conn,
                    claim.id,
                    rules::worked_minutes(since, now),
                    false,
                    now,
                )?;
                settle_status(conn, id, next.status, now)?;
                store::record_check_event(
                    conn,
                    id,
                    claim.helper_id,
                    "check_out",
                    Some(recorded_by),
                    reason,
                    now,
                )?;
            }
        }
        if let Some(reason) = reason {
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(recorded_by),
                    on_behalf_of: Some(claim.helper_id),
                    action: "need.check_overridden",
                    subject_type: "need",
                    subject_id: id.0.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({
                        "direction": match direction { Check::In => "in", Check::Out => "out" },
                        "reason_length": reason.chars().count(),
                    }),
                },
                now,
            )?;
        }
        Ok(Outcome::Done(Box::new(
            store::get(conn, id)?.ok_or(DeliveryError::NotFound)?,
        )))
    })?;
    match outcome {
        Outcome::Done(need) => Ok(*need),
        Outcome::WrongCode(remaining) => Err(DeliveryError::WrongCode { remaining }),
    }
}

/// Stores a delivery status: awaiting confirmation starts the 72-hour clock.
fn settle_status(
    conn: &mut AnyConnection,
    id: NeedId,
    status: NeedStatus,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if status == NeedStatus::AwaitingConfirmation {
        store::set_awaiting(conn, id, now)
    } else {
        store::set_status(conn, id, status, now)
    }
}

/// Completes a need: claims count as delivered with the rating, each helper of a volunteer
/// need earns points by the community's policy (once per need and helper, by their own
/// minutes), and a care plan remembers who helped so the next occurrence prefers them.
fn complete(
    conn: &mut AnyConnection,
    need: &Need,
    rating: Option<(i32, Option<String>)>,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<(), StoreError> {
    let helpers = store::complete_assignments(conn, need.id, rating.as_ref().map(|r| r.0), now)?;
    store::set_completed(conn, need.id, rating, now)?;
    if need.mode == NeedMode::Volunteer {
        credit_helpers(conn, need, now, zone)?;
    }
    if let (Some(plan), Some(helper)) = (need.care_plan_id, helpers.first()) {
        store::prefer_helper(conn, plan, *helper, now)?;
    }
    let completed = store::get(conn, need.id)?.unwrap_or_else(|| need.clone());
    let helper_ids: Vec<i64> = helpers.iter().map(|h| h.0).collect();
    publish_need_event(
        conn,
        now,
        &completed,
        Event::TaskCompleted,
        &helpers,
        serde_json::json!({"helper_ids": helper_ids}),
    )?;
    Ok(())
}

/// Points for every completed claim with minutes, in the community of the need's grid, by the
/// policy of the local day the helper checked in.
fn credit_helpers(
    conn: &mut AnyConnection,
    need: &Need,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<(), StoreError> {
    let Some(community) = community_of(&need.area_path) else {
        return Ok(());
    };
    let category = crate::categories::store::get(conn, need.category_id)?
        .ok_or_else(|| ledger_refusal("the need's category is gone"))?;
    for claim in store::assignments(conn, need.id)? {
        let minutes = i64::from(claim.minutes.unwrap_or(0));
        if !claim.completed || minutes <= 0 {
            continue;
        }
        let helped_at = claim
            .checked_in_at
            .unwrap_or(now)
            .and_utc()
            .with_timezone(&zone);
        let local_date = helped_at.date_naive();
        let local_day_start = zone
            .from_local_datetime(&local_date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map_or(now, |start| start.naive_utc());
        earning::credit(
            conn,
            now,
            &Earning {
                need_id: need.id.0,
                helper: claim.helper_id,
                minutes,
                category_weight: category.points_weight,
                urgent: need.urgency == Urgency::Urgent,
                community,
                local_date,
                local_day_start,
            },
        )
        .map_err(|refusal| match refusal {
            PostError::Store(store) => store,
            other => ledger_refusal(&other.to_string()),
        })?;
    }
    Ok(())
}

/// A ledger refusal where none can happen (issuance may go negative, keys are per need and
/// helper) is a defect: reported as a storage failure, so the transaction rolls back.
fn ledger_refusal(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::QueryBuilderError(
        format!("crediting points failed: {what}").into(),
    ))
}

/// The resident or their proxy confirms delivery and may rate it (1–5, comment).
pub async fn confirm(
    db: &Db,
    principal: Principal,
    id: NeedId,
    rating: Option<(i32, Option<String>)>,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Need, DeliveryError> {
    db.run(move |conn| confirm_on(conn, &principal, id, rating, now, zone))
        .await
}

/// [`confirm`] on a pooled connection the caller holds, so that resolving the caller's
/// session and the confirmation take one blocking hop.
pub fn confirm_on(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: NeedId,
    rating: Option<(i32, Option<String>)>,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Need, DeliveryError> {
    if rating.as_ref().is_some_and(|(r, _)| !(1..=5).contains(r)) {
        return Err(DeliveryError::InvalidRating);
    }
    db::write(conn, |conn| {
        let need = store::lock(conn, id, now)?.ok_or(DeliveryError::NotFound)?;
        let standing = standing(conn, principal, &need)?;
        if !standing.reaches() {
            return Err(DeliveryError::NotFound);
        }
        if !standing.resident_side {
            return Err(DeliveryError::NotResident);
        }
        let claims = store::assignments(conn, id)?;
        state_of(&need, &claims).apply(Action::Confirm)?;
        if store::disputes(conn, id)?.iter().any(|d| d.open) {
            return Err(DeliveryError::DisputeOpen);
        }
        complete(conn, &need, rating.clone(), now, zone)?;
        store::get(conn, id)?.ok_or(DeliveryError::NotFound)
    })
}

/// The resident's side or a helper who delivered opens a dispute. Audited.
pub async fn dispute(
    db: &Db,
    principal: Principal,
    id: NeedId,
    reason: String,
    now: NaiveDateTime,
) -> Result<Dispute, DeliveryError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = store::lock(conn, id, now)?.ok_or(DeliveryError::NotFound)?;
            let standing = standing(conn, &principal, &need)?;
            if !standing.reaches() {
                return Err(DeliveryError::NotFound);
            }
            let delivered = standing
                .claim
                .as_ref()
                .is_some_and(|(a, _)| a.status == AssignmentStatus::CheckedOut);
            if !standing.resident_side && !delivered {
                return Err(DeliveryError::NotResident);
            }
            let claims = store::assignments(conn, id)?;
            state_of(&need, &claims).apply(Action::Dispute)?;
            if store::disputes(conn, id)?.iter().any(|d| d.open) {
                return Err(DeliveryError::DisputeOpen);
            }
            let dispute_id = store::insert_dispute(conn, id, principal.user.id, &reason, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "need.disputed",
                    subject_type: "need_dispute",
                    subject_id: dispute_id.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({"need_id": id.0}),
                },
                now,
            )?;
            store::dispute(conn, dispute_id)?.ok_or(DeliveryError::DisputeNotFound)
        })
    })
    .await
}

/// What staff decide about a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruling {
    /// Uphold, adjust or void.
    pub resolution: Resolution,
    /// Why.
    pub reason: String,
    /// Minutes per helper, for an adjustment.
    pub minutes: Option<i32>,
}

/// Staff over the need's area resolve a dispute with a reason: uphold the delivery, adjust
/// its minutes, or void it. A need still awaiting confirmation is completed. Audited.
pub async fn resolve(
    db: &Db,
    principal: Principal,
    id: NeedId,
    dispute_id: i64,
    ruling: Ruling,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Dispute, DeliveryError> {
    let Ruling {
        resolution,
        reason,
        minutes,
    } = ruling;
    if resolution == Resolution::Adjust && !minutes.is_some_and(|m| (0..=1440).contains(&m)) {
        return Err(DeliveryError::InvalidMinutes);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = store::lock(conn, id, now)?.ok_or(DeliveryError::NotFound)?;
            let standing = standing(conn, &principal, &need)?;
            if !standing.reaches() {
                return Err(DeliveryError::NotFound);
            }
            if !principal.is_staff_over(&need.area_path) {
                return Err(DeliveryError::NotStaff);
            }
            let found = store::dispute(conn, dispute_id)?
                .filter(|d| d.need_id == id)
                .ok_or(DeliveryError::DisputeNotFound)?;
            if !found.open {
                return Err(DeliveryError::AlreadyResolved);
            }
            let adjusted = (resolution == Resolution::Adjust)
                .then_some(minutes)
                .flatten();
            store::resolve_dispute(
                conn,
                dispute_id,
                resolution.as_str(),
                &reason,
                adjusted,
                principal.user.id,
                now,
            )?;
            let awaiting = need.status == NeedStatus::AwaitingConfirmation;
            match resolution {
                Resolution::Uphold => {
                    if awaiting {
                        complete(conn, &need, None, now, zone)?;
                    }
                }
                Resolution::Adjust => {
                    store::set_minutes(conn, id, adjusted.unwrap_or(0), true, now)?;
                    if awaiting {
                        complete(conn, &need, None, now, zone)?;
                    }
                }
                Resolution::Void => {
                    store::set_minutes(conn, id, 0, false, now)?;
                    if awaiting {
                        store::set_completed(conn, id, None, now)?;
                    }
                }
            }
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "need_dispute.resolved",
                    subject_type: "need_dispute",
                    subject_id: dispute_id.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({
                        "need_id": id.0,
                        "resolution": resolution.as_str(),
                        "adjusted_minutes": adjusted,
                    }),
                },
                now,
            )?;
            store::dispute(conn, dispute_id)?.ok_or(DeliveryError::DisputeNotFound)
        })
    })
    .await
}

/// The resident's side or staff report that an assigned helper did not come; the claim is
/// kept as `no_show` for reliability and the place is freed. Audited.
pub async fn report_no_show(
    db: &Db,
    principal: Principal,
    id: NeedId,
    helper: UserId,
    now: NaiveDateTime,
) -> Result<Need, DeliveryError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = store::lock(conn, id, now)?.ok_or(DeliveryError::NotFound)?;
            let standing = standing(conn, &principal, &need)?;
            if !standing.reaches() {
                return Err(DeliveryError::NotFound);
            }
            if !standing.resident_side && !standing.staff {
                return Err(DeliveryError::NotResident);
            }
            let (claim, _) = store::assignment_of(conn, id, helper)?
                .filter(|(a, _)| a.status == AssignmentStatus::Assigned)
                .ok_or(DeliveryError::NotAssigned)?;
            let claims = store::assignments(conn, id)?;
            let next = state_of(&need, &claims).apply(Action::NoShow)?;
            store::move_assignment(
                conn,
                claim.id,
                AssignmentStatus::Assigned,
                AssignmentStatus::NoShow,
                now,
            )?;
            store::release_place(conn, id, now)?;
            settle_status(conn, id, next.status, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "need.no_show",
                    subject_type: "need",
                    subject_id: id.0.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({"helper_id": helper.0}),
                },
                now,
            )?;
            store::get(conn, id)?.ok_or(DeliveryError::NotFound)
        })
    })
    .await
}

/// Closes check-outs forgotten past `window_end + grace` (`cutoff = now - grace`): minutes
/// worked until the window's end, capped at the estimate, flagged for review. Idempotent.
pub async fn close_forgotten(
    db: &Db,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<u64, StoreError> {
    let forgotten = db
        .run(move |conn| store::forgotten_check_outs(conn, cutoff))
        .await?;
    let mut closed = 0;
    for (need_id, helper) in forgotten {
        let done = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let Some(need) = store::lock(conn, need_id, now)? else {
                        return Ok::<_, StoreError>(false);
                    };
                    let Some((claim, _)) = store::assignment_of(conn, need_id, helper)? else {
                        return Ok(false);
                    };
                    if claim.status != AssignmentStatus::CheckedIn {
                        return Ok(false);
                    }
                    let since = claim.checked_in_at.unwrap_or(need.window_start);
                    let minutes =
                        rules::auto_closed_minutes(since, need.window_end, need.duration_minutes);
                    store::check_out_assignment(conn, claim.id, minutes, true, now)?;
                    store::record_check_event(
                        conn,
                        need_id,
                        helper,
                        "auto_close",
                        None,
                        None,
                        now,
                    )?;
                    let claims = store::assignments(conn, need_id)?;
                    let state = state_of(&need, &claims);
                    if state.on_site == 0 && need.status == NeedStatus::InProgress {
                        store::set_awaiting(conn, need_id, now)?;
                    }
                    Ok(true)
                })
            })
            .await?;
        closed += u64::from(done);
    }
    Ok(closed)
}

/// Confirms needs that waited for confirmation since before `cutoff` with no open dispute.
/// Idempotent.
pub async fn auto_confirm(
    db: &Db,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<u64, StoreError> {
    let due = db
        .run(move |conn| store::unconfirmed_since(conn, cutoff))
        .await?;
    let mut confirmed = 0;
    for id in due {
        let done = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let Some(need) = store::lock(conn, id, now)? else {
                        return Ok::<_, StoreError>(false);
                    };
                    let still_due = need.status == NeedStatus::AwaitingConfirmation
                        && need.awaiting_since.is_some_and(|t| t <= cutoff)
                        && !store::disputes(conn, id)?.iter().any(|d| d.open);
                    if still_due {
                        complete(conn, &need, None, now, zone)?;
                    }
                    Ok(still_due)
                })
            })
            .await?;
        confirmed += u64::from(done);
    }
    Ok(confirmed)
}
