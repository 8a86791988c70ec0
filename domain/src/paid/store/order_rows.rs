//! An order as stored: its row, its split and its progress (three tables, one row each per
//! order) and the subsidies of each programme, written together and read back as one
//! [`Order`].

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
pub(super) struct OrderRow {
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
    /// When confirmed.
    pub confirmed_at: Option<NaiveDateTime>,
    /// Commission on the late-cancellation fee.
    pub cancellation_commission_fen: i64,
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
    settlement: Option<i64>,
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
        cancellation_commission: Fen(money.cancellation_commission_fen),
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
        settlement: settlement.map(SettlementId),
        created_at: row.created_at,
    })
}

pub(super) fn with_subsidies(
    conn: &mut AnyConnection,
    rows: Vec<OrderRow>,
) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut all: Vec<(i64, i64, i64)> = Vec::new();
    let mut moneys: Vec<MoneyRow> = Vec::new();
    let mut progresses: Vec<ProgressRow> = Vec::new();
    let settled = crate::paid::settlement::entries::batches_of_orders(conn, &ids)?;
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
            let settlement = settled.iter().find(|s| s.0 == row.id).map(|s| s.1);
            order_of(row, money, progress, subsidies, settlement)
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
