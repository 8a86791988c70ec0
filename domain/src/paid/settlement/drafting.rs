//! Drafting batches: [`settle`] gathers one provider's period set-based inside the caller's
//! transaction; [`settle_due`] (the job) drafts each provider's last complete period by its
//! contract, weekly or monthly; [`draft_settlement`] lets a street admin draft one now.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{Settlement, SettlementError, SettlementState, Sums, settlement};
use crate::access::Principal;
use crate::db::{self, AnyConnection, Db, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::paid::SettlementId;
use crate::paid::states::OrderState;
use crate::paid::terms::{DEFAULT_CONTRACT, may_review};
use crate::schema::{
    paid_order_money, paid_order_progress, paid_orders, paid_refunds, paid_settlement_lines,
    paid_settlements,
};
use crate::webhooks::Event;

/// Checks that a set-based line insert took exactly the rows counted before it: fewer, more
/// or a line already taken (unique violation) means another run settled some of them.
fn took_exactly(taken: QueryResult<usize>, expected: i64) -> Result<(), SettlementError> {
    match taken {
        Ok(n) if n as i64 == expected => Ok(()),
        Ok(_) => Err(SettlementError::Contended),
        Err(e) if is_unique_violation(&e) => Err(SettlementError::Contended),
        Err(e) => Err(e.into()),
    }
}

/// Drafts the batch of `org` for `[start, end)` inside the caller's transaction: none when a
/// batch for that period exists already (it is returned) or nothing is due. Lines are
/// gathered set-based — confirmed orders, then late-cancellation fees, then refunds — and the
/// guarded marks must take exactly the lines gathered.
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
    let unsettled = || {
        paid_order_money::table
            .inner_join(paid_orders::table)
            .filter(paid_orders::organization_id.eq(org.0))
            .filter(paid_order_money::settlement_id.is_null())
    };
    let orders_due = unsettled().filter(paid_order_money::confirmed_at.lt(end));
    let ended = paid_order_progress::table
        .filter(paid_order_progress::ended_at.lt(end))
        .select(paid_order_progress::order_id);
    let fees_due = unsettled()
        .filter(paid_orders::state.eq(OrderState::Cancelled.as_str()))
        .filter(paid_order_money::cancellation_fee_fen.gt(0))
        .filter(paid_orders::id.eq_any(ended));
    let refunds_due = paid_refunds::table
        .filter(paid_refunds::organization_id.eq(org.0))
        .filter(paid_refunds::settlement_id.is_null())
        .filter(paid_refunds::created_at.lt(end));
    let order_count: i64 = orders_due.count().get_result(conn)?;
    let fee_count: i64 = fees_due.count().get_result(conn)?;
    let refund_count: i64 = refunds_due.count().get_result(conn)?;
    if order_count + fee_count + refund_count == 0 {
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
    let lines_columns = (
        paid_settlement_lines::settlement_id,
        paid_settlement_lines::order_id,
        paid_settlement_lines::refund_id,
        paid_settlement_lines::gross_fen,
        paid_settlement_lines::subsidy_fen,
        paid_settlement_lines::points_fen,
        paid_settlement_lines::copay_fen,
        paid_settlement_lines::commission_fen,
        paid_settlement_lines::net_fen,
        paid_settlement_lines::kind,
    );
    let no_refund = || None::<i64>.into_sql::<Nullable<BigInt>>();
    let zero = || 0_i64.into_sql::<BigInt>();
    let order_lines = orders_due.select((
        sid.into_sql::<BigInt>(),
        paid_order_money::order_id,
        no_refund(),
        paid_order_money::gross_fen,
        paid_order_money::subsidy_fen,
        paid_order_money::points_fen,
        paid_order_money::copay_fen,
        paid_order_money::commission_fen,
        paid_order_money::gross_fen
            - paid_order_money::copay_fen
            - paid_order_money::commission_fen,
        "order".into_sql::<Text>(),
    ));
    took_exactly(
        diesel::insert_into(paid_settlement_lines::table)
            .values(order_lines)
            .into_columns(lines_columns)
            .execute(conn),
        order_count,
    )?;
    // A fee is collected by the provider like a co-payment; the commission on it is owed.
    let fee_lines = fees_due.select((
        sid.into_sql::<BigInt>(),
        paid_order_money::order_id,
        no_refund(),
        paid_order_money::cancellation_fee_fen,
        zero(),
        zero(),
        paid_order_money::cancellation_fee_fen,
        paid_order_money::cancellation_commission_fen,
        zero() - paid_order_money::cancellation_commission_fen,
        "cancellation_fee".into_sql::<Text>(),
    ));
    took_exactly(
        diesel::insert_into(paid_settlement_lines::table)
            .values(fee_lines)
            .into_columns(lines_columns)
            .execute(conn),
        fee_count,
    )?;
    let refund_lines = refunds_due.select((
        sid.into_sql::<BigInt>(),
        paid_refunds::order_id,
        paid_refunds::id.nullable(),
        zero() - paid_refunds::amount_fen,
        zero() - paid_refunds::subsidy_fen,
        zero() - paid_refunds::points_fen,
        zero() - paid_refunds::copay_fen,
        zero() - paid_refunds::commission_fen,
        paid_refunds::copay_fen + paid_refunds::commission_fen - paid_refunds::amount_fen,
        "refund".into_sql::<Text>(),
    ));
    took_exactly(
        diesel::insert_into(paid_settlement_lines::table)
            .values(refund_lines)
            .into_columns(lines_columns)
            .execute(conn),
        refund_count,
    )?;
    let ordered = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .filter(paid_settlement_lines::refund_id.is_null())
        .select(paid_settlement_lines::order_id);
    let marked = diesel::update(
        paid_order_money::table
            .filter(paid_order_money::settlement_id.is_null())
            .filter(paid_order_money::order_id.eq_any(ordered)),
    )
    .set(paid_order_money::settlement_id.eq(sid))
    .execute(conn)?;
    let refunded = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .select(paid_settlement_lines::refund_id)
        .filter(paid_settlement_lines::refund_id.is_not_null());
    let marked_refunds = diesel::update(
        paid_refunds::table
            .filter(paid_refunds::settlement_id.is_null())
            .filter(paid_refunds::id.nullable().eq_any(refunded)),
    )
    .set(paid_refunds::settlement_id.eq(sid))
    .execute(conn)?;
    if marked as i64 != order_count + fee_count || marked_refunds as i64 != refund_count {
        return Err(SettlementError::Contended);
    }
    let sums: Sums = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .select((
            sql::<Nullable<BigInt>>("CAST(SUM(gross_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(subsidy_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(points_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(copay_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(commission_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(net_fen) AS BIGINT)"),
        ))
        .first(conn)?;
    diesel::update(paid_settlements::table.find(sid))
        .set((
            paid_settlements::line_count.eq(order_count + fee_count + refund_count),
            paid_settlements::gross_fen.eq(sums.0.unwrap_or(0)),
            paid_settlements::subsidy_fen.eq(sums.1.unwrap_or(0)),
            paid_settlements::points_fen.eq(sums.2.unwrap_or(0)),
            paid_settlements::copay_fen.eq(sums.3.unwrap_or(0)),
            paid_settlements::commission_fen.eq(sums.4.unwrap_or(0)),
            paid_settlements::net_fen.eq(sums.5.unwrap_or(0)),
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
