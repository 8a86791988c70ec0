//! Placing an order in one write transaction: reserve each programme's subsidy by guarded
//! statements, store the order with its snapshot, move the points, tell the provider.

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::{OrderError, OrderRequest, prepare};
use crate::access::Principal;
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::ledger::{AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferKind};
use crate::organizations::OrganizationId;
use crate::paid::Order;
use crate::paid::states::OrderState;
use crate::paid::store::{self, MoneyRow, NewOrderRow, ProgressRow};
use crate::webhooks::Event;

/// A placed order, new or found by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Placed now.
    New(Order),
    /// Placed before with this key; nothing moved this time.
    Replayed(Order),
}

/// Books an order (see the module). `key` is the caller's idempotency key.
pub async fn create_order(
    db: &Db,
    principal: Principal,
    request: OrderRequest,
    key: String,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Placed, OrderError> {
    let scoped = format!("user:{}:{key}", principal.user.id.0);
    for _ in 0..8 {
        let (p, r, k) = (principal.clone(), request.clone(), scoped.clone());
        let outcome = db
            .run(move |conn| db::write(conn, |conn| place(conn, &p, &r, &k, zone, now)))
            .await;
        match outcome {
            Err(OrderError::Contended) => continue,
            other => return other,
        }
    }
    Err(OrderError::Contended)
}

fn place(
    conn: &mut AnyConnection,
    principal: &Principal,
    request: &OrderRequest,
    key: &str,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Placed, OrderError> {
    if let Some(found) = store::order_by_key(conn, key)? {
        let same = found.offering == request.offering
            && found.resident == request.person.unwrap_or(principal.user.id)
            && found.quantity == request.quantity
            && found.window_start == request.window_start
            && found.points == request.points;
        return if same {
            Ok(Placed::Replayed(found))
        } else {
            Err(OrderError::KeyReused)
        };
    }
    let quote = prepare(conn, principal, request, zone, now)?;
    let s = &quote.split;
    for (program, amount) in &s.subsidies {
        let cap = store::programme(conn, *program)?
            .ok_or(OrderError::NotFound)?
            .monthly_cap;
        if !store::reserve_budget(conn, *program, *amount)?
            || !store::use_monthly(conn, *program, quote.person, &quote.month, *amount, cap)?
        {
            return Err(OrderError::Contended);
        }
    }
    let code = crate::needs::rules::check_code_from(rand::random::<u32>());
    let id = store::insert_order(
        conn,
        &NewOrderRow {
            offering_id: quote.offering.id.0,
            organization_id: quote.offering.organization.0,
            category_id: quote.offering.category,
            resident_id: quote.person.0,
            placed_by: principal.user.id.0,
            community_id: quote.community.0,
            need_id: request.need,
            quantity: request.quantity,
            unit: quote.offering.unit.as_str(),
            unit_price_fen: quote.offering.unit_price.0,
            window_start: request.window_start,
            window_end: request.window_end,
            state: OrderState::Placed.as_str(),
            idempotency_key: key.to_owned(),
            created_at: now,
        },
        &MoneyRow {
            order_id: 0,
            gross_fen: s.gross.0,
            subsidy_fen: s.subsidy.0,
            points: s.points,
            points_fen: s.points_value.0,
            copay_fen: s.copay.0,
            commission_bp: i32::try_from(s.commission_bp).unwrap_or(0),
            commission_fen: s.commission.0,
            net_fen: s.net.0,
            paid_fen: 0,
            refunded_fen: 0,
            cancellation_fee_fen: 0,
            points_transfer_id: None,
            confirmed_at: None,
            cancellation_commission_fen: 0,
        },
        &ProgressRow {
            order_id: 0,
            check_code: code,
            code_failures: 0,
            respond_by: now + TimeDelta::minutes(i64::from(quote.offering.response_minutes)),
            lapsed: false,
            reason: None,
            accepted_at: None,
            started_at: None,
            completed_at: None,
            ended_at: None,
            updated_at: now,
        },
        &s.subsidies,
        &quote.month,
    )?;
    if s.points > 0 {
        let person =
            crate::ledger::store::account_for(conn, AccountOwner::Person(quote.person), now)?;
        let sink = crate::ledger::store::account_for(
            conn,
            AccountOwner::System {
                community: quote.community,
                kind: AccountKind::Redemption,
            },
            now,
        )?;
        let posted = crate::ledger::store::post(
            conn,
            now,
            &NewTransfer {
                idempotency_key: format!("paid_order:{}:points", id.0),
                kind: TransferKind::Transfer,
                debit: person.id,
                credit: sink.id,
                amount: Points(s.points),
                cause: Cause::new("paid_order", id.0),
                actor: Some(principal.user.id),
                memo: "paid service part-payment".into(),
            },
        )?;
        store::set_money(
            conn,
            id,
            &store::MoneyChanges {
                points_transfer_id: Some(posted.transfer().id.0),
                ..Default::default()
            },
        )?;
    }
    let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
    publish(conn, now, order.organization, Event::OrderPlaced, &order)?;
    Ok(Placed::New(order))
}

/// Publishes an order event to the provider's webhooks, inside the change's transaction.
pub fn publish(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    org: OrganizationId,
    event: Event,
    order: &Order,
) -> Result<(), StoreError> {
    crate::webhooks::usecases::publish(
        conn,
        now,
        org,
        event,
        serde_json::json!({
            "order_id": order.id.0,
            "offering_id": order.offering.0,
            "state": order.state.as_str(),
            "quantity": order.quantity,
            "window_start": order.window_start.and_utc().to_rfc3339(),
            "window_end": order.window_end.and_utc().to_rfc3339(),
            "gross": order.gross.to_string(),
            "net": order.net.to_string(),
        }),
    )?;
    Ok(())
}
