//! Claiming, renewing, finishing and listing job runs; every statement is portable to both
//! engines (no upsert, no row locks): the primary key decides who inserts first, and guarded
//! updates decide takeovers.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Claim, JobRun, RunFilter, RunOutcome, Slot, rules};
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::schema::job_runs;

/// A job run as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = job_runs)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct JobRunRow {
    job: String,
    slot: String,
    instance: String,
    attempt: i32,
    lease_until: NaiveDateTime,
    started_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
    outcome: Option<String>,
    detail: String,
}

impl TryFrom<JobRunRow> for JobRun {
    type Error = StoreError;

    fn try_from(row: JobRunRow) -> Result<Self, StoreError> {
        let outcome = match row.outcome {
            Some(raw) => Some(RunOutcome::parse(&raw).ok_or_else(|| corrupt("unknown outcome"))?),
            None => None,
        };
        Ok(Self {
            job: row.job,
            slot: Slot::from_stored(row.slot),
            instance: row.instance,
            attempt: row.attempt,
            lease_until: row.lease_until,
            started_at: row.started_at,
            finished_at: row.finished_at,
            outcome,
            detail: row.detail,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = job_runs)]
struct NewJobRunRow<'a> {
    job: &'a str,
    slot: &'a str,
    instance: &'a str,
    attempt: i32,
    lease_until: NaiveDateTime,
    started_at: NaiveDateTime,
    detail: &'a str,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        what.to_owned().into(),
    ))
}

/// Tries to become the runner of `slot` of `job`. Call inside [`crate::db::write`].
///
/// The insert wins when the slot is new (the primary key lets exactly one instance insert).
/// Otherwise an unfinished row whose lease ran out is taken over by a guarded update
/// (`finished_at IS NULL AND lease_until < now`, one row affected), which two instances cannot
/// both pass. Anything else is reported as done or held. The insert runs in a savepoint so its
/// unique violation leaves a PostgreSQL transaction usable.
pub fn claim_slot(
    conn: &mut AnyConnection,
    job: &str,
    slot: &Slot,
    instance: &str,
    now: NaiveDateTime,
    lease: Duration,
) -> Result<Claim, StoreError> {
    let lease_until = rules::lease_end(now, lease);
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(job_runs::table)
            .values(&NewJobRunRow {
                job,
                slot: slot.as_str(),
                instance,
                attempt: 1,
                lease_until,
                started_at: now,
                detail: "{}",
            })
            .execute(conn)
    });
    match inserted {
        Ok(_) => return Ok(Claim::Claimed { attempt: 1 }),
        Err(error) if is_unique_violation(&error) => {}
        Err(error) => return Err(error.into()),
    }
    let taken_over: Option<i32> = diesel::update(
        job_runs::table
            .filter(job_runs::job.eq(job))
            .filter(job_runs::slot.eq(slot.as_str()))
            .filter(job_runs::finished_at.is_null())
            .filter(job_runs::lease_until.lt(now)),
    )
    .set((
        job_runs::instance.eq(instance),
        job_runs::attempt.eq(job_runs::attempt + 1),
        job_runs::lease_until.eq(lease_until),
        job_runs::started_at.eq(now),
    ))
    .returning(job_runs::attempt)
    .get_result(conn)
    .optional()?;
    if let Some(attempt) = taken_over {
        return Ok(Claim::Claimed { attempt });
    }
    let current = find(conn, job, slot)?.ok_or_else(|| corrupt("a claimed job run vanished"))?;
    Ok(match (current.finished_at, current.outcome) {
        (Some(finished_at), Some(outcome)) => Claim::AlreadyDone {
            instance: current.instance,
            outcome,
            finished_at,
        },
        (None, _) | (Some(_), None) => Claim::HeldByOther {
            instance: current.instance,
            lease_until: current.lease_until,
        },
    })
}

/// Pushes the lease of a run the caller still holds to `now + lease`, so a long run is not
/// taken over while alive; false when the caller no longer holds it (it was taken over).
pub fn renew_lease(
    conn: &mut AnyConnection,
    job: &str,
    slot: &Slot,
    instance: &str,
    attempt: i32,
    now: NaiveDateTime,
    lease: Duration,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(job, slot.as_str(), instance, attempt))
        .set(job_runs::lease_until.eq(rules::lease_end(now, lease)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Records the end of a run the caller holds; false when it no longer holds it, in which case
/// the record of whoever took over is left alone.
#[expect(
    clippy::too_many_arguments,
    reason = "the run's key, its holder and what to record"
)]
pub fn finish(
    conn: &mut AnyConnection,
    job: &str,
    slot: &Slot,
    instance: &str,
    attempt: i32,
    now: NaiveDateTime,
    outcome: RunOutcome,
    detail: &serde_json::Value,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(job, slot.as_str(), instance, attempt))
        .set((
            job_runs::finished_at.eq(now),
            job_runs::outcome.eq(outcome.as_str()),
            job_runs::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// The unfinished row of `slot` as long as this runner's attempt still holds it.
#[diesel::dsl::auto_type(no_type_alias)]
fn held<'a>(job: &'a str, slot: &'a str, instance: &'a str, attempt: i32) -> _ {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::slot.eq(slot))
        .filter(job_runs::instance.eq(instance))
        .filter(job_runs::attempt.eq(attempt))
        .filter(job_runs::finished_at.is_null())
}

/// One slot's run, if it was ever claimed.
pub fn find(
    conn: &mut AnyConnection,
    job: &str,
    slot: &Slot,
) -> Result<Option<JobRun>, StoreError> {
    job_runs::table
        .find((job, slot.as_str()))
        .select(JobRunRow::as_select())
        .first(conn)
        .optional()?
        .map(JobRun::try_from)
        .transpose()
}

/// Runs newest first (by start), filtered as asked.
pub fn list(conn: &mut AnyConnection, filter: &RunFilter) -> Result<Vec<JobRun>, StoreError> {
    let mut query = job_runs::table
        .select(JobRunRow::as_select())
        .order((
            job_runs::started_at.desc(),
            job_runs::job.asc(),
            job_runs::slot.desc(),
        ))
        .limit(filter.limit)
        .into_boxed();
    if let Some(job) = &filter.job {
        query = query.filter(job_runs::job.eq(job.clone()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(JobRun::try_from)
        .collect()
}
