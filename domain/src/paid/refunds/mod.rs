//! Payments and refunds. Co-payments are recorded through a [`PaymentGateway`] — the first is
//! offline: the provider or staff records cash or a transfer received, with a reference. A
//! refund of a confirmed order gives each funder its part back as new entries: subsidy to its
//! programme (and budget), points to the resident, the co-payment no longer owed (and any cash
//! the provider returns), the commission on what was refunded back to the provider.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::books::{self, MoneyOwner, Movement};
use super::money::Fen;
use super::orders::OrderError;
use super::settlement::entries::{self, NewEntry};
use super::settlement::{LineKind, Totals};
use super::split::{Refundable, refund_split};
use super::states::OrderState;
use super::store;
use super::{Order, OrderId, ProgramId};
use crate::accounts::UserId;
use crate::db::{self, AnyConnection, Db};
use crate::ledger::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferId, TransferKind,
};
use crate::schema::{paid_refund_subsidies, paid_refunds};

mod payments;

pub use payments::*;
use payments::{check_recorder, copay_refunded};

/// A recorded refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Its id.
    pub id: i64,
    /// The parts.
    pub split: super::split::RefundSplit,
    /// Cash the provider gave back to the resident.
    pub cash_back: Fen,
}

fn refundable(conn: &mut AnyConnection, order: &Order) -> Result<Refundable, OrderError> {
    let refunds: Vec<(i64, i64)> = paid_refunds::table
        .filter(paid_refunds::order_id.eq(order.id.0))
        .select((paid_refunds::id, paid_refunds::points))
        .load(conn)?;
    let ids: Vec<i64> = refunds.iter().map(|(id, _)| *id).collect();
    let back: Vec<(i64, i64)> = paid_refund_subsidies::table
        .filter(paid_refund_subsidies::refund_id.eq_any(&ids))
        .select((
            paid_refund_subsidies::program_id,
            paid_refund_subsidies::amount_fen,
        ))
        .load(conn)?;
    let fen_per_point = if order.points > 0 {
        order.points_value.0 / order.points
    } else {
        1
    };
    Ok(Refundable {
        subsidies: order
            .subsidies
            .iter()
            .map(|(p, f)| {
                (
                    *p,
                    Fen(f.0
                        - back
                            .iter()
                            .filter(|(q, _)| *q == p.0)
                            .map(|(_, a)| a)
                            .sum::<i64>()),
                )
            })
            .collect(),
        points: order.points - refunds.iter().map(|(_, p)| p).sum::<i64>(),
        fen_per_point,
        copay: Fen(order.copay.0 - copay_refunded(conn, order.id)?.0),
        gross: order.gross,
        refunded: order.refunded,
        commission_bp: i64::from(order.commission_bp),
    })
}

/// Refunds part or all of a confirmed order (never more than is left) — see the module.
pub async fn refund_order(
    db: &Db,
    recorder: Recorder,
    id: OrderId,
    amount: Fen,
    reason: String,
    key: String,
    now: NaiveDateTime,
) -> Result<(Order, Refund, bool), OrderError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
            let by = check_recorder(conn, &recorder, &order)?;
            refund_in(conn, &order, by, amount, &reason, &key, now)
        })
    })
    .await
}

/// Refunds `amount` of a confirmed order inside the caller's transaction (see
/// [`refund_order`]); the key names the refund, so a retry finds it (false: found).
pub fn refund_in(
    conn: &mut AnyConnection,
    order: &Order,
    by: Option<UserId>,
    amount: Fen,
    reason: &str,
    key: &str,
    now: NaiveDateTime,
) -> Result<(Order, Refund, bool), OrderError> {
    let id = order.id;
    let found: Option<(i64, i64, i64)> = paid_refunds::table
        .filter(paid_refunds::idempotency_key.eq(key))
        .select((
            paid_refunds::id,
            paid_refunds::order_id,
            paid_refunds::amount_fen,
        ))
        .first(conn)
        .optional()?;
    if let Some((refund, order_id, stored)) = found {
        if (order_id, stored) != (id.0, amount.0) {
            return Err(OrderError::KeyReused);
        }
        return Ok((order.clone(), stored_refund(conn, refund)?, false));
    }
    if order.state != OrderState::Confirmed {
        return Err(super::states::WrongState(order.state).into());
    }
    let left = refundable(conn, order)?;
    let parts = refund_split(&left, amount)?;
    let copay_after = Fen(left.copay.0 - parts.copay.0);
    let cash_back = Fen((order.paid.0 - copay_after.0).max(0));
    if !store::add_refund(conn, id, order.refunded, amount, cash_back)? {
        return Err(OrderError::Contended);
    }
    let refund: i64 = diesel::insert_into(paid_refunds::table)
        .values((
            paid_refunds::order_id.eq(id.0),
            paid_refunds::organization_id.eq(order.organization.0),
            paid_refunds::amount_fen.eq(amount.0),
            paid_refunds::subsidy_fen.eq(parts.subsidy.0),
            paid_refunds::points.eq(parts.points),
            paid_refunds::points_fen.eq(parts.points_value.0),
            paid_refunds::copay_fen.eq(parts.copay.0),
            paid_refunds::commission_fen.eq(parts.commission.0),
            paid_refunds::cash_back_fen.eq(cash_back.0),
            paid_refunds::reason.eq(reason.trim()),
            paid_refunds::recorded_by.eq(by.map(|u| u.0)),
            paid_refunds::idempotency_key.eq(key),
            paid_refunds::created_at.eq(now),
        ))
        .returning(paid_refunds::id)
        .get_result(conn)?;
    let month = store::subsidy_month(conn, id)?;
    let provider = MoneyOwner::Provider(order.organization);
    let mut movements = Vec::new();
    for (program, back) in &parts.subsidies {
        diesel::insert_into(paid_refund_subsidies::table)
            .values((
                paid_refund_subsidies::refund_id.eq(refund),
                paid_refund_subsidies::program_id.eq(program.0),
                paid_refund_subsidies::amount_fen.eq(back.0),
            ))
            .execute(conn)?;
        store::release_budget(conn, *program, *back)?;
        if let Some(month) = &month {
            store::release_monthly(conn, *program, order.resident, month, *back)?;
        }
        movements.push((
            format!("subsidy:{}", program.0),
            provider,
            MoneyOwner::Programme(*program),
            *back,
        ));
    }
    movements.push((
        "points".into(),
        provider,
        MoneyOwner::Clearing,
        parts.points_value,
    ));
    movements.push((
        "copay".into(),
        provider,
        MoneyOwner::Resident(order.resident),
        parts.copay,
    ));
    movements.push((
        "commission".into(),
        MoneyOwner::Commission,
        provider,
        parts.commission,
    ));
    movements.push((
        "cash_back".into(),
        MoneyOwner::Resident(order.resident),
        provider,
        cash_back,
    ));
    for (suffix, from, to, amount) in movements {
        books::post(
            conn,
            now,
            &Movement {
                key: format!("refund:{refund}:{suffix}"),
                from,
                to,
                amount,
                cause_type: "refund",
                cause_id: refund.to_string(),
                memo: format!("refund {suffix}"),
            },
        )?;
    }
    give_points_back(conn, order, refund, parts.points, left.points, now)?;
    // Settleable from now on, in the provider's next batch, with the amounts negative.
    let gross = Fen(-amount.0);
    let (copay, commission) = (Fen(-parts.copay.0), Fen(-parts.commission.0));
    entries::record(
        conn,
        order.organization,
        &NewEntry {
            kind: LineKind::Refund,
            order_id: id.0,
            refund_id: Some(refund),
            totals: Totals {
                gross,
                subsidy: Fen(-parts.subsidy.0),
                points: Fen(-parts.points_value.0),
                copay,
                commission,
                net: Fen(gross.0 - copay.0 - commission.0),
            },
            at: now,
        },
    )?;
    let split = parts.clone();
    Ok((
        store::order(conn, id)?.ok_or(OrderError::NotFound)?,
        Refund {
            id: refund,
            split,
            cash_back,
        },
        true,
    ))
}

fn give_points_back(
    conn: &mut AnyConnection,
    order: &Order,
    refund: i64,
    points: i64,
    points_left: i64,
    now: NaiveDateTime,
) -> Result<(), OrderError> {
    if points == 0 {
        return Ok(());
    }
    let transfer = store::points_transfer(conn, order.id)?;
    match transfer {
        Some(transfer) if points == order.points && points_left == order.points => {
            crate::ledger::store::reverse(
                conn,
                now,
                TransferId(transfer),
                format!("paid_refund:{refund}:points"),
                None,
                "paid service refunded".into(),
            )?;
        }
        _ => {
            let sink = crate::ledger::store::account_for(
                conn,
                AccountOwner::System {
                    community: order.community,
                    kind: AccountKind::Redemption,
                },
                now,
            )?;
            let person =
                crate::ledger::store::account_for(conn, AccountOwner::Person(order.resident), now)?;
            crate::ledger::store::post(
                conn,
                now,
                &NewTransfer {
                    idempotency_key: format!("paid_refund:{refund}:points"),
                    kind: TransferKind::Transfer,
                    debit: sink.id,
                    credit: person.id,
                    amount: Points(points),
                    cause: Cause::new("paid_refund", refund),
                    actor: None,
                    memo: "paid service partly refunded".into(),
                },
            )?;
        }
    }
    Ok(())
}

fn stored_refund(conn: &mut AnyConnection, id: i64) -> Result<Refund, OrderError> {
    let (amount, subsidy, points, points_fen, copay, commission, cash_back): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = paid_refunds::table
        .find(id)
        .select((
            paid_refunds::amount_fen,
            paid_refunds::subsidy_fen,
            paid_refunds::points,
            paid_refunds::points_fen,
            paid_refunds::copay_fen,
            paid_refunds::commission_fen,
            paid_refunds::cash_back_fen,
        ))
        .first(conn)?;
    let subsidies: Vec<(i64, i64)> = paid_refund_subsidies::table
        .filter(paid_refund_subsidies::refund_id.eq(id))
        .select((
            paid_refund_subsidies::program_id,
            paid_refund_subsidies::amount_fen,
        ))
        .load(conn)?;
    Ok(Refund {
        id,
        split: super::split::RefundSplit {
            amount: Fen(amount),
            subsidies: subsidies
                .into_iter()
                .map(|(p, a)| (ProgramId(p), Fen(a)))
                .collect(),
            subsidy: Fen(subsidy),
            points,
            points_value: Fen(points_fen),
            copay: Fen(copay),
            commission: Fen(commission),
        },
        cash_back: Fen(cash_back),
    })
}
