//! The order's life after booking: the provider answers (or lets it lapse), starts and
//! completes with the resident's code, the resident confirms or disputes (or the job confirms
//! after 72 hours), and either side cancels before the start. Every step is a guarded state
//! change from the transition table; ending an order unanswered or cancelled gives back the
//! reserved subsidy and the points, and confirming it posts the money. Cancellation and the
//! jobs' work are in [`ending`].

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::books::{self, MoneyOwner, Movement};
use super::offerings::{ProviderActor, check_provider};
use super::orders::{OrderError, publish};
use super::settlement::entries::{self, NewEntry};
use super::settlement::{LineKind, Totals};
use super::states::{Action, OrderState, apply};
use super::store::{self, MoneyChanges, ProgressChanges};
use super::{Order, OrderId};
use crate::access::Principal;
use crate::api_keys::Scope;
use crate::db::{self, AnyConnection, Db};
use crate::ledger::TransferId;
use crate::organizations::MemberRole;
use crate::webhooks::Event;

/// Wrong codes an order accepts before only staff could help (as for volunteer tasks).
pub const MAX_CODE_FAILURES: i32 = 5;

/// How long a completed order waits for the resident before the job confirms it.
pub const AUTO_CONFIRM_AFTER: TimeDelta = TimeDelta::hours(72);

pub(super) fn load(conn: &mut AnyConnection, id: OrderId) -> Result<Order, OrderError> {
    store::order(conn, id)?.ok_or(OrderError::NotFound)
}

/// Moves the order by `action`, guarded by the state it leaves; the loser of a race learns the
/// state the winner left.
pub(super) fn step(
    conn: &mut AnyConnection,
    order: &Order,
    action: Action,
) -> Result<OrderState, OrderError> {
    let to = apply(order.state, action)?;
    if !store::move_state(conn, order.id, order.state, to)? {
        let now_in = load(conn, order.id)?.state;
        return Err(super::states::WrongState(now_in).into());
    }
    Ok(to)
}

/// Gives back what a placed or accepted order reserved: each programme's budget and the
/// resident's monthly room, and the points (reversed in the points ledger).
pub(super) fn release(
    conn: &mut AnyConnection,
    order: &Order,
    now: NaiveDateTime,
) -> Result<(), OrderError> {
    let month = store::subsidy_month(conn, order.id)?;
    for (program, amount) in &order.subsidies {
        store::release_budget(conn, *program, *amount)?;
        if let Some(month) = &month {
            store::release_monthly(conn, *program, order.resident, month, *amount)?;
        }
    }
    if let Some(transfer) = store::points_transfer(conn, order.id)? {
        crate::ledger::store::reverse(
            conn,
            now,
            TransferId(transfer),
            format!("paid_order:{}:points:back", order.id.0),
            None,
            "paid service order ended before delivery".into(),
        )?;
    }
    Ok(())
}

/// Records that an order ended undelivered (declined, lapsed or cancelled) and why.
pub(super) fn mark_ended(
    conn: &mut AnyConnection,
    id: OrderId,
    reason: Option<String>,
    lapsed: bool,
    now: NaiveDateTime,
) -> Result<(), OrderError> {
    store::set_progress(
        conn,
        id,
        &ProgressChanges {
            ended_at: Some(now),
            reason,
            lapsed: lapsed.then_some(true),
            updated_at: Some(now),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Posts a confirmed order's money: each subsidy from its programme, the points value from
/// clearing (the community funds it), the co-payment owed by the resident, all to the
/// provider; then the commission from the provider to the platform.
pub fn post_confirmed(
    conn: &mut AnyConnection,
    order: &Order,
    now: NaiveDateTime,
) -> Result<(), OrderError> {
    let provider = MoneyOwner::Provider(order.organization);
    let id = order.id.0;
    let mut movements: Vec<Movement> = order
        .subsidies
        .iter()
        .map(|(program, amount)| Movement {
            key: format!("order:{id}:subsidy:{}", program.0),
            from: MoneyOwner::Programme(*program),
            to: provider,
            amount: *amount,
            cause_type: "order",
            cause_id: id.to_string(),
            memo: "subsidy".into(),
        })
        .collect();
    for (suffix, from, to, amount) in [
        ("points", MoneyOwner::Clearing, provider, order.points_value),
        (
            "copay",
            MoneyOwner::Resident(order.resident),
            provider,
            order.copay,
        ),
        (
            "commission",
            provider,
            MoneyOwner::Commission,
            order.commission,
        ),
    ] {
        movements.push(Movement {
            key: format!("order:{id}:{suffix}"),
            from,
            to,
            amount,
            cause_type: "order",
            cause_id: id.to_string(),
            memo: suffix.into(),
        });
    }
    for movement in &movements {
        books::post(conn, now, movement)?;
    }
    store::set_money(
        conn,
        order.id,
        &MoneyChanges {
            confirmed_at: Some(now),
            ..Default::default()
        },
    )?;
    // Settleable from now on: the order takes its number in the provider's sequence last, so
    // the provider's counter row is held only until this transaction commits.
    entries::record(
        conn,
        order.organization,
        &NewEntry {
            kind: LineKind::Order,
            order_id: id,
            refund_id: None,
            totals: Totals {
                gross: order.gross,
                subsidy: order.subsidy,
                points: order.points_value,
                copay: order.copay,
                commission: order.commission,
                net: order.net,
            },
            at: now,
        },
    )?;
    Ok(())
}

/// The provider accepts or declines a placed order. Declining gives back the subsidy and
/// points, and tells the resident (and the proxy who booked) how many other providers could
/// serve them instead.
pub async fn respond_order(
    db: &Db,
    actor: ProviderActor,
    id: OrderId,
    accept: bool,
    reason: Option<String>,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Order, OrderError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = load(conn, id)?;
            check_provider(
                conn,
                &actor,
                order.organization,
                &[MemberRole::Admin, MemberRole::Leader],
                Scope::OrdersWrite,
            )?;
            if accept {
                step(conn, &order, Action::Accept)?;
                store::set_progress(
                    conn,
                    id,
                    &ProgressChanges {
                        accepted_at: Some(now),
                        updated_at: Some(now),
                        ..Default::default()
                    },
                )?;
            } else {
                step(conn, &order, Action::Decline)?;
                release(conn, &order, now)?;
                mark_ended(conn, id, reason.clone(), false, now)?;
                let declined = load(conn, id)?;
                super::alternatives::tell_declined(conn, &declined, zone, now)?;
                return Ok(declined);
            }
            load(conn, id)
        })
    })
    .await
}

/// Start or completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The service begins.
    Start,
    /// The service ends.
    Complete,
}

enum Checked {
    Done(Box<Order>),
    WrongCode(i32),
}

/// The provider starts or completes an order with the resident's 4-digit code. A wrong code
/// counts (kept though the step is refused); after [`MAX_CODE_FAILURES`] the order answers
/// "too many attempts".
pub async fn record_milestone(
    db: &Db,
    actor: ProviderActor,
    id: OrderId,
    milestone: Milestone,
    code: String,
    now: NaiveDateTime,
) -> Result<Order, OrderError> {
    let outcome = db
        .run(move |conn| {
            db::write(conn, |conn| {
                let order = load(conn, id)?;
                check_provider(
                    conn,
                    &actor,
                    order.organization,
                    &[MemberRole::Admin, MemberRole::Leader, MemberRole::Member],
                    Scope::OrdersWrite,
                )?;
                let action = match milestone {
                    Milestone::Start => Action::Start,
                    Milestone::Complete => Action::Complete,
                };
                apply(order.state, action)?;
                if order.code_failures >= MAX_CODE_FAILURES {
                    return Err(OrderError::TooManyAttempts);
                }
                if !crate::needs::rules::codes_match(&code, &order.check_code) {
                    store::count_code_failure(conn, id)?;
                    return Ok(Checked::WrongCode(
                        MAX_CODE_FAILURES - order.code_failures - 1,
                    ));
                }
                step(conn, &order, action)?;
                let changes = match milestone {
                    Milestone::Start => ProgressChanges {
                        started_at: Some(now),
                        code_failures: Some(0),
                        updated_at: Some(now),
                        ..Default::default()
                    },
                    Milestone::Complete => ProgressChanges {
                        completed_at: Some(now),
                        code_failures: Some(0),
                        updated_at: Some(now),
                        ..Default::default()
                    },
                };
                store::set_progress(conn, id, &changes)?;
                let done = load(conn, id)?;
                if milestone == Milestone::Complete {
                    publish(conn, now, done.organization, Event::OrderCompleted, &done)?;
                }
                Ok(Checked::Done(Box::new(done)))
            })
        })
        .await?;
    match outcome {
        Checked::Done(order) => Ok(*order),
        Checked::WrongCode(left) => Err(OrderError::WrongCode { left }),
    }
}

/// True when the principal is the order's resident or the proxy who placed it.
pub(super) fn is_own(principal: &Principal, order: &Order) -> bool {
    order.resident == principal.user.id || order.placed_by == principal.user.id
}

/// The resident (or their proxy) confirms a completed order — the money moves — or disputes
/// it with a reason.
pub async fn confirm_order(
    db: &Db,
    principal: Principal,
    id: OrderId,
    dispute: Option<String>,
    now: NaiveDateTime,
) -> Result<Order, OrderError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = load(conn, id)?;
            if !is_own(&principal, &order) {
                return Err(OrderError::NotFound);
            }
            match &dispute {
                Some(reason) => {
                    step(conn, &order, Action::Dispute)?;
                    store::set_progress(
                        conn,
                        id,
                        &ProgressChanges {
                            reason: Some(reason.clone()),
                            updated_at: Some(now),
                            ..Default::default()
                        },
                    )?;
                }
                None => {
                    step(conn, &order, Action::Confirm)?;
                    post_confirmed(conn, &order, now)?;
                }
            }
            load(conn, id)
        })
    })
    .await
}

mod ending;

pub use ending::*;
