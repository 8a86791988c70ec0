//! Drafting batches: [`settle`] gathers one provider's period set-based inside the caller's
//! transaction; [`settle_due`] (the job) drafts each provider's last complete period by its
//! contract, weekly or monthly; [`draft_settlement`] lets a street admin draft one now.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::{Settlement, SettlementError, SettlementState, Totals, settlement};
use crate::access::Principal;
use crate::db::{self, AnyConnection, Db, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::paid::SettlementId;
use crate::paid::money::Fen;
use crate::paid::states::OrderState;
use crate::paid::terms::{DEFAULT_CONTRACT, may_review};
use crate::schema::{
    paid_order_money, paid_order_progress, paid_orders, paid_refunds, paid_settlements,
};
use crate::webhooks::Event;

/// Drafts the batch of `org` for `[start, end)` inside the caller's transaction: none when a
/// batch for that period exists already (it is returned) or nothing is due. The batch claims
/// what is due by guarded statements — confirmed orders, then late-cancellation fees, then
/// refunds, each `SET settlement_id = batch WHERE settlement_id IS NULL` — so a row is settled
/// by exactly one batch; its lines are the rows it claimed and its totals their sums.
pub fn settle(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<Settlement>, SettlementError> {
    let existing: Option<i64> = paid_settlements::table
        .filter(paid_settlements::organization_id.eq(org.0))
        .filter(paid_settlements::period_start.eq(start))
        .select(paid_settlements::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(settlement(conn, SettlementId(id))?);
    }
    let providers_orders = || {
        paid_orders::table
            .filter(paid_orders::organization_id.eq(org.0))
            .select(paid_orders::id)
    };
    let ended = || {
        paid_order_progress::table
            .filter(paid_order_progress::ended_at.lt(end))
            .select(paid_order_progress::order_id)
    };
    let cancelled_late = || {
        paid_orders::table
            .filter(paid_orders::organization_id.eq(org.0))
            .filter(paid_orders::state.eq(OrderState::Cancelled.as_str()))
            .filter(paid_orders::id.eq_any(ended()))
            .select(paid_orders::id)
    };
    let orders_due = || {
        paid_order_money::table
            .filter(paid_order_money::settlement_id.is_null())
            .filter(paid_order_money::confirmed_at.lt(end))
            .filter(paid_order_money::order_id.eq_any(providers_orders()))
    };
    let fees_due = || {
        paid_order_money::table
            .filter(paid_order_money::settlement_id.is_null())
            .filter(paid_order_money::cancellation_fee_fen.gt(0))
            .filter(paid_order_money::order_id.eq_any(cancelled_late()))
    };
    let refunds_due = || {
        paid_refunds::table
            .filter(paid_refunds::organization_id.eq(org.0))
            .filter(paid_refunds::settlement_id.is_null())
            .filter(paid_refunds::created_at.lt(end))
    };
    let due = orders_due()
        .select(paid_order_money::order_id)
        .first::<i64>(conn)
        .optional()?
        .is_some()
        || fees_due()
            .select(paid_order_money::order_id)
            .first::<i64>(conn)
            .optional()?
            .is_some()
        || refunds_due()
            .select(paid_refunds::id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
    if !due {
        return Ok(None);
    }
    let inserted = diesel::insert_into(paid_settlements::table)
        .values((
            paid_settlements::organization_id.eq(org.0),
            paid_settlements::period_start.eq(start),
            paid_settlements::period_end.eq(end),
            paid_settlements::state.eq(SettlementState::Draft.as_str()),
            paid_settlements::line_count.eq(0),
            paid_settlements::gross_fen.eq(0),
            paid_settlements::subsidy_fen.eq(0),
            paid_settlements::points_fen.eq(0),
            paid_settlements::copay_fen.eq(0),
            paid_settlements::commission_fen.eq(0),
            paid_settlements::net_fen.eq(0),
            paid_settlements::created_at.eq(now),
        ))
        .returning(paid_settlements::id)
        .get_result::<i64>(conn);
    let sid = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(SettlementError::Contended),
        Err(e) => return Err(e.into()),
    };
    // Each claim takes only rows no batch holds: a concurrent run's rows are skipped (on
    // PostgreSQL the guard is re-checked after waiting for its row locks), never taken twice.
    let orders = diesel::update(orders_due())
        .set(paid_order_money::settlement_id.eq(sid))
        .execute(conn)?;
    let fees = diesel::update(fees_due())
        .set(paid_order_money::settlement_id.eq(sid))
        .execute(conn)?;
    let refunds = diesel::update(refunds_due())
        .set(paid_refunds::settlement_id.eq(sid))
        .execute(conn)?;
    if orders + fees + refunds == 0 {
        return Err(SettlementError::Contended);
    }
    let totals = claimed_totals(conn, sid)?;
    diesel::update(paid_settlements::table.find(sid))
        .set((
            paid_settlements::line_count.eq((orders + fees + refunds) as i64),
            paid_settlements::gross_fen.eq(totals.gross.0),
            paid_settlements::subsidy_fen.eq(totals.subsidy.0),
            paid_settlements::points_fen.eq(totals.points.0),
            paid_settlements::copay_fen.eq(totals.copay.0),
            paid_settlements::commission_fen.eq(totals.commission.0),
            paid_settlements::net_fen.eq(totals.net.0),
        ))
        .execute(conn)?;
    let batch = settlement(conn, SettlementId(sid))?.ok_or(SettlementError::NotFound)?;
    crate::webhooks::usecases::publish(
        conn,
        now,
        org,
        Event::SettlementReady,
        serde_json::json!({
            "settlement_id": sid,
            "period_start": start.and_utc().to_rfc3339(),
            "period_end": end.and_utc().to_rfc3339(),
            "net": batch.totals.net.to_string(),
            "line_count": batch.line_count,
        }),
    )?;
    Ok(Some(batch))
}

/// The sums of the rows batch `sid` claimed, as its lines show them: orders with their split,
/// fees as gross = co-payment = the fee with the commission on it, refunds negative.
fn claimed_totals(conn: &mut AnyConnection, sid: i64) -> Result<Totals, SettlementError> {
    let sum = |column: &str| sql::<Nullable<BigInt>>(&format!("CAST(SUM({column}) AS BIGINT)"));
    let claimed = || paid_order_money::table.filter(paid_order_money::settlement_id.eq(sid));
    let orders: Sums5 = claimed()
        .filter(paid_order_money::confirmed_at.is_not_null())
        .select((
            sum("gross_fen"),
            sum("subsidy_fen"),
            sum("points_fen"),
            sum("copay_fen"),
            sum("commission_fen"),
        ))
        .first(conn)?;
    let fees: (Option<i64>, Option<i64>) = claimed()
        .filter(paid_order_money::confirmed_at.is_null())
        .select((
            sum("cancellation_fee_fen"),
            sum("cancellation_commission_fen"),
        ))
        .first(conn)?;
    let refunds: Sums5 = paid_refunds::table
        .filter(paid_refunds::settlement_id.eq(sid))
        .select((
            sum("amount_fen"),
            sum("subsidy_fen"),
            sum("points_fen"),
            sum("copay_fen"),
            sum("commission_fen"),
        ))
        .first(conn)?;
    let v = |x: Option<i64>| x.unwrap_or(0);
    let fee = v(fees.0);
    let gross = v(orders.0) + fee - v(refunds.0);
    let copay = v(orders.3) + fee - v(refunds.3);
    let commission = v(orders.4) + v(fees.1) - v(refunds.4);
    Ok(Totals {
        gross: Fen(gross),
        subsidy: Fen(v(orders.1) - v(refunds.1)),
        points: Fen(v(orders.2) - v(refunds.2)),
        copay: Fen(copay),
        commission: Fen(commission),
        net: Fen(gross - copay - commission),
    })
}

type Sums5 = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Providers with confirmed orders, late-cancellation fees or refunds not yet settled,
/// confirmed, cancelled or made before `end`.
pub fn providers_due(
    conn: &mut AnyConnection,
    end: NaiveDateTime,
) -> Result<Vec<OrganizationId>, StoreError> {
    let mut ids: Vec<i64> = paid_order_money::table
        .inner_join(paid_orders::table)
        .filter(paid_order_money::settlement_id.is_null())
        .filter(paid_order_money::confirmed_at.lt(end))
        .select(paid_orders::organization_id)
        .distinct()
        .load(conn)?;
    let ended = paid_order_progress::table
        .filter(paid_order_progress::ended_at.lt(end))
        .select(paid_order_progress::order_id);
    ids.extend(
        paid_order_money::table
            .inner_join(paid_orders::table)
            .filter(paid_order_money::settlement_id.is_null())
            .filter(paid_order_money::cancellation_fee_fen.gt(0))
            .filter(paid_orders::state.eq(OrderState::Cancelled.as_str()))
            .filter(paid_orders::id.eq_any(ended))
            .select(paid_orders::organization_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    ids.extend(
        paid_refunds::table
            .filter(paid_refunds::settlement_id.is_null())
            .filter(paid_refunds::created_at.lt(end))
            .select(paid_refunds::organization_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(OrganizationId).collect())
}

/// Drafts `org`'s batch for `[start, end)` in its own transaction; true when drafted now.
async fn draft_one(
    db: &Db,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, SettlementError> {
    let outcome = db
        .run(move |conn| {
            db::write(conn, |conn| {
                let before = batches_at(conn, org, start)?;
                Ok::<_, SettlementError>((before, settle(conn, org, start, end, now)?))
            })
        })
        .await;
    match outcome {
        Ok((0, Some(_))) => Ok(true),
        Ok(_) | Err(SettlementError::Contended) => Ok(false),
        Err(other) => Err(other),
    }
}

fn batches_at(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(paid_settlements::table
        .filter(paid_settlements::organization_id.eq(org.0))
        .filter(paid_settlements::period_start.eq(start))
        .count()
        .get_result::<i64>(conn)?)
}

/// Drafts a batch for every provider with something due in `[start, end)`; returns how many
/// were drafted now.
pub async fn settle_all(
    db: &Db,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, SettlementError> {
    let providers = db
        .run(move |conn| providers_due(conn, end).map_err(SettlementError::from))
        .await?;
    let mut drafted = 0;
    for org in providers {
        if draft_one(db, org, start, end, now).await? {
            drafted += 1;
        }
    }
    Ok(drafted)
}

/// For the job: drafts each provider's last complete period before `now` by its contract —
/// the last week for weekly providers, the last calendar month for monthly ones (local to
/// `zone`) — once per provider and period. Returns how many were drafted now.
pub async fn settle_due(db: &Db, now: NaiveDateTime, zone: Tz) -> Result<usize, SettlementError> {
    let providers = db
        .run(move |conn| {
            providers_due(conn, now)?
                .into_iter()
                .map(|org| {
                    let contract =
                        crate::paid::store::contract(conn, org)?.map_or(DEFAULT_CONTRACT, |c| c.0);
                    Ok((org, contract.settlement_period))
                })
                .collect::<Result<Vec<_>, StoreError>>()
                .map_err(SettlementError::from)
        })
        .await?;
    let mut drafted = 0;
    for (org, period) in providers {
        let (start, end) = period.last_complete(now, zone);
        if draft_one(db, org, start, end, now).await? {
            drafted += 1;
        }
    }
    Ok(drafted)
}

/// Drafts a provider's batch for a past period now (a street admin over its communities);
/// true when drafted now, false when the period's batch existed.
pub async fn draft_settlement(
    db: &Db,
    principal: Principal,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(Settlement, bool), SettlementError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            if !may_review(conn, &principal, org)? {
                return Err(SettlementError::Forbidden);
            }
            let before = batches_at(conn, org, start)?;
            let batch = settle(conn, org, start, end, now)?.ok_or(SettlementError::NotFound)?;
            Ok((batch, before == 0))
        })
    })
    .await
}
