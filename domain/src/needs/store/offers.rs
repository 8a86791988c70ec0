//! Reading and writing dispatch offers. Status changes go through [`move_offer`], guarded on
//! the status it leaves, after the need's row lock in the use case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::needs::NeedId;
use crate::needs::dispatch::Offer;
use crate::needs::offer_rules::{OfferState, OfferStatus, Target};
use crate::organizations::OrganizationId;
use crate::schema::need_offers;

#[derive(Queryable, Selectable)]
#[diesel(table_name = need_offers)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OfferRow {
    id: i64,
    need_id: i64,
    position: i32,
    target_user_id: Option<i64>,
    target_organization_id: Option<i64>,
    status: String,
    dispatched_by: i64,
    response_minutes: i32,
    offered_at: Option<NaiveDateTime>,
    deadline: Option<NaiveDateTime>,
    responded_by: Option<i64>,
    responded_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

fn offer_from(row: OfferRow) -> Result<Offer, StoreError> {
    let corrupt =
        |what: String| StoreError::Query(diesel::result::Error::DeserializationError(what.into()));
    let target = match (row.target_user_id, row.target_organization_id) {
        (Some(user), None) => Target::Volunteer(UserId(user)),
        (None, Some(organization)) => Target::Organization(OrganizationId(organization)),
        _ => return Err(corrupt(format!("offer {} has no single target", row.id))),
    };
    Ok(Offer {
        id: row.id,
        need_id: NeedId(row.need_id),
        position: row.position,
        target,
        status: OfferStatus::parse(&row.status)
            .ok_or_else(|| corrupt(format!("offer status {}", row.status)))?,
        dispatched_by: UserId(row.dispatched_by),
        response_minutes: row.response_minutes,
        offered_at: row.offered_at,
        deadline: row.deadline,
        responded_by: row.responded_by.map(UserId),
        responded_at: row.responded_at,
        created_at: row.created_at,
    })
}

fn offers(rows: Vec<OfferRow>) -> Result<Vec<Offer>, StoreError> {
    rows.into_iter().map(offer_from).collect()
}

/// The position after the need's last offer.
pub fn next_position(conn: &mut AnyConnection, need: NeedId) -> Result<i32, StoreError> {
    let last: Option<i32> = need_offers::table
        .filter(need_offers::need_id.eq(need.0))
        .select(diesel::dsl::max(need_offers::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

/// Queues an offer to `target` at `position`.
pub fn insert(
    conn: &mut AnyConnection,
    need: NeedId,
    position: i32,
    target: Target,
    dispatched_by: UserId,
    response_minutes: i32,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let (user, organization) = match target {
        Target::Volunteer(user) => (Some(user.0), None),
        Target::Organization(organization) => (None, Some(organization.0)),
    };
    Ok(diesel::insert_into(need_offers::table)
        .values((
            need_offers::need_id.eq(need.0),
            need_offers::position.eq(position),
            need_offers::target_user_id.eq(user),
            need_offers::target_organization_id.eq(organization),
            need_offers::status.eq(OfferStatus::Queued.as_str()),
            need_offers::dispatched_by.eq(dispatched_by.0),
            need_offers::response_minutes.eq(response_minutes),
            need_offers::created_at.eq(now),
            need_offers::updated_at.eq(now),
        ))
        .returning(need_offers::id)
        .get_result(conn)?)
}

/// One offer.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Offer>, StoreError> {
    let rows = need_offers::table
        .filter(need_offers::id.eq(id))
        .select(OfferRow::as_select())
        .load(conn)?;
    Ok(offers(rows)?.pop())
}

/// Every offer of a need, in ranking order.
pub fn of_need(conn: &mut AnyConnection, need: NeedId) -> Result<Vec<Offer>, StoreError> {
    offers(
        need_offers::table
            .filter(need_offers::need_id.eq(need.0))
            .order(need_offers::position.asc())
            .select(OfferRow::as_select())
            .load(conn)?,
    )
}

/// Offers made to the volunteer `user` (when given) or to any of `organizations`, newest first;
/// queued ones are not shown to their targets yet.
pub fn to_targets(
    conn: &mut AnyConnection,
    user: Option<UserId>,
    organizations: &[OrganizationId],
    limit: i64,
) -> Result<Vec<Offer>, StoreError> {
    let organizations: Vec<i64> = organizations.iter().map(|o| o.0).collect();
    offers(
        need_offers::table
            .filter(
                need_offers::target_user_id
                    .eq(user.map(|u| u.0))
                    .or(need_offers::target_organization_id.eq_any(organizations)),
            )
            .filter(need_offers::status.ne(OfferStatus::Queued.as_str()))
            .order(need_offers::id.desc())
            .limit(limit)
            .select(OfferRow::as_select())
            .load(conn)?,
    )
}

/// Pending offers whose deadline is at or before `now`, oldest deadline first.
pub fn overdue(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<Vec<i64>, StoreError> {
    Ok(need_offers::table
        .filter(need_offers::status.eq(OfferStatus::Pending.as_str()))
        .filter(need_offers::deadline.le(now))
        .order(need_offers::deadline.asc())
        .select(need_offers::id)
        .load(conn)?)
}

/// Organizations the need was offered to and that have not said no: pending or accepted.
pub fn organizations_offered(
    conn: &mut AnyConnection,
    need: NeedId,
) -> Result<Vec<OrganizationId>, StoreError> {
    Ok(need_offers::table
        .filter(need_offers::need_id.eq(need.0))
        .filter(need_offers::status.eq_any([
            OfferStatus::Pending.as_str(),
            OfferStatus::Accepted.as_str(),
        ]))
        .filter(need_offers::target_organization_id.is_not_null())
        .select(need_offers::target_organization_id.assume_not_null())
        .load::<i64>(conn)?
        .into_iter()
        .map(OrganizationId)
        .collect())
}

/// Moves an offer from `from` to `to`; false when it was no longer in `from` (someone else
/// moved it first). `responder` is who answered, when someone did.
pub fn move_offer(
    conn: &mut AnyConnection,
    id: i64,
    from: OfferStatus,
    to: OfferState,
    responder: Option<UserId>,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = need_offers::table
        .filter(need_offers::id.eq(id))
        .filter(need_offers::status.eq(from.as_str()));
    let changed = if to.status == OfferStatus::Pending {
        diesel::update(target)
            .set((
                need_offers::status.eq(to.status.as_str()),
                need_offers::offered_at.eq(Some(now)),
                need_offers::deadline.eq(to.deadline),
                need_offers::updated_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                need_offers::status.eq(to.status.as_str()),
                need_offers::responded_by.eq(responder.map(|u| u.0)),
                need_offers::responded_at.eq(Some(now)),
                need_offers::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(changed == 1)
}
