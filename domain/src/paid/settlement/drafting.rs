//! Drafting batches: [`settle`] gathers one provider's period set-based inside the caller's
//! transaction; [`settle_due`] (the job) drafts each provider's last complete period by its
//! contract, weekly or monthly; [`draft_settlement`] lets a street admin draft one now.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;

use super::{Settlement, SettlementError, SettlementState, entries, settlement};
use crate::access::Principal;
use crate::db::{self, AnyConnection, Db, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::paid::SettlementId;
use crate::paid::terms::{DEFAULT_CONTRACT, may_review};
use crate::schema::paid_settlements;
use crate::webhooks::Event;

/// Drafts the batch of `org` for `[start, end)` inside the caller's transaction: none when
/// nothing is due; the period's batch when one exists already. See [`draft`].
pub fn settle(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<Settlement>, SettlementError> {
    Ok(draft(conn, org, start, end, now)?.map(|(batch, _)| batch))
}

/// Drafts the batch of `org` for `[start, end)` inside the caller's transaction; true with it
/// when drafted now, false when the period's batch existed (or a concurrent run drafted it
/// while this one waited). The batch takes the provider's settlement entries after its
/// previous batch up to the last one before `end`, under the provider's counter row lock, and
/// moves the counter's settled mark over them by a guarded statement: ranges follow each other
/// without overlapping, so every entry is settled by exactly one batch. Its totals are one
/// aggregate over the range.
pub fn draft(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<(Settlement, bool)>, SettlementError> {
    if let Some(batch) = batch_at(conn, org, start)? {
        return Ok(Some((batch, false)));
    }
    let Some((last, settled)) = entries::lock_counter(conn, org)? else {
        return Ok(None);
    };
    // With the lock held, a run that drafted the period meanwhile has committed.
    if let Some(batch) = batch_at(conn, org, start)? {
        return Ok(Some((batch, false)));
    }
    let to = entries::range_end(conn, org, settled, last, end)?;
    if to == settled {
        return Ok(None);
    }
    let (count, totals) = entries::sums(conn, org, settled, to)?;
    let inserted = diesel::insert_into(paid_settlements::table)
        .values((
            paid_settlements::organization_id.eq(org.0),
            paid_settlements::period_start.eq(start),
            paid_settlements::period_end.eq(end),
            paid_settlements::state.eq(SettlementState::Draft.as_str()),
            paid_settlements::line_count.eq(count),
            paid_settlements::gross_fen.eq(totals.gross.0),
            paid_settlements::subsidy_fen.eq(totals.subsidy.0),
            paid_settlements::points_fen.eq(totals.points.0),
            paid_settlements::copay_fen.eq(totals.copay.0),
            paid_settlements::commission_fen.eq(totals.commission.0),
            paid_settlements::net_fen.eq(totals.net.0),
            paid_settlements::created_at.eq(now),
            paid_settlements::from_seq.eq(settled),
            paid_settlements::to_seq.eq(to),
        ))
        .returning(paid_settlements::id)
        .get_result::<i64>(conn);
    let sid = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(SettlementError::Contended),
        Err(e) => return Err(e.into()),
    };
    if !entries::advance(conn, org, settled, to)? {
        return Err(SettlementError::Contended);
    }
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
    Ok(Some((batch, true)))
}

fn batch_at(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
) -> Result<Option<Settlement>, StoreError> {
    let existing: Option<i64> = paid_settlements::table
        .filter(paid_settlements::organization_id.eq(org.0))
        .filter(paid_settlements::period_start.eq(start))
        .select(paid_settlements::id)
        .first(conn)
        .optional()?;
    existing
        .map(|id| settlement(conn, SettlementId(id)))
        .transpose()
        .map(Option::flatten)
}

/// Providers with an unsettled entry (confirmation, late-cancellation fee or refund) that
/// happened before `end`.
pub fn providers_due(
    conn: &mut AnyConnection,
    end: NaiveDateTime,
) -> Result<Vec<OrganizationId>, StoreError> {
    let mut due = Vec::new();
    for (org, settled, last) in entries::unsettled(conn)? {
        if entries::due(conn, OrganizationId(org), settled, last, end)? {
            due.push(OrganizationId(org));
        }
    }
    Ok(due)
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
        .run(move |conn| db::write(conn, |conn| draft(conn, org, start, end, now)))
        .await;
    match outcome {
        Ok(Some((_, new))) => Ok(new),
        Ok(None) | Err(SettlementError::Contended) => Ok(false),
        Err(other) => Err(other),
    }
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
            draft(conn, org, start, end, now)?.ok_or(SettlementError::NotFound)
        })
    })
    .await
}
