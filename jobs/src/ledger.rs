//! Ledger jobs: prove every night that no point was lost or doubled, hand back points whose
//! redemption was never fulfilled, expire lapsed lots, and send each month's statements.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use linli_domain::accounts::UserId;
use linli_domain::db::{self, StoreError};
use linli_domain::ledger::{
    AccountOwner, HoldError, Resolution, expiry, lots, monthly, rules, store,
};
use linli_domain::notifications::{Notice, notify};
use linli_domain::rewards::usecases::{RedemptionError, expire_for_hold};
use linli_domain::time::local_midnight_utc;

use crate::runner::{Counts, JobContext, JobError};

/// Holds resolved per transaction, so one run never keeps the write lock for long.
const HOLD_BATCH: i64 = 200;

/// Lots expired per transaction: big enough for set-based statements to pay (at 5,000 the
/// per-batch work made 1,000,000 lots take 3.5× one SQL pass on SQLite, at 25,000 1.7×), small
/// enough that a batch holds the write lock about a second, well inside the 5 s busy timeout.
const LOT_BATCH: i64 = 20_000;

/// People sent their monthly statement per transaction.
const STATEMENT_BATCH: i64 = 200;

/// How far ahead people are told that points will lapse.
const EXPIRY_NOTICE_DAYS: i64 = 30;

/// Checks every ledger invariant against one snapshot. A violation fails the run (an error in
/// the log, a failed run in `list_job_runs`, a non-zero `linli_ledger_violations` gauge), so
/// nobody can miss it; the counts of a clean run are kept in the run's record. Each community's
/// clearing position (通存通兑) is published as `linli_ledger_clearing_position{community}`.
pub async fn reconcile_ledger(context: JobContext) -> Result<Counts, JobError> {
    let report = context
        .db
        .run(|conn| db::read_snapshot(conn, store::reconcile))
        .await?;
    let violations = report.violations();
    metrics::gauge!("linli_ledger_violations").set(violations as f64);
    for p in &report.clearing_positions {
        metrics::gauge!("linli_ledger_clearing_position", "community" => p.community.0.to_string())
            .set(p.position.0 as f64);
    }
    if !report.is_sound() {
        tracing::error!(?report, "the points ledger is out of balance");
        return Err(JobError::Invariant(format!(
            "ledger reconciliation found {violations} violation(s): {report:?}"
        )));
    }
    Ok(Counts::from([
        (
            "transfers_checked",
            u64::try_from(report.transfers).unwrap_or(0),
        ),
        ("violations", 0),
    ]))
}

/// Releases open holds whose time ran out, back to the accounts they came from. A hold behind
/// a redemption expires with it, and the reward's stock comes back in the same transaction.
/// Each release has a key derived from the hold, so a run taken over after a crash releases
/// nothing twice.
pub async fn expire_holds(context: JobContext) -> Result<Counts, JobError> {
    let now = context.now;
    let mut released = 0u64;
    loop {
        let batch = context
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let lapsed = store::lapsed_holds(conn, now, HOLD_BATCH)?;
                    let mut done = 0u64;
                    for hold in &lapsed {
                        if expire_for_hold(conn, hold.id, now)? {
                            done += 1;
                            continue;
                        }
                        let key = format!("hold-expiry:{}", hold.id.0);
                        match store::resolve_hold(conn, now, hold.id, Resolution::Expire, key, None)
                        {
                            Ok(_) | Err(HoldError::AlreadyResolved(_)) => done += 1,
                            Err(other) => return Err(other.into()),
                        }
                    }
                    Ok::<_, RedemptionError>((lapsed.len(), done))
                })
            })
            .await
            .map_err(|e| JobError::Invariant(format!("releasing lapsed holds failed: {e}")))?;
        released += batch.1;
        if i64::try_from(batch.0).unwrap_or(0) < HOLD_BATCH {
            break;
        }
    }
    Ok(Counts::from([("holds_released", released)]))
}

/// Expires what is left in lots whose time ran out (each lot by the policy it was earned
/// under), to the issuing community's expiry account, then tells each person once, 30 days
/// ahead, how many points will lapse and from when. Every expiry is keyed by its lot, so a run
/// taken over after a crash expires nothing twice.
pub async fn expire_points(context: JobContext) -> Result<Counts, JobError> {
    let now = context.now;
    let (mut lots_expired, mut points_expired) = (0u64, 0u64);
    loop {
        let batch = context
            .db
            .run(move |conn| db::write(conn, |conn| expiry::expire_due(conn, now, LOT_BATCH)))
            .await?;
        lots_expired += batch.lots;
        points_expired += u64::try_from(batch.points).unwrap_or(0);
        // A short batch was the last; an empty one would come back unchanged.
        if i64::try_from(batch.lots).unwrap_or(0) < LOT_BATCH {
            break;
        }
    }
    let zone = context.zone;
    let until = now + Duration::days(EXPIRY_NOTICE_DAYS);
    let told = context
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let expiring = lots::announce_expiring(conn, now, until)?;
                let mut told = 0u64;
                for soon in expiring {
                    let Some(account) = store::account(conn, soon.account)? else {
                        continue;
                    };
                    let AccountOwner::Person(user) = account.owner else {
                        continue;
                    };
                    let notice = Notice::PointsExpiring {
                        points: soon.points,
                        expires_on: local_date(soon.first_expiry, zone),
                    };
                    notify(conn, now, user, notice)?;
                    told += 1;
                }
                Ok::<_, StoreError>(told)
            })
        })
        .await?;
    Ok(Counts::from([
        ("lots_expired", lots_expired),
        ("points_expired", points_expired),
        ("people_told", told),
    ]))
}

/// Sends each person whose points moved (or who was given honour hours) in the month before the
/// slot's day (the 1st, on the default schedule) their statement of that month — points owned
/// at the start, earned, spent (what left the account: a hold is spent only when captured),
/// expired, points owned at the end and of those on hold, and apart from the points the hours
/// of recorded help and the honour hours — in the app and by email as they chose. Each statement is
/// recorded with the notice in one transaction, keyed by person and month, so a run taken over
/// or started again sends nobody a second one.
pub async fn send_points_statements(context: JobContext) -> Result<Counts, JobError> {
    let (now, zone) = (context.now, context.zone);
    let day = context
        .slot
        .as_str()
        .get(..10)
        .and_then(|raw| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .ok_or_else(|| JobError::Invariant(format!("slot {} names no day", context.slot)))?;
    let (period, first, next) = rules::month_before(day)
        .ok_or_else(|| JobError::Invariant(format!("no month before {day}")))?;
    let from = local_midnight_utc(first, &zone);
    let to = local_midnight_utc(next, &zone);
    let (mut sent, mut after) = (0u64, UserId(0));
    loop {
        let period = period.clone();
        let (batch, last, done) = context
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let people = monthly::people_active(conn, from, to, after, STATEMENT_BATCH)?;
                    let mut done = 0u64;
                    for &(user, account) in &people {
                        let statement = monthly::statement(conn, user, account, from, to)?;
                        if !monthly::record_sent(conn, user, &period, &statement, now)? {
                            continue;
                        }
                        let (f, hours) = (statement.figures, statement.hours);
                        let notice = Notice::PointsStatement {
                            period: period.clone(),
                            opening: f.opening.0,
                            earned: f.earned.0,
                            spent: f.spent.0,
                            expired: f.expired.0,
                            closing: f.closing.0,
                            on_hold: f.on_hold.0,
                            recorded_minutes: hours.recorded_minutes,
                            honour_hours: hours.honour_hours,
                        };
                        notify(conn, now, user, notice)?;
                        done += 1;
                    }
                    let last = people.last().map(|(user, _)| *user);
                    Ok::<_, StoreError>((people.len(), last, done))
                })
            })
            .await?;
        sent += done;
        match last {
            Some(user) if i64::try_from(batch).unwrap_or(0) == STATEMENT_BATCH => after = user,
            _ => break,
        }
    }
    Ok(Counts::from([("statements_sent", sent)]))
}

/// A UTC time as a date in the display zone.
fn local_date(at: NaiveDateTime, zone: chrono_tz::Tz) -> String {
    at.and_utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d")
        .to_string()
}
