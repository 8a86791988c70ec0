//! A provider's settlement sequence. Every settleable event — an order confirmed, a late
//! cancellation's fee, a refund — takes the next number of its provider's counter row in the
//! transaction that makes it settleable and is kept as an append-only entry with the amounts
//! its statement line shows. A batch owns the range `(from_seq, to_seq]` of those numbers,
//! chosen under the same row lock and starting where the provider's previous batch ended, so
//! every entry is settled exactly once and nothing is written to the entries when settling.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::{LineKind, SettlementLine, Totals};
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::paid::money::Fen;
use crate::schema::{paid_settlement_counters, paid_settlement_entries, paid_settlements};

/// A settleable event as its statement line shows it (a refund's amounts negative).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewEntry {
    /// What it settles.
    pub kind: LineKind,
    /// The order.
    pub order_id: i64,
    /// The refund, for a refund.
    pub refund_id: Option<i64>,
    /// Gross, subsidy, points value, co-payment and commission (net follows).
    pub totals: Totals,
    /// When it became settleable.
    pub at: NaiveDateTime,
}

/// Numbers `entry` with the next number of `org`'s sequence and keeps it, inside the caller's
/// transaction. The counter row stays locked (PostgreSQL) until the transaction ends, so the
/// provider's events are numbered in the order they commit and a settlement run that locks
/// the row sees every number given out so far committed.
pub(crate) fn record(
    conn: &mut AnyConnection,
    org: OrganizationId,
    entry: &NewEntry,
) -> Result<i64, StoreError> {
    let seq = match take_number(conn, org)? {
        Some(seq) => seq,
        None => {
            open_counter(conn, org)?;
            take_number(conn, org)?
                .ok_or_else(|| StoreError::Query(diesel::result::Error::NotFound))?
        }
    };
    let t = entry.totals;
    diesel::insert_into(paid_settlement_entries::table)
        .values((
            paid_settlement_entries::organization_id.eq(org.0),
            paid_settlement_entries::seq.eq(seq),
            paid_settlement_entries::kind.eq(entry.kind.as_str()),
            paid_settlement_entries::order_id.eq(entry.order_id),
            paid_settlement_entries::refund_id.eq(entry.refund_id),
            paid_settlement_entries::gross_fen.eq(t.gross.0),
            paid_settlement_entries::subsidy_fen.eq(t.subsidy.0),
            paid_settlement_entries::points_fen.eq(t.points.0),
            paid_settlement_entries::copay_fen.eq(t.copay.0),
            paid_settlement_entries::commission_fen.eq(t.commission.0),
            paid_settlement_entries::happened_at.eq(entry.at),
        ))
        .execute(conn)?;
    Ok(seq)
}

fn take_number(conn: &mut AnyConnection, org: OrganizationId) -> Result<Option<i64>, StoreError> {
    Ok(diesel::update(paid_settlement_counters::table.find(org.0))
        .set(paid_settlement_counters::last_seq.eq(paid_settlement_counters::last_seq + 1))
        .returning(paid_settlement_counters::last_seq)
        .get_result(conn)
        .optional()?)
}

/// Opens the provider's counter at zero; a concurrent opening wins harmlessly.
fn open_counter(conn: &mut AnyConnection, org: OrganizationId) -> Result<(), StoreError> {
    let opened = conn.transaction(|conn| {
        diesel::insert_into(paid_settlement_counters::table)
            .values((
                paid_settlement_counters::organization_id.eq(org.0),
                paid_settlement_counters::last_seq.eq(0),
                paid_settlement_counters::settled_seq.eq(0),
            ))
            .execute(conn)
    });
    match opened {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Locks `org`'s counter for a settlement run and returns (last number given out, last number
/// settled); none when the provider never had a settleable event. On PostgreSQL the run waits
/// here for every transaction that took a number, and its next statements see them committed.
pub(crate) fn lock_counter(
    conn: &mut AnyConnection,
    org: OrganizationId,
) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(diesel::update(paid_settlement_counters::table.find(org.0))
        .set(paid_settlement_counters::last_seq.eq(paid_settlement_counters::last_seq))
        .returning((
            paid_settlement_counters::last_seq,
            paid_settlement_counters::settled_seq,
        ))
        .get_result(conn)
        .optional()?)
}

/// The end of the next range: the largest number after `settled` whose event happened before
/// `end`, found by reading the provider's numbers down from `last` in windows of 256 by the
/// primary key (only the events after the period end are read, whatever plan the engine
/// picks). An event is stamped with its transaction's clock and numbered when it takes the
/// counter, so one stamped a moment after `end` can carry a smaller number than one stamped
/// before it: it is settled in this batch, once, like the rest of the range.
pub(crate) fn range_end(
    conn: &mut AnyConnection,
    org: OrganizationId,
    settled: i64,
    last: i64,
    end: NaiveDateTime,
) -> Result<i64, StoreError> {
    const WINDOW: i64 = 256;
    let mut upper = last;
    while upper > settled {
        let lower = (upper - WINDOW).max(settled);
        let window: Vec<(i64, NaiveDateTime)> = paid_settlement_entries::table
            .filter(paid_settlement_entries::organization_id.eq(org.0))
            .filter(paid_settlement_entries::seq.gt(lower))
            .filter(paid_settlement_entries::seq.le(upper))
            .select((
                paid_settlement_entries::seq,
                paid_settlement_entries::happened_at,
            ))
            .load(conn)?;
        if let Some(seq) = window
            .iter()
            .filter(|(_, at)| *at < end)
            .map(|(seq, _)| *seq)
            .max()
        {
            return Ok(seq);
        }
        upper = lower;
    }
    Ok(settled)
}

/// Whether `org` has an event after `settled` that happened before `end`: what [`range_end`]
/// would take.
pub(crate) fn due(
    conn: &mut AnyConnection,
    org: OrganizationId,
    settled: i64,
    last: i64,
    end: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(range_end(conn, org, settled, last, end)? > settled)
}

/// Counters of providers with numbers given out and not yet settled: (provider, settled,
/// last).
pub(crate) fn unsettled(conn: &mut AnyConnection) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    Ok(paid_settlement_counters::table
        .filter(paid_settlement_counters::last_seq.gt(paid_settlement_counters::settled_seq))
        .order(paid_settlement_counters::organization_id)
        .select((
            paid_settlement_counters::organization_id,
            paid_settlement_counters::settled_seq,
            paid_settlement_counters::last_seq,
        ))
        .load(conn)?)
}

/// A count and five sums, as an aggregate returns them.
type CountAndSums = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The count and totals of the entries in `(from, to]`: one aggregate over the primary key's
/// range.
pub(crate) fn sums(
    conn: &mut AnyConnection,
    org: OrganizationId,
    from: i64,
    to: i64,
) -> Result<(i64, Totals), StoreError> {
    let sum = |column: &str| sql::<Nullable<BigInt>>(&format!("CAST(SUM({column}) AS BIGINT)"));
    let row: CountAndSums = paid_settlement_entries::table
        .filter(paid_settlement_entries::organization_id.eq(org.0))
        .filter(paid_settlement_entries::seq.gt(from))
        .filter(paid_settlement_entries::seq.le(to))
        .select((
            diesel::dsl::count_star(),
            sum("gross_fen"),
            sum("subsidy_fen"),
            sum("points_fen"),
            sum("copay_fen"),
            sum("commission_fen"),
        ))
        .first(conn)?;
    let v = |x: Option<i64>| Fen(x.unwrap_or(0));
    let (gross, copay, commission) = (v(row.1), v(row.4), v(row.5));
    Ok((
        row.0,
        Totals {
            gross,
            subsidy: v(row.2),
            points: v(row.3),
            copay,
            commission,
            net: Fen(gross.0 - copay.0 - commission.0),
        },
    ))
}

/// Moves `org`'s settled mark from `from` to `to`, only if no other batch moved it first.
pub(crate) fn advance(
    conn: &mut AnyConnection,
    org: OrganizationId,
    from: i64,
    to: i64,
) -> Result<bool, StoreError> {
    let moved = diesel::update(
        paid_settlement_counters::table
            .find(org.0)
            .filter(paid_settlement_counters::settled_seq.eq(from))
            .filter(paid_settlement_counters::last_seq.ge(to)),
    )
    .set(paid_settlement_counters::settled_seq.eq(to))
    .execute(conn)?;
    Ok(moved == 1)
}

type EntryRow = (String, i64, Option<i64>, i64, i64, i64, i64, i64);

/// The lines of the range `(from, to]`: orders by order, then late-cancellation fees by order,
/// then refunds by refund — the order statements have always had.
pub(crate) fn lines_in(
    conn: &mut AnyConnection,
    org: OrganizationId,
    from: i64,
    to: i64,
) -> Result<Vec<SettlementLine>, StoreError> {
    let rows: Vec<EntryRow> = paid_settlement_entries::table
        .filter(paid_settlement_entries::organization_id.eq(org.0))
        .filter(paid_settlement_entries::seq.gt(from))
        .filter(paid_settlement_entries::seq.le(to))
        .select((
            paid_settlement_entries::kind,
            paid_settlement_entries::order_id,
            paid_settlement_entries::refund_id,
            paid_settlement_entries::gross_fen,
            paid_settlement_entries::subsidy_fen,
            paid_settlement_entries::points_fen,
            paid_settlement_entries::copay_fen,
            paid_settlement_entries::commission_fen,
        ))
        .load(conn)?;
    let mut lines = rows
        .into_iter()
        .map(
            |(kind, order_id, refund_id, gross, subsidy, points, copay, commission)| {
                let kind = LineKind::parse(&kind).ok_or_else(|| {
                    StoreError::Query(diesel::result::Error::DeserializationError(
                        "unexpected settlement entry kind".into(),
                    ))
                })?;
                Ok(SettlementLine {
                    kind,
                    order_id,
                    refund_id,
                    totals: Totals {
                        gross: Fen(gross),
                        subsidy: Fen(subsidy),
                        points: Fen(points),
                        copay: Fen(copay),
                        commission: Fen(commission),
                        net: Fen(gross - copay - commission),
                    },
                })
            },
        )
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rank = |kind: LineKind| match kind {
        LineKind::Order => 0,
        LineKind::CancellationFee => 1,
        LineKind::Refund => 2,
    };
    lines.sort_by_key(|l| (rank(l.kind), l.order_id, l.refund_id));
    Ok(lines)
}

/// The batch that settled each of `orders` (its confirmation or its fee), for those settled.
pub(crate) fn batches_of_orders(
    conn: &mut AnyConnection,
    orders: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    batches_of(conn, orders, Settled::Orders)
}

/// The batch that settled each of `refunds`, for those settled.
pub(crate) fn batches_of_refunds(
    conn: &mut AnyConnection,
    refunds: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    batches_of(conn, refunds, Settled::Refunds)
}

/// Which events `batches_of` looks up by id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Settled {
    /// Orders' confirmations and fees, by order id.
    Orders,
    /// Refunds, by refund id.
    Refunds,
}

/// (id, batch) for each of `ids` whose entry lies in some batch's range.
fn batches_of(
    conn: &mut AnyConnection,
    ids: &[i64],
    settled: Settled,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let query = paid_settlement_entries::table
            .inner_join(
                paid_settlements::table.on(paid_settlements::organization_id
                    .eq(paid_settlement_entries::organization_id)
                    .and(paid_settlement_entries::seq.gt(paid_settlements::from_seq))
                    .and(paid_settlement_entries::seq.le(paid_settlements::to_seq))),
            )
            .select((
                paid_settlement_entries::order_id,
                paid_settlement_entries::refund_id,
                paid_settlements::id,
            ))
            .into_boxed();
        let query = match settled {
            Settled::Orders => query
                .filter(paid_settlement_entries::order_id.eq_any(chunk))
                .filter(paid_settlement_entries::refund_id.is_null()),
            Settled::Refunds => query.filter(paid_settlement_entries::refund_id.eq_any(chunk)),
        };
        let rows: Vec<(i64, Option<i64>, i64)> = query.load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(order, refund, batch)| match settled {
                    Settled::Orders => Some((order, batch)),
                    Settled::Refunds => refund.map(|refund| (refund, batch)),
                }),
        );
    }
    Ok(out)
}
