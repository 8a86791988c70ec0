//! Changes to stored orders: every state change is guarded by the state it leaves, and money
//! counters by the figure they were computed from, so of two concurrent changes one wins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::order_rows::{OrderRow, with_subsidies};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::OrganizationId;
use crate::paid::money::Fen;
use crate::paid::states::OrderState;
use crate::paid::{Order, OrderId};
use crate::schema::{paid_order_money, paid_order_progress, paid_orders};

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
    /// Commission on that fee.
    pub cancellation_commission_fen: Option<i64>,
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

/// Which overdue orders a job looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    /// Placed orders whose answer deadline passed before the instant (the lapse job).
    Unanswered,
    /// Completed orders nobody confirmed or disputed, completed before the instant
    /// (auto-confirmation).
    Unconfirmed,
}

/// Overdue orders of one kind, oldest first, at most `limit`.
pub fn overdue(
    conn: &mut AnyConnection,
    which: Overdue,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, StoreError> {
    let state = match which {
        Overdue::Unanswered => OrderState::Placed,
        Overdue::Unconfirmed => OrderState::Completed,
    };
    let query = paid_orders::table
        .inner_join(paid_order_progress::table)
        .filter(paid_orders::state.eq(state.as_str()))
        .select(paid_orders::id)
        .order(paid_orders::id)
        .limit(limit)
        .into_boxed();
    let query = match which {
        Overdue::Unanswered => query.filter(paid_order_progress::respond_by.lt(before)),
        Overdue::Unconfirmed => query.filter(paid_order_progress::completed_at.lt(before)),
    };
    Ok(query.load::<i64>(conn)?.into_iter().map(OrderId).collect())
}
