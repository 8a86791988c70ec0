//! How orders end besides confirmation: cancellation (free before acceptance, the offering's
//! fee after it within the notice hours, with the commission on the fee), and the jobs that
//! lapse unanswered orders and confirm completed ones nobody confirmed.

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::{AUTO_CONFIRM_AFTER, is_own, load, mark_ended, post_confirmed, release, step};
use crate::access::Principal;
use crate::areas;
use crate::db::{self, Db};
use crate::paid::books::{self, MoneyOwner, Movement};
use crate::paid::money::{Fen, share};
use crate::paid::orders::{OrderError, publish};
use crate::paid::settlement::entries::{self, NewEntry};
use crate::paid::settlement::{LineKind, Totals};
use crate::paid::states::{Action, OrderState};
use crate::paid::store::{self, MoneyChanges, Overdue};
use crate::paid::{Order, OrderId};
use crate::webhooks::Event;

/// Cancels an order: the resident (or proxy) or staff over the community, free before the
/// provider accepts; after acceptance and within the offering's notice hours of the start the
/// provider's fee is owed. The subsidy and points come back either way.
pub async fn cancel_order(
    db: &Db,
    principal: Principal,
    id: OrderId,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<Order, OrderError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = load(conn, id)?;
            let area = areas::store::get(conn, order.community)?.ok_or(OrderError::NotFound)?;
            if !(is_own(&principal, &order) || principal.is_staff_over(&area.path)) {
                return Err(OrderError::NotFound);
            }
            let was = order.state;
            step(conn, &order, Action::Cancel)?;
            release(conn, &order, now)?;
            let offering = store::offering(conn, order.offering)?.ok_or(OrderError::NotFound)?;
            let late = now + TimeDelta::hours(i64::from(offering.cancellation_notice_hours))
                > order.window_start;
            let fee = if was == OrderState::Accepted && late {
                share(
                    order.gross,
                    i64::from(offering.cancellation_fee_percent) * 100,
                )
                .0
            } else {
                Fen::ZERO
            };
            // The fee is the provider's revenue: the contract's commission (the order's
            // snapshotted rate) is taken on it as on any gross, and both settle as one line.
            let commission = share(fee, i64::from(order.commission_bp)).0;
            let provider = MoneyOwner::Provider(order.organization);
            for (suffix, from, to, amount) in [
                ("fee", MoneyOwner::Resident(order.resident), provider, fee),
                (
                    "fee:commission",
                    provider,
                    MoneyOwner::Commission,
                    commission,
                ),
            ] {
                books::post(
                    conn,
                    now,
                    &Movement {
                        key: format!("order:{}:{suffix}", id.0),
                        from,
                        to,
                        amount,
                        cause_type: "order",
                        cause_id: id.0.to_string(),
                        memo: format!("late cancellation {suffix}"),
                    },
                )?;
            }
            store::set_money(
                conn,
                id,
                &MoneyChanges {
                    cancellation_fee_fen: Some(fee.0),
                    cancellation_commission_fen: Some(commission.0),
                    ..Default::default()
                },
            )?;
            mark_ended(conn, id, reason.clone(), false, now)?;
            if fee.0 > 0 {
                // The fee is settleable from now on, as a line of its own.
                entries::record(
                    conn,
                    order.organization,
                    &NewEntry {
                        kind: LineKind::CancellationFee,
                        order_id: id.0,
                        refund_id: None,
                        totals: Totals {
                            gross: fee,
                            subsidy: Fen::ZERO,
                            points: Fen::ZERO,
                            copay: fee,
                            commission,
                            net: Fen(-commission.0),
                        },
                        at: now,
                    },
                )?;
            }
            let done = load(conn, id)?;
            publish(conn, now, done.organization, Event::OrderCancelled, &done)?;
            Ok(done)
        })
    })
    .await
}

/// For the job: declines every placed order whose answer deadline passed, giving back the
/// subsidy and points, and tells the resident (and the proxy who booked) how many other
/// providers could serve them instead. Returns the orders lapsed.
pub async fn lapse_unanswered(
    db: &Db,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Vec<Order>, OrderError> {
    let due = db
        .run(move |conn| {
            store::overdue(conn, Overdue::Unanswered, now, 500).map_err(OrderError::from)
        })
        .await?;
    let mut lapsed = Vec::new();
    for id in due {
        let outcome = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let order = load(conn, id)?;
                    step(conn, &order, Action::Lapse)?;
                    release(conn, &order, now)?;
                    mark_ended(conn, id, Some("lapsed".into()), true, now)?;
                    let lapsed = load(conn, id)?;
                    crate::paid::alternatives::tell_declined(conn, &lapsed, zone, now)?;
                    Ok(lapsed)
                })
            })
            .await;
        match outcome {
            Ok(order) => lapsed.push(order),
            // Answered meanwhile: nothing to do.
            Err(OrderError::WrongState(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(lapsed)
}

/// For the job: confirms completed orders nobody confirmed or disputed within
/// [`AUTO_CONFIRM_AFTER`]; the money moves as if the resident confirmed.
pub async fn auto_confirm(db: &Db, now: NaiveDateTime) -> Result<usize, OrderError> {
    let before = now - AUTO_CONFIRM_AFTER;
    let due = db
        .run(move |conn| {
            store::overdue(conn, Overdue::Unconfirmed, before, 500).map_err(OrderError::from)
        })
        .await?;
    let mut confirmed = 0;
    for id in due {
        let outcome = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let order = load(conn, id)?;
                    step(conn, &order, Action::AutoConfirm)?;
                    post_confirmed(conn, &order, now)
                })
            })
            .await;
        match outcome {
            Ok(()) => confirmed += 1,
            Err(OrderError::WrongState(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(confirmed)
}
