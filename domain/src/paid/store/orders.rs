//! Rows and queries of orders and their subsidies; state changes are guarded by the state
//! they leave, so of two concurrent changes one wins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::corrupt;
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::OrganizationId;
use crate::paid::money::Fen;
use crate::paid::states::OrderState;
use crate::paid::{OfferingId, Order, OrderId, ProgramId, SettlementId, Unit};
use crate::schema::{paid_order_money, paid_order_progress, paid_order_subsidies, paid_orders};

#[derive(Queryable, Selectable)]
#[diesel(table_name = paid_orders)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct OrderRow {
    id: i64,
    offering_id: i64,
    organization_id: i64,
    category_id: i64,
    resident_id: i64,
    placed_by: i64,
    community_id: i64,
    need_id: Option<i64>,
    quantity: i32,
    unit: String,
    unit_price_fen: i64,
    window_start: NaiveDateTime,
    window_end: NaiveDateTime,
    state: String,
    created_at: NaiveDateTime,
}

/// An order's split as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = paid_order_money)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MoneyRow {
    /// The order.
    pub order_id: i64,
    /// Gross.
    pub gross_fen: i64,
    /// Subsidy.
    pub subsidy_fen: i64,
    /// Points.
    pub points: i64,
    /// Points value.
    pub points_fen: i64,
    /// Co-payment.
    pub copay_fen: i64,
    /// Commission rate.
    pub commission_bp: i32,
    /// Commission.
    pub commission_fen: i64,
    /// Net.
    pub net_fen: i64,
    /// Co-payment received.
    pub paid_fen: i64,
    /// Refunded.
    pub refunded_fen: i64,
    /// Late-cancellation fee.
    pub cancellation_fee_fen: i64,
    /// The points transfer.
    pub points_transfer_id: Option<i64>,
    /// The settling batch.
    pub settlement_id: Option<i64>,
    /// When confirmed.
    pub confirmed_at: Option<NaiveDateTime>,
}

/// An order's progress as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = paid_order_progress)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ProgressRow {
    /// The order.
    pub order_id: i64,
    /// The resident's code.
    pub check_code: String,
    /// Wrong codes.
    pub code_failures: i32,
    /// Answer deadline.
    pub respond_by: NaiveDateTime,
    /// Lapsed.
    pub lapsed: bool,
    /// Why.
    pub reason: Option<String>,
    /// Accepted.
    pub accepted_at: Option<NaiveDateTime>,
    /// Started.
    pub started_at: Option<NaiveDateTime>,
    /// Completed.
    pub completed_at: Option<NaiveDateTime>,
    /// Ended.
    pub ended_at: Option<NaiveDateTime>,
    /// Changed.
    pub updated_at: NaiveDateTime,
}

/// A new order to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = paid_orders)]
pub struct NewOrderRow {
    /// Offering.
    pub offering_id: i64,
    /// Provider.
    pub organization_id: i64,
    /// Category.
    pub category_id: i64,
    /// Resident.
    pub resident_id: i64,
    /// Who booked.
    pub placed_by: i64,
    /// Community.
    pub community_id: i64,
    /// Need it came from.
    pub need_id: Option<i64>,
    /// Units.
    pub quantity: i32,
    /// Unit.
    pub unit: &'static str,
    /// Price.
    pub unit_price_fen: i64,
    /// Window start.
    pub window_start: NaiveDateTime,
    /// Window end.
    pub window_end: NaiveDateTime,
    /// Always placed.
    pub state: &'static str,
    /// Caller-scoped key.
    pub idempotency_key: String,
    /// Now.
    pub created_at: NaiveDateTime,
}

/// Stores an order, its split (order id filled in), progress and subsidies (with the month
/// each counts against).
pub fn insert_order(
    conn: &mut AnyConnection,
    row: &NewOrderRow,
    money: &MoneyRow,
    progress: &ProgressRow,
    subsidies: &[(ProgramId, Fen)],
    month: &str,
) -> Result<OrderId, StoreError> {
    let id: i64 = diesel::insert_into(paid_orders::table)
        .values(row)
        .returning(paid_orders::id)
        .get_result(conn)?;
    diesel::insert_into(paid_order_money::table)
        .values(&MoneyRow {
            order_id: id,
            ..money.clone()
        })
        .execute(conn)?;
    diesel::insert_into(paid_order_progress::table)
        .values(&ProgressRow {
            order_id: id,
            ..progress.clone()
        })
        .execute(conn)?;
    for (program, amount) in subsidies {
        diesel::insert_into(paid_order_subsidies::table)
            .values((
                paid_order_subsidies::order_id.eq(id),
                paid_order_subsidies::program_id.eq(program.0),
                paid_order_subsidies::amount_fen.eq(amount.0),
                paid_order_subsidies::month.eq(month),
            ))
            .execute(conn)?;
    }
    Ok(OrderId(id))
}

/// The month an order's subsidies count against.
pub fn subsidy_month(conn: &mut AnyConnection, id: OrderId) -> Result<Option<String>, StoreError> {
    Ok(paid_order_subsidies::table
        .filter(paid_order_subsidies::order_id.eq(id.0))
        .select(paid_order_subsidies::month)
        .first(conn)
        .optional()?)
}

fn order_of(
    row: OrderRow,
    money: MoneyRow,
    progress: ProgressRow,
    subsidies: Vec<(ProgramId, Fen)>,
) -> Result<Order, StoreError> {
    Ok(Order {
        id: OrderId(row.id),
        offering: OfferingId(row.offering_id),
        organization: OrganizationId(row.organization_id),
        category: row.category_id,
        resident: UserId(row.resident_id),
        placed_by: UserId(row.placed_by),
        community: AreaId(row.community_id),
        need: row.need_id,
        quantity: row.quantity,
        unit: Unit::parse(&row.unit).ok_or_else(|| corrupt("unit"))?,
        unit_price: Fen(row.unit_price_fen),
        window_start: row.window_start,
        window_end: row.window_end,
        state: OrderState::parse(&row.state).ok_or_else(|| corrupt("order state"))?,
        gross: Fen(money.gross_fen),
        subsidy: Fen(money.subsidy_fen),
        subsidies,
        points: money.points,
        points_value: Fen(money.points_fen),
        copay: Fen(money.copay_fen),
        commission_bp: money.commission_bp,
        commission: Fen(money.commission_fen),
        net: Fen(money.net_fen),
        paid: Fen(money.paid_fen),
        refunded: Fen(money.refunded_fen),
        cancellation_fee: Fen(money.cancellation_fee_fen),
        check_code: progress.check_code,
        code_failures: progress.code_failures,
        respond_by: progress.respond_by,
        lapsed: progress.lapsed,
        reason: progress.reason,
        accepted_at: progress.accepted_at,
        started_at: progress.started_at,
        completed_at: progress.completed_at,
        confirmed_at: money.confirmed_at,
        ended_at: progress.ended_at,
        settlement: money.settlement_id.map(SettlementId),
        created_at: row.created_at,
    })
}

fn with_subsidies(conn: &mut AnyConnection, rows: Vec<OrderRow>) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut all: Vec<(i64, i64, i64)> = Vec::new();
    let mut moneys: Vec<MoneyRow> = Vec::new();
    let mut progresses: Vec<ProgressRow> = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            paid_order_subsidies::table
                .filter(paid_order_subsidies::order_id.eq_any(chunk))
                .order((
                    paid_order_subsidies::order_id,
                    paid_order_subsidies::program_id,
                ))
                .select((
                    paid_order_subsidies::order_id,
                    paid_order_subsidies::program_id,
                    paid_order_subsidies::amount_fen,
                ))
                .load::<(i64, i64, i64)>(conn)?,
        );
        moneys.extend(
            paid_order_money::table
                .filter(paid_order_money::order_id.eq_any(chunk))
                .select(MoneyRow::as_select())
                .load(conn)?,
        );
        progresses.extend(
            paid_order_progress::table
                .filter(paid_order_progress::order_id.eq_any(chunk))
                .select(ProgressRow::as_select())
                .load(conn)?,
        );
    }
    rows.into_iter()
        .map(|row| {
            let subsidies = all
                .iter()
                .filter(|(o, _, _)| *o == row.id)
                .map(|(_, p, a)| (ProgramId(*p), Fen(*a)))
                .collect();
            let money = moneys
                .iter()
                .find(|m| m.order_id == row.id)
                .cloned()
                .ok_or_else(|| corrupt("order without split"))?;
            let progress = progresses
                .iter()
                .find(|p| p.order_id == row.id)
                .cloned()
                .ok_or_else(|| corrupt("order without progress"))?;
            order_of(row, money, progress, subsidies)
        })
        .collect()
}

/// One order.
pub fn order(conn: &mut AnyConnection, id: OrderId) -> Result<Option<Order>, StoreError> {
    let row = paid_orders::table
        .find(id.0)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_subsidies(conn, row.into_iter().collect())?.pop())
}

/// The order placed under a caller-scoped key.
pub fn order_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Order>, StoreError> {
    let row = paid_orders::table
        .filter(paid_orders::idempotency_key.eq(key))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_subsidies(conn, row.into_iter().collect())?.pop())
}

/// Whose orders to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderScope {
    /// A resident's (or those they placed as a proxy).
    Person(UserId),
    /// A provider's.
    Organization(OrganizationId),
    /// A community's.
    Community(AreaId),
}

/// Orders in `scope`, newest first.
pub fn orders_in(
    conn: &mut AnyConnection,
    scope: OrderScope,
    state: Option<OrderState>,
    limit: i64,
) -> Result<Vec<Order>, StoreError> {
    let mut query = paid_orders::table
        .select(OrderRow::as_select())
        .order(paid_orders::id.desc())
        .limit(limit)
        .into_boxed();
    query = match scope {
        OrderScope::Person(user) => query.filter(
            paid_orders::resident_id
                .eq(user.0)
                .or(paid_orders::placed_by.eq(user.0)),
        ),
        OrderScope::Organization(org) => query.filter(paid_orders::organization_id.eq(org.0)),
        OrderScope::Community(area) => query.filter(paid_orders::community_id.eq(area.0)),
    };
    if let Some(state) = state {
        query = query.filter(paid_orders::state.eq(state.as_str()));
    }
    let rows = query.load(conn)?;
    with_subsidies(conn, rows)
}

/// Moves an order from `from` to `to`; false when it was no longer in `from`.
pub fn move_state(
    conn: &mut AnyConnection,
    id: OrderId,
    from: OrderState,
    to: OrderState,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        paid_orders::table
            .filter(paid_orders::id.eq(id.0))
            .filter(paid_orders::state.eq(from.as_str())),
    )
    .set(paid_orders::state.eq(to.as_str()))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Progress columns a change sets; `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = paid_order_progress)]
pub struct ProgressChanges {
    /// Accepted.
    pub accepted_at: Option<NaiveDateTime>,
    /// Started.
    pub started_at: Option<NaiveDateTime>,
    /// Completed.
    pub completed_at: Option<NaiveDateTime>,
    /// Declined or cancelled.
    pub ended_at: Option<NaiveDateTime>,
    /// Why.
    pub reason: Option<String>,
    /// Lapsed.
    pub lapsed: Option<bool>,
    /// Code failures reset.
    pub code_failures: Option<i32>,
    /// When it changed.
    pub updated_at: Option<NaiveDateTime>,
}

/// Writes progress changes.
pub fn set_progress(
    conn: &mut AnyConnection,
    id: OrderId,
    changes: &ProgressChanges,
) -> Result<(), StoreError> {
    diesel::update(paid_order_progress::table.find(id.0))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// Money columns a change sets; `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = paid_order_money)]
pub struct MoneyChanges {
    /// Late-cancellation fee.
    pub cancellation_fee_fen: Option<i64>,
    /// The points transfer.
    pub points_transfer_id: Option<i64>,
    /// Confirmed.
    pub confirmed_at: Option<NaiveDateTime>,
}

/// Writes money changes.
pub fn set_money(
    conn: &mut AnyConnection,
    id: OrderId,
    changes: &MoneyChanges,
) -> Result<(), StoreError> {
    diesel::update(paid_order_money::table.find(id.0))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// Counts one more wrong code.
pub fn count_code_failure(conn: &mut AnyConnection, id: OrderId) -> Result<(), StoreError> {
    diesel::update(paid_order_progress::table.find(id.0))
        .set(paid_order_progress::code_failures.eq(paid_order_progress::code_failures + 1))
        .execute(conn)?;
    Ok(())
}

/// The points transfer of an order, if points paid part.
pub fn points_transfer(conn: &mut AnyConnection, id: OrderId) -> Result<Option<i64>, StoreError> {
    Ok(paid_order_money::table
        .find(id.0)
        .select(paid_order_money::points_transfer_id)
        .first::<Option<i64>>(conn)?)
}

/// Adds `amount` to the co-payment received, from `expected_paid` (so of two concurrent
/// payments computed from the same figure one wins); false when it moved meanwhile.
pub fn add_paid(
    conn: &mut AnyConnection,
    id: OrderId,
    expected_paid: Fen,
    amount: Fen,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        paid_order_money::table
            .filter(paid_order_money::order_id.eq(id.0))
            .filter(paid_order_money::paid_fen.eq(expected_paid.0)),
    )
    .set(paid_order_money::paid_fen.eq(paid_order_money::paid_fen + amount.0))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records a refund on the order: refunded grows by `amount` (never beyond the gross, and only
/// from `expected_refunded`, so two concurrent refunds cannot both pass), paid shrinks by the
/// cash given back. False when the order moved meanwhile.
pub fn add_refund(
    conn: &mut AnyConnection,
    id: OrderId,
    expected_refunded: Fen,
    amount: Fen,
    cash_back: Fen,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        paid_order_money::table
            .filter(paid_order_money::order_id.eq(id.0))
            .filter(paid_order_money::refunded_fen.eq(expected_refunded.0))
            .filter(paid_order_money::paid_fen.ge(cash_back.0)),
    )
    .set((
        paid_order_money::refunded_fen.eq(paid_order_money::refunded_fen + amount.0),
        paid_order_money::paid_fen.eq(paid_order_money::paid_fen - cash_back.0),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Placed orders whose answer deadline passed, oldest first (for the lapse job).
pub fn unanswered(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, StoreError> {
    let late = paid_order_progress::table
        .filter(paid_order_progress::respond_by.lt(now))
        .select(paid_order_progress::order_id);
    Ok(paid_orders::table
        .filter(paid_orders::state.eq(OrderState::Placed.as_str()))
        .filter(paid_orders::id.eq_any(late))
        .select(paid_orders::id)
        .order(paid_orders::id)
        .limit(limit)
        .load::<i64>(conn)?
        .into_iter()
        .map(OrderId)
        .collect())
}

/// Completed orders nobody confirmed or disputed since `before` (for auto-confirmation).
pub fn unconfirmed(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, StoreError> {
    let old = paid_order_progress::table
        .filter(paid_order_progress::completed_at.lt(before))
        .select(paid_order_progress::order_id);
    Ok(paid_orders::table
        .filter(paid_orders::state.eq(OrderState::Completed.as_str()))
        .filter(paid_orders::id.eq_any(old))
        .select(paid_orders::id)
        .order(paid_orders::id)
        .limit(limit)
        .load::<i64>(conn)?
        .into_iter()
        .map(OrderId)
        .collect())
}
