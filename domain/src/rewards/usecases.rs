//! Reward and redemption use cases: who may offer, change, redeem, fulfil and cancel, and the
//! transactions that do it. A redemption takes stock, checks the per-person limit and places
//! the hold in one write transaction; ending it moves the hold and the stock in another.

use chrono::{NaiveDate, NaiveDateTime};

use super::rules::{self, AgeRefusal, Ending, RewardInput, RewardInputError};
use super::store::{self, NewRedemption, RedemptionScope};
use super::{Redemption, RedemptionId, RedemptionState, Resolver, Reward, RewardChanges, RewardId};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::api_keys::{PartnerKey, Scope, rules::PartnerRefusal};
use crate::areas::{self, Area, AreaId, AreaLevel};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::ledger::clearing::{self, street_of};
use crate::ledger::usecases::{PointsBalance, community_of};
use crate::ledger::{
    AccountKind, AccountOwner, Cause, HoldError, HoldStatus, NewHold, PostError, Resolution,
    store as ledger,
};
use crate::organizations::{MemberRole, OrganizationId, OrganizationKind, members};
use crate::points_policy::usecases::in_force_on;
use crate::proxies;
use crate::residents;

/// Why a reward could not be offered or changed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum RewardError {
    /// No such community, organization or reward within reach.
    #[error("no such reward or community")]
    NotFound,
    /// The caller may not manage this community's catalogue.
    #[error("only community staff or the offering organization's admins may do this")]
    Forbidden,
    /// The organization does not serve the community or cannot offer rewards.
    #[error("the organization cannot offer rewards in this community")]
    OrganizationNotServing,
    /// Broken rules.
    #[error("the reward is invalid")]
    Invalid(Vec<RewardInputError>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for RewardError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for RewardError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::NotFound | Self::Forbidden | Self::OrganizationNotServing | Self::Invalid(_) => {
                None
            }
        }
    }
}

/// Why a redemption could not be placed or ended; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum RedemptionError {
    /// No such reward, redemption or person within reach.
    #[error("no such reward, redemption or person")]
    NotFound,
    /// The caller may not do this to this redemption.
    #[error("you may not do this")]
    Forbidden,
    /// The caller holds no live consent to act for the person.
    #[error("no live proxy consent for this person")]
    NoConsent,
    /// The quantity is outside 1–100.
    #[error("the quantity must be 1–100")]
    InvalidQuantity,
    /// The reward is withdrawn.
    #[error("the reward is not offered now")]
    Inactive,
    /// Fewer units are left than asked.
    #[error("the reward is out of stock")]
    OutOfStock,
    /// The person already has as many units as one person may.
    #[error("the per-person limit of this reward is reached")]
    LimitReached,
    /// The person lives in no community, so has no points to honour anywhere.
    #[error("the person does not live in a community")]
    NotInCommunity,
    /// The reward's community is in another street: points are honoured across the
    /// communities of one street only.
    #[error("points are honoured only in the communities of the person's own street")]
    OtherStreet,
    /// The reward has an age gate and the person has no staff-verified birth date.
    #[error("the reward needs a birth date verified by staff")]
    AgeNotVerified,
    /// The person is younger than the reward allows.
    #[error("the reward is for people aged {0} and over")]
    TooYoung(i32),
    /// The redemption ended before.
    #[error("the redemption is {} already", .0.as_str())]
    AlreadyEnded(RedemptionState),
    /// The key was used for another redemption.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    /// The partner key may not do this.
    #[error(transparent)]
    PartnerRefused(PartnerRefusal),
    /// The ledger refused (e.g. too few points).
    #[error(transparent)]
    Refused(#[from] PostError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for RedemptionError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<HoldError> for RedemptionError {
    fn from(e: HoldError) -> Self {
        match e {
            HoldError::Post(post) => Self::Refused(post),
            // The redemption row is ended first, under its guard; a hold that is not open
            // behind a placed redemption means the two disagree, which the reconciliation shows.
            HoldError::NotFound => Self::NotFound,
            HoldError::AlreadyResolved(status) => Self::AlreadyEnded(match status {
                HoldStatus::Open => RedemptionState::Placed,
                HoldStatus::Captured => RedemptionState::Fulfilled,
                HoldStatus::Released => RedemptionState::Cancelled,
                HoldStatus::Expired => RedemptionState::Expired,
            }),
        }
    }
}

impl TransactionError for RedemptionError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Refused(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// The community `id` names, or not found.
fn community(conn: &mut AnyConnection, id: AreaId) -> Result<Area, RewardError> {
    match areas::store::get(conn, id)? {
        Some(area) if area.level == AreaLevel::Community => Ok(area),
        _ => Err(RewardError::NotFound),
    }
}

/// True when the principal may manage the catalogue entry of `organization` (none: the
/// community's own) in `community`: staff over the community, or an admin of an organization
/// that serves it. Refuses organizations that cannot offer rewards there.
fn check_manager(
    conn: &mut AnyConnection,
    principal: &Principal,
    community: &Area,
    organization: Option<OrganizationId>,
) -> Result<(), RewardError> {
    let staff = principal.is_staff_over(&community.path);
    let Some(org_id) = organization else {
        return if staff {
            Ok(())
        } else {
            Err(RewardError::Forbidden)
        };
    };
    let Some(org) = crate::organizations::store::get(conn, org_id)? else {
        return Err(if staff {
            RewardError::OrganizationNotServing
        } else {
            RewardError::Forbidden
        });
    };
    let admin = members::role_of(conn, org_id, principal.user.id)? == Some(MemberRole::Admin);
    if !(staff || admin) {
        return Err(RewardError::Forbidden);
    }
    let serves = org.service_areas.iter().any(|a| a.id == community.id);
    let may_offer = matches!(
        org.kind,
        OrganizationKind::Provider | OrganizationKind::Charity | OrganizationKind::SocialOrg
    );
    if serves && may_offer && org.verification.is_some() {
        Ok(())
    } else {
        Err(RewardError::OrganizationNotServing)
    }
}

/// Offers a new reward in a community; audited.
pub async fn create_reward(
    db: &Db,
    principal: Principal,
    input: RewardInput,
    now: NaiveDateTime,
) -> Result<Reward, RewardError> {
    let new = rules::check_new_reward(input).map_err(RewardError::Invalid)?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = community(conn, new.community)?;
            check_manager(conn, &principal, &area, new.organization)?;
            let id = store::insert_reward(conn, &new, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "reward.created",
                    subject_type: "reward",
                    subject_id: id.0.to_string(),
                    area: Some(area.id),
                    detail: serde_json::json!({"points_cost": new.points_cost.0, "stock": new.stock}),
                },
                now,
            )?;
            store::reward(conn, id)?.ok_or(RewardError::NotFound)
        })
    })
    .await
}

/// Changes a reward (text, cost, stock, limit, age gate, offered or withdrawn); audited.
/// Placed redemptions keep the points they hold.
pub async fn update_reward(
    db: &Db,
    principal: Principal,
    id: RewardId,
    changes: RewardChanges,
    now: NaiveDateTime,
) -> Result<Reward, RewardError> {
    let changes = rules::check_changes(changes).map_err(RewardError::Invalid)?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let reward = store::reward(conn, id)?.ok_or(RewardError::NotFound)?;
            let area = community(conn, reward.community)?;
            match check_manager(conn, &principal, &area, reward.organization) {
                // Outsiders learn nothing about the reward's existence beyond the catalogue.
                Err(RewardError::Forbidden) if !principal.is_staff_over(&area.path) => {
                    return Err(RewardError::Forbidden);
                }
                other => other?,
            }
            store::update_reward(conn, id, &changes, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "reward.updated",
                    subject_type: "reward",
                    subject_id: id.0.to_string(),
                    area: Some(area.id),
                    detail: serde_json::json!({
                        "points_cost": changes.points_cost.map(|p| p.0),
                        "stock": changes.stock,
                        "active": changes.active,
                    }),
                },
                now,
            )?;
            store::reward(conn, id)?.ok_or(RewardError::NotFound)
        })
    })
    .await
}

/// A community's catalogue (default: the caller's home community). Those who may manage it
/// also see withdrawn rewards.
pub async fn list_rewards(
    db: &Db,
    principal: Principal,
    community_id: Option<AreaId>,
) -> Result<Vec<Reward>, RewardError> {
    db.run(move |conn| {
        let id = match community_id {
            Some(id) => id,
            None => {
                let (_, path) = accounts::with_home_path(conn, principal.user.id)?
                    .ok_or(RewardError::NotFound)?;
                path.as_deref()
                    .and_then(community_of)
                    .ok_or(RewardError::NotFound)?
            }
        };
        let area = community(conn, id)?;
        let manager = principal.is_staff_over(&area.path);
        store::rewards_of(conn, id, manager).map_err(RewardError::from)
    })
    .await
}

/// A redemption to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionRequest {
    /// Which reward.
    pub reward: RewardId,
    /// Whose points (none: the caller's).
    pub person: Option<UserId>,
    /// Units.
    pub quantity: i32,
}

/// A placed redemption, new or found by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Placed now.
    New(Redemption),
    /// Placed before with this key; nothing moved this time.
    Replayed(Redemption),
}

impl Placed {
    /// The redemption either way.
    pub fn redemption(&self) -> &Redemption {
        match self {
            Self::New(r) | Self::Replayed(r) => r,
        }
    }
}

/// Places a redemption: checks the person's community (their own, or another of the same
/// street: 通存通兑) and age, takes stock by a guarded
/// statement, checks the per-person limit, and puts the points on hold — in one write
/// transaction, so concurrent redemptions never oversell or overdraw. `key` is the caller's
/// idempotency key: a retry returns the first redemption.
pub async fn create_redemption(
    db: &Db,
    principal: Principal,
    request: RedemptionRequest,
    key: String,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(Placed, PointsBalance), RedemptionError> {
    if !(1..=rules::MAX_QUANTITY).contains(&request.quantity) {
        return Err(RedemptionError::InvalidQuantity);
    }
    let caller = principal.user.id;
    let person = request.person.unwrap_or(caller);
    let scoped = format!("user:{}:{key}", caller.0);
    db.run(move |conn| {
        db::write(conn, |conn| {
            if let Some(found) = store::redemption_by_key(conn, &scoped)? {
                let same = found.reward == request.reward
                    && found.person == person
                    && found.quantity == request.quantity;
                if !same {
                    return Err(RedemptionError::KeyReused);
                }
                let balance = balance_of(conn, person, now)?;
                return Ok((Placed::Replayed(found), balance));
            }
            if person != caller && !proxies::store::may_act_for(conn, caller, person)? {
                return Err(RedemptionError::NoConsent);
            }
            let reward = store::reward(conn, request.reward)?.ok_or(RedemptionError::NotFound)?;
            let (_, home) =
                accounts::with_home_path(conn, person)?.ok_or(RedemptionError::NotFound)?;
            let home = home.ok_or(RedemptionError::NotInCommunity)?;
            let own = community_of(&home).ok_or(RedemptionError::NotInCommunity)?;
            if own != reward.community {
                // 通存通兑: another community of the same street honours the points.
                let theirs =
                    areas::store::get(conn, reward.community)?.ok_or(RedemptionError::NotFound)?;
                if street_of(&theirs.path) != street_of(&home) {
                    return Err(RedemptionError::OtherStreet);
                }
            }
            check_age(conn, &reward, person, today)?;
            let points = rules::redemption_points(reward.points_cost, request.quantity)
                .ok_or(RedemptionError::InvalidQuantity)?;
            if !reward.active {
                return Err(RedemptionError::Inactive);
            }
            // The guarded stock statement also locks the reward's row on PostgreSQL, so the
            // per-person count below sees every redemption of this reward committed before.
            if !store::take_stock(conn, reward.id, request.quantity)? {
                return Err(RedemptionError::OutOfStock);
            }
            let held = store::units_held(conn, reward.id, person)?;
            if !rules::within_limit(reward.per_person_limit, held, request.quantity) {
                return Err(RedemptionError::LimitReached);
            }
            let account = ledger::account_for(conn, AccountOwner::Person(person), now)?;
            // The points stay in the person's own community until the reward is delivered;
            // a capture elsewhere then goes through the two clearing accounts.
            let escrow = ledger::account_for(
                conn,
                AccountOwner::System {
                    community: own,
                    kind: AccountKind::Escrow,
                },
                now,
            )?;
            let hold = ledger::place_hold(
                conn,
                now,
                &NewHold {
                    idempotency_key: scoped.clone(),
                    account: account.id,
                    escrow: escrow.id,
                    amount: points,
                    cause: Cause::new("reward", reward.id.0),
                    expires_at: rules::hold_expiry(now),
                    actor: Some(caller),
                },
            )?;
            let id = store::insert_redemption(
                conn,
                &NewRedemption {
                    reward: reward.id,
                    person,
                    placed_by: caller,
                    quantity: request.quantity,
                    points,
                    hold: hold.id,
                    idempotency_key: &scoped,
                },
                now,
            )?;
            let redemption = store::redemption(conn, id)?.ok_or(RedemptionError::NotFound)?;
            let balance = balance_of(conn, person, now)?;
            Ok((Placed::New(redemption), balance))
        })
    })
    .await
}

fn check_age(
    conn: &mut AnyConnection,
    reward: &Reward,
    person: UserId,
    today: NaiveDate,
) -> Result<(), RedemptionError> {
    if reward.age_gate == super::AgeGate::Open {
        return Ok(());
    }
    let elder_age = in_force_on(conn, reward.community, today)?
        .terms
        .elder_redemption_age;
    let verified_birth = residents::store::get(conn, person)?
        .filter(|p| p.facts_verified_at.is_some())
        .and_then(|p| p.birth_date);
    rules::check_age(reward.age_gate, elder_age, verified_birth, today).map_err(|r| match r {
        AgeRefusal::NotVerified => RedemptionError::AgeNotVerified,
        AgeRefusal::TooYoung { required } => RedemptionError::TooYoung(required),
    })
}

fn balance_of(
    conn: &mut AnyConnection,
    person: UserId,
    now: NaiveDateTime,
) -> Result<PointsBalance, StoreError> {
    let account = ledger::account_for(conn, AccountOwner::Person(person), now)?;
    Ok(PointsBalance {
        user: person,
        available: account.balance,
        on_hold: ledger::on_hold(conn, account.id)?,
    })
}

/// Who asks to fulfil a redemption.
#[derive(Debug, Clone)]
pub enum Fulfiller {
    /// A signed-in person: staff over the community, or an admin or leader of the offering
    /// organization.
    Person(Principal),
    /// The offering organization's systems, with a key holding `redemptions:write`.
    Partner(PartnerKey),
}

/// Ends a placed redemption: the guarded state change first (so of two concurrent endings one
/// wins), then the stock (back, unless fulfilled), then the hold (captured to the community's
/// redemption account, or released). Always in this order, so endings never deadlock with
/// each other or with new redemptions.
pub fn end_placed(
    conn: &mut AnyConnection,
    redemption: &Redemption,
    reward: &Reward,
    ending: Ending,
    by: Resolver,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<Redemption, RedemptionError> {
    let to = rules::end(redemption.state, ending).map_err(RedemptionError::AlreadyEnded)?;
    if !store::end_redemption(conn, redemption.id, to, by, reason, now)? {
        let current = store::redemption(conn, redemption.id)?.ok_or(RedemptionError::NotFound)?;
        return Err(RedemptionError::AlreadyEnded(current.state));
    }
    let actor = match by {
        Resolver::Person(user) => Some(user),
        Resolver::Partner(_) | Resolver::System => None,
    };
    let key = format!("redemption:{}:{}", redemption.id.0, to.as_str());
    let resolution = match ending {
        Ending::Fulfil => {
            let hold = ledger::hold(conn, redemption.hold)?.ok_or(RedemptionError::NotFound)?;
            clearing::capture(conn, now, &hold, reward.community, key, actor)?;
            return store::redemption(conn, redemption.id)?.ok_or(RedemptionError::NotFound);
        }
        Ending::Cancel => Resolution::Release,
        Ending::Expire => Resolution::Expire,
    };
    store::restore_stock(conn, reward.id, redemption.quantity)?;
    ledger::resolve_hold(conn, now, redemption.hold, resolution, key, actor)?;
    store::redemption(conn, redemption.id)?.ok_or(RedemptionError::NotFound)
}

fn load(
    conn: &mut AnyConnection,
    id: RedemptionId,
) -> Result<(Redemption, Reward, Area), RedemptionError> {
    let redemption = store::redemption(conn, id)?.ok_or(RedemptionError::NotFound)?;
    let reward = store::reward(conn, redemption.reward)?.ok_or(RedemptionError::NotFound)?;
    let area = areas::store::get(conn, reward.community)?.ok_or(RedemptionError::NotFound)?;
    Ok((redemption, reward, area))
}

/// Marks a redemption fulfilled: the held points go to the community's redemption account,
/// through the clearing accounts when they were earned in another community of the street.
pub async fn fulfil_redemption(
    db: &Db,
    fulfiller: Fulfiller,
    id: RedemptionId,
    now: NaiveDateTime,
) -> Result<Redemption, RedemptionError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (redemption, reward, area) = load(conn, id)?;
            let by = match &fulfiller {
                Fulfiller::Person(principal) => {
                    let member = match reward.organization {
                        Some(org) => members::role_of(conn, org, principal.user.id)?,
                        None => None,
                    };
                    let allowed = principal.is_staff_over(&area.path)
                        || matches!(member, Some(MemberRole::Admin | MemberRole::Leader));
                    if !allowed {
                        return Err(RedemptionError::NotFound);
                    }
                    Resolver::Person(principal.user.id)
                }
                Fulfiller::Partner(key) => {
                    if reward.organization != Some(key.organization_id) {
                        return Err(RedemptionError::NotFound);
                    }
                    crate::api_keys::rules::check_partner(key, Scope::RedemptionsWrite)
                        .map_err(RedemptionError::PartnerRefused)?;
                    Resolver::Partner(key.organization_id)
                }
            };
            end_placed(conn, &redemption, &reward, Ending::Fulfil, by, None, now)
        })
    })
    .await
}

/// Cancels a placed redemption: the person (or the proxy who placed it) before fulfilment, or
/// staff over the community. Points go back and the stock is restored.
pub async fn cancel_redemption(
    db: &Db,
    principal: Principal,
    id: RedemptionId,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<Redemption, RedemptionError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (redemption, reward, area) = load(conn, id)?;
            let me = principal.user.id;
            let own = redemption.person == me || redemption.placed_by == me;
            if !(own || principal.is_staff_over(&area.path)) {
                return Err(RedemptionError::NotFound);
            }
            let by = Resolver::Person(me);
            end_placed(
                conn,
                &redemption,
                &reward,
                Ending::Cancel,
                by,
                reason.as_deref(),
                now,
            )
        })
    })
    .await
}

/// Whose redemptions to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionListing {
    /// The caller's own.
    Mine,
    /// A community's (its staff).
    Community(AreaId),
    /// An organization's rewards' (its admins and leaders).
    Organization(OrganizationId),
}

/// Redemptions the caller may see, newest first.
pub async fn list_redemptions(
    db: &Db,
    principal: Principal,
    listing: RedemptionListing,
    state: Option<RedemptionState>,
    limit: i64,
) -> Result<Vec<Redemption>, RedemptionError> {
    db.run(move |conn| {
        let scope = match listing {
            RedemptionListing::Mine => RedemptionScope::Person(principal.user.id),
            RedemptionListing::Community(id) => {
                let area = areas::store::get(conn, id)?
                    .filter(|a| a.level == AreaLevel::Community)
                    .ok_or(RedemptionError::NotFound)?;
                if !principal.is_staff_over(&area.path) {
                    return Err(RedemptionError::Forbidden);
                }
                RedemptionScope::Community(id)
            }
            RedemptionListing::Organization(org) => {
                let role = members::role_of(conn, org, principal.user.id)?;
                if !matches!(role, Some(MemberRole::Admin | MemberRole::Leader)) {
                    return Err(RedemptionError::Forbidden);
                }
                RedemptionScope::Organization(org)
            }
        };
        store::redemptions_in(conn, scope, state, limit).map_err(RedemptionError::from)
    })
    .await
}

/// For the hold-expiry job, inside its transaction: when `hold` backs a placed redemption, the
/// redemption expires and its stock comes back together with the points. True when it did.
pub fn expire_for_hold(
    conn: &mut AnyConnection,
    hold: crate::ledger::HoldId,
    now: NaiveDateTime,
) -> Result<bool, RedemptionError> {
    let Some(redemption) = store::redemption_by_hold(conn, hold)? else {
        return Ok(false);
    };
    let reward = store::reward(conn, redemption.reward)?.ok_or(RedemptionError::NotFound)?;
    match end_placed(
        conn,
        &redemption,
        &reward,
        Ending::Expire,
        Resolver::System,
        None,
        now,
    ) {
        Ok(_) => Ok(true),
        Err(RedemptionError::AlreadyEnded(_)) => Ok(false),
        Err(other) => Err(other),
    }
}
