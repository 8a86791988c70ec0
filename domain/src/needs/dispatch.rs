//! Dispatch: staff offer a need to their ranked targets one at a time, each with a deadline.
//! A volunteer's acceptance becomes a claim through the claim path with all its gates; an
//! organization's acceptance lets its admins and leaders assign members, each becoming a claim.
//! A decline or a lapse (the `expire_need_offers` job) offers the next target; when none is
//! left the need stays open and is escalated. A volunteer is offered a need only within their
//! service radius and when the category's safeguarding gates admit them: checked when staff
//! dispatch, and again when the cascade reaches them (one who no longer fits is skipped, their
//! offer withdrawn).

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::claims::{ClaimError, claim_in};
use super::followup::{category_names, escalate_need, local_time, need_payload};
use super::lifecycle::Refusal;
use super::offer_rules::{
    DispatchInputError, OfferEvent, OfferRefusal, OfferState, OfferStatus, Target, check_dispatch,
};
use super::posting::{is_need_staff, standing, volunteer_prefix};
use super::store::{self, offers};
use super::{Need, NeedId};
use crate::access::{Principal, store as access};
use crate::accounts::{UserId, store as accounts};
use crate::categories::rules::{GateRefusal, volunteer_gate};
use crate::categories::store as categories;
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::notifications::{Notice, notify};
use crate::organizations::{
    MemberRole, OrganizationId, OrganizationKind, members, store as organizations,
};
use crate::volunteers::store as volunteers;
use crate::webhooks::{Event, usecases::publish};

/// One target's offer of a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Its id.
    pub id: i64,
    /// Which need.
    pub need_id: NeedId,
    /// Its place in the dispatcher's ranking.
    pub position: i32,
    /// To whom.
    pub target: Target,
    /// Where it stands.
    pub status: OfferStatus,
    /// Who dispatched.
    pub dispatched_by: UserId,
    /// Minutes the target has to answer.
    pub response_minutes: i32,
    /// When it was offered.
    pub offered_at: Option<NaiveDateTime>,
    /// When it lapses unanswered.
    pub deadline: Option<NaiveDateTime>,
    /// Who answered.
    pub responded_by: Option<UserId>,
    /// When it ended.
    pub responded_at: Option<NaiveDateTime>,
    /// When it was dispatched.
    pub created_at: NaiveDateTime,
}

impl Offer {
    fn state(&self) -> OfferState {
        OfferState {
            status: self.status,
            deadline: self.deadline,
        }
    }

    fn window(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.response_minutes))
    }
}

/// Why a dispatch, an answer or an assignment did not go through.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// No such need or offer within the caller's reach.
    #[error("no such need or offer")]
    NotFound,
    /// Only staff and grid workers over the need's area dispatch and see its offers.
    #[error("only staff over the need's area dispatch it")]
    NotStaff,
    /// The offer is made to someone else.
    #[error("the offer is not made to you")]
    NotYourOffer,
    /// The request breaks an input rule.
    #[error(transparent)]
    Input(#[from] DispatchInputError),
    /// A target is not a verified volunteer or a verified team or social organization serving
    /// the need's community.
    #[error("target {0} cannot take this need")]
    UnknownTarget(String),
    /// A volunteer target's service radius does not reach the need.
    #[error("the need is outside the service radius of target {0}")]
    TargetOutOfRadius(String),
    /// The category's safeguarding gates refuse a volunteer target.
    #[error("target {0} does not meet the category's safeguarding gates: {1}")]
    TargetNotQualified(String, GateRefusal),
    /// The need is already being dispatched: its offers are still running.
    #[error("the need is already being dispatched")]
    InProgress,
    /// The offer's state refuses it.
    #[error(transparent)]
    Offer(#[from] OfferRefusal),
    /// Members are assigned only through an organization's accepted offer.
    #[error("members are assigned through an organization's accepted offer")]
    NotOrganizationOffer,
    /// The person assigned is not a member of the organization.
    #[error("user {0} is not a member of the organization")]
    NotMember(i64),
    /// The need's lifecycle refuses it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The claim the acceptance or assignment makes was refused.
    #[error(transparent)]
    Claim(#[from] ClaimError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for DispatchError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for DispatchError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Claim(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// A dispatch request after parsing: the ranked targets and the answer window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// Best first.
    pub targets: Vec<Target>,
    /// Minutes each target has to answer once offered.
    pub response_minutes: i32,
}

/// Staff over the need's area offer it to `dispatch.targets` in order: the first now, the rest
/// after it declines or lapses. Returns the need's offers.
pub async fn dispatch(
    db: &Db,
    principal: Principal,
    id: NeedId,
    dispatch: Dispatch,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Vec<Offer>, DispatchError> {
    check_dispatch(&dispatch.targets, dispatch.response_minutes)?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = store::lock(conn, id, now)?.ok_or(DispatchError::NotFound)?;
            staff_only(conn, &principal, &need)?;
            if !need.status.is_claimable() {
                return Err(Refusal::NotClaimable.into());
            }
            if offers::of_need(conn, id)?
                .iter()
                .any(|o| !o.status.is_final())
            {
                return Err(DispatchError::InProgress);
            }
            for target in &dispatch.targets {
                check_target(conn, &need, *target, now)?;
            }
            let first = offers::next_position(conn, id)?;
            for (position, target) in (first..).zip(dispatch.targets.iter()) {
                offers::insert(
                    conn,
                    id,
                    position,
                    *target,
                    principal.user.id,
                    dispatch.response_minutes,
                    now,
                )?;
            }
            offer_next(conn, id, now, zone)?;
            Ok(offers::of_need(conn, id)?)
        })
    })
    .await
}

fn staff_only(
    conn: &mut AnyConnection,
    principal: &Principal,
    need: &Need,
) -> Result<(), DispatchError> {
    if is_need_staff(principal, &need.area_path) {
        return Ok(());
    }
    Err(if standing(conn, principal, need)?.reaches() {
        DispatchError::NotStaff
    } else {
        DispatchError::NotFound
    })
}

fn check_target(
    conn: &mut AnyConnection,
    need: &Need,
    target: Target,
    now: NaiveDateTime,
) -> Result<(), DispatchError> {
    match target_refusal(conn, need, target, now)? {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

fn target_name(target: Target) -> String {
    match target {
        Target::Volunteer(user) => format!("user {}", user.0),
        Target::Organization(id) => format!("organization {}", id.0),
    }
}

/// Why `target` cannot take `need` now, if it cannot: not a verified volunteer (or a verified
/// team or social organization serving the need's community), a volunteer whose service
/// radius does not reach the need, or one the category's safeguarding gates refuse. Checked
/// at dispatch and again when the cascade reaches the target, since a profile, a home grid or
/// a credential may change while the offer waits its turn.
fn target_refusal(
    conn: &mut AnyConnection,
    need: &Need,
    target: Target,
    now: NaiveDateTime,
) -> Result<Option<DispatchError>, StoreError> {
    let unknown = || Some(DispatchError::UnknownTarget(target_name(target)));
    match target {
        Target::Volunteer(user) => {
            if user == need.resident_id {
                return Ok(unknown());
            }
            let Some(profile) = volunteers::get(conn, user)?.filter(|p| p.verified_at.is_some())
            else {
                return Ok(unknown());
            };
            let Some(account) = accounts::get(conn, user)? else {
                return Ok(unknown());
            };
            let principal = access::principal(conn, account)?;
            let reaches = volunteer_prefix(conn, &principal)?
                .is_some_and(|prefix| need.area_path.starts_with(&prefix));
            if !reaches {
                return Ok(Some(DispatchError::TargetOutOfRadius(target_name(target))));
            }
            let Some(category) = categories::get(conn, need.category_id)? else {
                return Ok(unknown());
            };
            Ok(volunteer_gate(&category, &profile, now)
                .err()
                .map(|refusal| DispatchError::TargetNotQualified(target_name(target), refusal)))
        }
        Target::Organization(id) => {
            let fits = organizations::get(conn, id)?.is_some_and(|o| {
                matches!(
                    o.kind,
                    OrganizationKind::VolunteerTeam | OrganizationKind::SocialOrg
                ) && o.verification.is_some()
                    && o.service_areas
                        .iter()
                        .any(|a| need.area_path.starts_with(&a.path))
            });
            Ok(if fits { None } else { unknown() })
        }
    }
}

/// Offers the need to its next queued target, telling them. When the need no longer waits for
/// helpers, the queued offers are withdrawn instead; when nobody is left, it is escalated.
fn offer_next(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Option<Offer>, StoreError> {
    let Some(need) = store::get(conn, id)? else {
        return Ok(None);
    };
    let all = offers::of_need(conn, id)?;
    if !need.status.is_claimable() {
        withdraw_queued(conn, &all, now)?;
        return Ok(None);
    }
    let mut queued = all.iter().filter(|o| o.status == OfferStatus::Queued);
    let next = loop {
        let Some(next) = queued.next() else {
            escalate_need(conn, &need, now, zone, "dispatch_exhausted")?;
            return Ok(None);
        };
        if target_refusal(conn, &need, next.target, now)?.is_none() {
            break next;
        }
        // The target no longer fits (out of radius, failing the gates): skipped, untold.
        if let Ok(skipped) = next.state().apply(OfferEvent::Withdraw, now, next.window()) {
            offers::move_offer(conn, next.id, OfferStatus::Queued, skipped, None, now)?;
        }
    };
    let Ok(offered) = next.state().apply(OfferEvent::Offer, now, next.window()) else {
        return Ok(None);
    };
    offers::move_offer(conn, next.id, OfferStatus::Queued, offered, None, now)?;
    let offer = offers::get(conn, next.id)?.unwrap_or_else(|| next.clone());
    tell_target(conn, &need, &offer, now, zone)?;
    Ok(Some(offer))
}

/// Withdraws every offer of the need still queued or pending: it was cancelled. Call after the
/// need's row lock.
pub fn withdraw_open(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    for offer in offers::of_need(conn, id)? {
        if let Ok(next) = offer
            .state()
            .apply(OfferEvent::Withdraw, now, offer.window())
        {
            offers::move_offer(conn, offer.id, offer.status, next, None, now)?;
        }
    }
    Ok(())
}

fn withdraw_queued(
    conn: &mut AnyConnection,
    all: &[Offer],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    for offer in all.iter().filter(|o| o.status == OfferStatus::Queued) {
        if let Ok(next) = offer
            .state()
            .apply(OfferEvent::Withdraw, now, offer.window())
        {
            offers::move_offer(conn, offer.id, offer.status, next, None, now)?;
        }
    }
    Ok(())
}

fn tell_target(
    conn: &mut AnyConnection,
    need: &Need,
    offer: &Offer,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<(), StoreError> {
    let (category_zh, category_en) = category_names(conn, need)?;
    let notice = Notice::NeedOffered {
        need_id: need.id.0,
        category_zh,
        category_en,
        starts_at: local_time(need.window_start, zone),
        respond_by: offer
            .deadline
            .map(|d| local_time(d, zone))
            .unwrap_or_default(),
    };
    match offer.target {
        Target::Volunteer(user) => {
            notify(conn, now, user, notice)?;
        }
        Target::Organization(organization) => {
            for member in members::list(conn, organization)? {
                if matches!(member.role, MemberRole::Admin | MemberRole::Leader) {
                    notify(conn, now, member.user_id, notice.clone())?;
                }
            }
            let mut payload = need_payload(need);
            payload["offer_id"] = offer.id.into();
            payload["deadline"] = offer
                .deadline
                .map(|d| {
                    d.and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                })
                .into();
            publish(conn, now, organization, Event::NeedDispatched, payload)?;
        }
    }
    Ok(())
}

/// True when `user` answers for offers to `organization`: its admins and leaders.
fn answers_for(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
) -> Result<bool, StoreError> {
    Ok(matches!(
        members::role_of(conn, organization, user)?,
        Some(MemberRole::Admin | MemberRole::Leader)
    ))
}

/// Who answers an offer: the volunteer it is made to, or the organization's admins and leaders
/// (by web, or by the organization's partner key with `acting_for` set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responder {
    /// A signed-in person.
    Person(UserId),
    /// An organization's partner system, answering for offers made to it.
    Partner(OrganizationId),
}

fn may_answer(
    conn: &mut AnyConnection,
    offer: &Offer,
    responder: Responder,
) -> Result<bool, StoreError> {
    Ok(match (offer.target, responder) {
        (Target::Volunteer(user), Responder::Person(me)) => user == me,
        (Target::Organization(organization), Responder::Person(me)) => {
            answers_for(conn, organization, me)?
        }
        (Target::Organization(organization), Responder::Partner(partner)) => {
            organization == partner
        }
        (Target::Volunteer(_), Responder::Partner(_)) => false,
    })
}

fn lock_offer(
    conn: &mut AnyConnection,
    offer_id: i64,
    responder: Responder,
    now: NaiveDateTime,
) -> Result<(Offer, Need), DispatchError> {
    let offer = offers::get(conn, offer_id)?.ok_or(DispatchError::NotFound)?;
    let need = store::lock(conn, offer.need_id, now)?.ok_or(DispatchError::NotFound)?;
    let offer = offers::get(conn, offer_id)?.ok_or(DispatchError::NotFound)?;
    if !may_answer(conn, &offer, responder)? {
        return Err(DispatchError::NotYourOffer);
    }
    Ok((offer, need))
}

/// The target accepts (`accept`) or declines an offer. A volunteer's acceptance is their claim;
/// an organization's lets it assign members; a decline offers the next target.
pub async fn respond(
    db: &Db,
    responder: Responder,
    offer_id: i64,
    accept: bool,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<Offer, DispatchError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (offer, need) = lock_offer(conn, offer_id, responder, now)?;
            let event = if accept {
                OfferEvent::Accept
            } else {
                OfferEvent::Decline
            };
            let next = offer.state().apply(event, now, offer.window())?;
            let answered_by = match responder {
                Responder::Person(me) => Some(me),
                Responder::Partner(_) => None,
            };
            if !offers::move_offer(conn, offer.id, offer.status, next, answered_by, now)? {
                return Err(OfferRefusal::NotPending.into());
            }
            match (accept, offer.target) {
                (true, Target::Volunteer(user)) => {
                    let principal = principal_of(conn, user)?;
                    claim_in(conn, &principal, need.id, false, now)?;
                    offer_next(conn, need.id, now, zone)?;
                }
                (true, Target::Organization(_)) => {
                    let all = offers::of_need(conn, need.id)?;
                    withdraw_queued(conn, &all, now)?;
                }
                (false, _) => {
                    offer_next(conn, need.id, now, zone)?;
                }
            }
            offers::get(conn, offer.id)?.ok_or(DispatchError::NotFound)
        })
    })
    .await
}

fn principal_of(conn: &mut AnyConnection, user: UserId) -> Result<Principal, DispatchError> {
    let account = accounts::get(conn, user)?.ok_or(DispatchError::NotFound)?;
    Ok(access::principal(conn, account)?)
}

/// An organization that accepted an offer assigns members: each becomes a claim through the
/// claim path with all its gates; one refusal undoes them all. Returns the need after.
pub async fn assign_members(
    db: &Db,
    responder: Responder,
    offer_id: i64,
    people: Vec<UserId>,
    now: NaiveDateTime,
) -> Result<Need, DispatchError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (offer, need) = lock_offer(conn, offer_id, responder, now)?;
            let Target::Organization(organization) = offer.target else {
                return Err(DispatchError::NotOrganizationOffer);
            };
            if offer.status != OfferStatus::Accepted {
                return Err(OfferRefusal::NotPending.into());
            }
            for person in &people {
                if members::role_of(conn, organization, *person)?.is_none() {
                    return Err(DispatchError::NotMember(person.0));
                }
                let principal = principal_of(conn, *person)?;
                claim_in(conn, &principal, need.id, false, now)?;
            }
            store::get(conn, need.id)?.ok_or(DispatchError::NotFound)
        })
    })
    .await
}

/// Lapses pending offers past their deadline and offers each need to its next target. Returns
/// how many lapsed. Idempotent: a lapsed offer is not pending any more.
pub async fn expire(db: &Db, now: NaiveDateTime, zone: Tz) -> Result<u64, StoreError> {
    let overdue = db.run(move |conn| offers::overdue(conn, now)).await?;
    let mut lapsed = 0;
    for offer_id in overdue {
        let done = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let Some(offer) = offers::get(conn, offer_id)? else {
                        return Ok::<_, StoreError>(false);
                    };
                    store::lock(conn, offer.need_id, now)?;
                    let Some(offer) = offers::get(conn, offer_id)? else {
                        return Ok(false);
                    };
                    let Ok(next) = offer.state().apply(OfferEvent::Lapse, now, offer.window())
                    else {
                        return Ok(false);
                    };
                    if !offers::move_offer(conn, offer.id, offer.status, next, None, now)? {
                        return Ok(false);
                    }
                    offer_next(conn, offer.need_id, now, zone)?;
                    Ok(true)
                })
            })
            .await?;
        lapsed += u64::from(done);
    }
    Ok(lapsed)
}

/// The offers of a need, in ranking order, for staff over its area.
pub async fn list_for_need(
    db: &Db,
    principal: Principal,
    id: NeedId,
) -> Result<Vec<Offer>, DispatchError> {
    db.run(move |conn| {
        let need = store::get(conn, id)?.ok_or(DispatchError::NotFound)?;
        staff_only(conn, &principal, &need)?;
        Ok(offers::of_need(conn, id)?)
    })
    .await
}

/// An offer with its need as it is now.
pub type OfferOfNeed = (Offer, Need);

fn with_needs(conn: &mut AnyConnection, all: Vec<Offer>) -> Result<Vec<OfferOfNeed>, StoreError> {
    let mut out = Vec::with_capacity(all.len());
    for offer in all {
        if let Some(need) = store::get(conn, offer.need_id)? {
            out.push((offer, need));
        }
    }
    Ok(out)
}

/// Offers made to the caller as a volunteer, or to organizations they answer for, newest first.
pub async fn list_mine(db: &Db, user: UserId, limit: i64) -> Result<Vec<OfferOfNeed>, StoreError> {
    db.run(move |conn| {
        let organizations: Vec<OrganizationId> = members::memberships_of(conn, user)?
            .into_iter()
            .filter(|(_, role)| matches!(role, MemberRole::Admin | MemberRole::Leader))
            .map(|(id, _)| id)
            .collect();
        let all = offers::to_targets(conn, Some(user), &organizations, limit)?;
        with_needs(conn, all)
    })
    .await
}

/// Offers made to `organization`, newest first, for its partner system.
pub async fn list_for_organization(
    db: &Db,
    organization: OrganizationId,
    limit: i64,
) -> Result<Vec<OfferOfNeed>, StoreError> {
    db.run(move |conn| {
        let all = offers::to_targets(conn, None, &[organization], limit)?;
        with_needs(conn, all)
    })
    .await
}
