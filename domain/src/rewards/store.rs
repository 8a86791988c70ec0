//! Rewards and redemptions in the store. Stock changes only through guarded single statements
//! (`stock >= quantity`); a redemption ends once, by a guarded state change. Every function runs
//! inside the caller's transaction.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{
    AgeGate, NewReward, Redemption, RedemptionId, RedemptionState, Resolver, Reward, RewardChanges,
    RewardId, RewardKind, RewardText,
};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::ledger::{HoldId, Points};
use crate::organizations::OrganizationId;
use crate::schema::{redemptions, rewards};

#[derive(Queryable, Selectable)]
#[diesel(table_name = rewards)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct RewardRow {
    id: i64,
    community_id: i64,
    organization_id: Option<i64>,
    kind: String,
    title_zh: String,
    title_en: Option<String>,
    description_zh: String,
    description_en: Option<String>,
    points_cost: i64,
    stock: Option<i64>,
    per_person_limit: Option<i32>,
    minimum_age: Option<i32>,
    elder_only: bool,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<RewardRow> for Reward {
    type Error = StoreError;

    fn try_from(row: RewardRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: RewardId(row.id),
            community: AreaId(row.community_id),
            organization: row.organization_id.map(OrganizationId),
            kind: RewardKind::parse(&row.kind).ok_or_else(|| corrupt("reward kind"))?,
            text: RewardText {
                title_zh: row.title_zh,
                title_en: row.title_en,
                description_zh: row.description_zh,
                description_en: row.description_en,
            },
            points_cost: Points(row.points_cost),
            stock: row.stock,
            per_person_limit: row.per_person_limit,
            age_gate: gate_of(row.minimum_age, row.elder_only),
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn gate_of(minimum_age: Option<i32>, elder_only: bool) -> AgeGate {
    match (minimum_age, elder_only) {
        (Some(age), _) => AgeGate::Minimum(age),
        (None, true) => AgeGate::Elder,
        (None, false) => AgeGate::Open,
    }
}

fn gate_columns(gate: AgeGate) -> (Option<i32>, bool) {
    match gate {
        AgeGate::Open => (None, false),
        AgeGate::Minimum(age) => (Some(age), false),
        AgeGate::Elder => (None, true),
    }
}

#[derive(Insertable)]
#[diesel(table_name = rewards)]
struct NewRewardRow<'a> {
    community_id: i64,
    organization_id: Option<i64>,
    kind: &'a str,
    title_zh: &'a str,
    title_en: Option<&'a str>,
    description_zh: &'a str,
    description_en: Option<&'a str>,
    points_cost: i64,
    stock: Option<i64>,
    per_person_limit: Option<i32>,
    minimum_age: Option<i32>,
    elder_only: bool,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = rewards)]
struct RewardChangesRow<'a> {
    title_zh: Option<&'a str>,
    title_en: Option<&'a str>,
    description_zh: Option<&'a str>,
    description_en: Option<&'a str>,
    points_cost: Option<i64>,
    stock: Option<i64>,
    per_person_limit: Option<i32>,
    minimum_age: Option<Option<i32>>,
    elder_only: Option<bool>,
    active: Option<bool>,
    updated_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = redemptions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct RedemptionRow {
    id: i64,
    reward_id: i64,
    user_id: i64,
    placed_by: i64,
    quantity: i32,
    points: i64,
    hold_id: i64,
    state: String,
    resolved_by: Option<i64>,
    resolved_by_organization: Option<i64>,
    resolved_at: Option<NaiveDateTime>,
    reason: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<RedemptionRow> for Redemption {
    type Error = StoreError;

    fn try_from(row: RedemptionRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: RedemptionId(row.id),
            reward: RewardId(row.reward_id),
            person: UserId(row.user_id),
            placed_by: UserId(row.placed_by),
            quantity: row.quantity,
            points: Points(row.points),
            hold: HoldId(row.hold_id),
            state: RedemptionState::parse(&row.state).ok_or_else(|| corrupt("redemption state"))?,
            resolved_by: row.resolved_by.map(UserId),
            resolved_by_organization: row.resolved_by_organization.map(OrganizationId),
            resolved_at: row.resolved_at,
            reason: row.reason,
            created_at: row.created_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = redemptions)]
struct NewRedemptionRow<'a> {
    reward_id: i64,
    user_id: i64,
    placed_by: i64,
    quantity: i32,
    points: i64,
    hold_id: i64,
    state: &'a str,
    idempotency_key: &'a str,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        format!("unexpected stored {what}").into(),
    ))
}

/// Stores a checked reward, offered at once (who created it is in the audit log).
pub fn insert_reward(
    conn: &mut AnyConnection,
    new: &NewReward,
    now: NaiveDateTime,
) -> Result<RewardId, StoreError> {
    let (minimum_age, elder_only) = gate_columns(new.age_gate);
    let id = diesel::insert_into(rewards::table)
        .values(&NewRewardRow {
            community_id: new.community.0,
            organization_id: new.organization.map(|o| o.0),
            kind: new.kind.as_str(),
            title_zh: &new.text.title_zh,
            title_en: new.text.title_en.as_deref(),
            description_zh: &new.text.description_zh,
            description_en: new.text.description_en.as_deref(),
            points_cost: new.points_cost.0,
            stock: new.stock,
            per_person_limit: new.per_person_limit,
            minimum_age,
            elder_only,
            active: true,
            created_at: now,
            updated_at: now,
        })
        .returning(rewards::id)
        .get_result(conn)?;
    Ok(RewardId(id))
}

/// Applies checked changes.
pub fn update_reward(
    conn: &mut AnyConnection,
    id: RewardId,
    changes: &RewardChanges,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let (minimum_age, elder_only) = match changes.age_gate.map(gate_columns) {
        Some((age, elder)) => (Some(age), Some(elder)),
        None => (None, None),
    };
    diesel::update(rewards::table.find(id.0))
        .set(&RewardChangesRow {
            title_zh: changes.title_zh.as_deref(),
            title_en: changes.title_en.as_deref(),
            description_zh: changes.description_zh.as_deref(),
            description_en: changes.description_en.as_deref(),
            points_cost: changes.points_cost.map(|p| p.0),
            stock: changes.stock,
            per_person_limit: changes.per_person_limit,
            minimum_age,
            elder_only,
            active: changes.active,
            updated_at: Some(now),
        })
        .execute(conn)?;
    Ok(())
}

/// One reward.
pub fn reward(conn: &mut AnyConnection, id: RewardId) -> Result<Option<Reward>, StoreError> {
    rewards::table
        .find(id.0)
        .select(RewardRow::as_select())
        .first(conn)
        .optional()?
        .map(Reward::try_from)
        .transpose()
}

/// A community's rewards, oldest first; withdrawn ones only when asked.
pub fn rewards_of(
    conn: &mut AnyConnection,
    community: AreaId,
    with_inactive: bool,
) -> Result<Vec<Reward>, StoreError> {
    let mut query = rewards::table
        .filter(rewards::community_id.eq(community.0))
        .select(RewardRow::as_select())
        .order(rewards::id)
        .into_boxed();
    if !with_inactive {
        query = query.filter(rewards::active.eq(true));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Reward::try_from)
        .collect()
}

/// Takes `quantity` units of an active reward's stock by one guarded statement (unlimited stock
/// stays unlimited). False when it is withdrawn or fewer units are left; on PostgreSQL the row
/// stays locked to the end of the transaction, which serializes redemptions of one reward.
pub fn take_stock(
    conn: &mut AnyConnection,
    id: RewardId,
    quantity: i32,
) -> Result<bool, StoreError> {
    let quantity = i64::from(quantity);
    let taken = diesel::update(
        rewards::table
            .find(id.0)
            .filter(rewards::active.eq(true))
            .filter(rewards::stock.is_null().or(rewards::stock.ge(quantity))),
    )
    .set(rewards::stock.eq(rewards::stock - quantity))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Puts `quantity` units back (a cancelled or lapsed redemption).
pub fn restore_stock(
    conn: &mut AnyConnection,
    id: RewardId,
    quantity: i32,
) -> Result<(), StoreError> {
    diesel::update(rewards::table.find(id.0))
        .set(rewards::stock.eq(rewards::stock + i64::from(quantity)))
        .execute(conn)?;
    Ok(())
}

/// Units of a reward a person has placed or fulfilled.
pub fn units_held(
    conn: &mut AnyConnection,
    reward: RewardId,
    person: UserId,
) -> Result<i64, StoreError> {
    Ok(redemptions::table
        .filter(redemptions::reward_id.eq(reward.0))
        .filter(redemptions::user_id.eq(person.0))
        .filter(redemptions::state.eq_any([
            RedemptionState::Placed.as_str(),
            RedemptionState::Fulfilled.as_str(),
        ]))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(quantity), 0) AS BIGINT)"))
        .first(conn)?)
}

/// A redemption to store.
#[derive(Debug, Clone, Copy)]
pub struct NewRedemption<'a> {
    /// Which reward.
    pub reward: RewardId,
    /// Whose points.
    pub person: UserId,
    /// Who asked.
    pub placed_by: UserId,
    /// Units.
    pub quantity: i32,
    /// Points held.
    pub points: Points,
    /// The hold placed for it.
    pub hold: HoldId,
    /// The caller-scoped key.
    pub idempotency_key: &'a str,
}

/// Stores a placed redemption.
pub fn insert_redemption(
    conn: &mut AnyConnection,
    new: &NewRedemption<'_>,
    now: NaiveDateTime,
) -> Result<RedemptionId, StoreError> {
    let id = diesel::insert_into(redemptions::table)
        .values(&NewRedemptionRow {
            reward_id: new.reward.0,
            user_id: new.person.0,
            placed_by: new.placed_by.0,
            quantity: new.quantity,
            points: new.points.0,
            hold_id: new.hold.0,
            state: RedemptionState::Placed.as_str(),
            idempotency_key: new.idempotency_key,
            created_at: now,
        })
        .returning(redemptions::id)
        .get_result(conn)?;
    Ok(RedemptionId(id))
}

/// One redemption.
pub fn redemption(
    conn: &mut AnyConnection,
    id: RedemptionId,
) -> Result<Option<Redemption>, StoreError> {
    redemptions::table
        .find(id.0)
        .select(RedemptionRow::as_select())
        .first(conn)
        .optional()?
        .map(Redemption::try_from)
        .transpose()
}

/// The redemption placed with a caller-scoped key.
pub fn redemption_by_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<Redemption>, StoreError> {
    redemptions::table
        .filter(redemptions::idempotency_key.eq(key))
        .select(RedemptionRow::as_select())
        .first(conn)
        .optional()?
        .map(Redemption::try_from)
        .transpose()
}

/// The redemption a hold was placed for.
pub fn redemption_by_hold(
    conn: &mut AnyConnection,
    hold: HoldId,
) -> Result<Option<Redemption>, StoreError> {
    redemptions::table
        .filter(redemptions::hold_id.eq(hold.0))
        .select(RedemptionRow::as_select())
        .first(conn)
        .optional()?
        .map(Redemption::try_from)
        .transpose()
}

/// Ends a placed redemption by a guarded state change; false when it ended before (another
/// request won). On PostgreSQL a concurrent ending waits on the row and then finds it ended.
pub fn end_redemption(
    conn: &mut AnyConnection,
    id: RedemptionId,
    to: RedemptionState,
    by: Resolver,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let (person, organization) = match by {
        Resolver::Person(user) => (Some(user.0), None),
        Resolver::Partner(org) => (None, Some(org.0)),
        Resolver::System => (None, None),
    };
    let changed = diesel::update(
        redemptions::table
            .find(id.0)
            .filter(redemptions::state.eq(RedemptionState::Placed.as_str())),
    )
    .set((
        redemptions::state.eq(to.as_str()),
        redemptions::resolved_by.eq(person),
        redemptions::resolved_by_organization.eq(organization),
        redemptions::resolved_at.eq(now),
        redemptions::reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Whose redemptions a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionScope {
    /// One person's.
    Person(UserId),
    /// Every redemption of a community's rewards.
    Community(AreaId),
    /// Every redemption of an organization's rewards.
    Organization(OrganizationId),
}

/// Redemptions in `scope`, newest first, optionally in one state, at most `limit`.
pub fn redemptions_in(
    conn: &mut AnyConnection,
    scope: RedemptionScope,
    state: Option<RedemptionState>,
    limit: i64,
) -> Result<Vec<Redemption>, StoreError> {
    let mut query = redemptions::table
        .inner_join(rewards::table)
        .select(RedemptionRow::as_select())
        .order(redemptions::id.desc())
        .limit(limit)
        .into_boxed();
    query = match scope {
        RedemptionScope::Person(user) => query.filter(redemptions::user_id.eq(user.0)),
        RedemptionScope::Community(area) => query.filter(rewards::community_id.eq(area.0)),
        RedemptionScope::Organization(org) => query.filter(rewards::organization_id.eq(org.0)),
    };
    if let Some(state) = state {
        query = query.filter(redemptions::state.eq(state.as_str()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Redemption::try_from)
        .collect()
}
