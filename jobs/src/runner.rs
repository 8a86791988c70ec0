//! Running one slot of one job: claim it in `job_runs`, do the work while renewing the lease,
//! record the end and the metrics. Shared by the scheduler and by `linli jobs run`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use chrono::{NaiveDateTime, Utc};
use chrono_tz::Tz;
use linli_domain::db::{self, Db, StoreError};
use linli_domain::job_runs::{Claim, Granularity, RunOutcome, Slot, rules, store};
use linli_domain::time::now_utc;

use crate::schedule::{JobSpec, Schedule, find};

/// What a job reports on success, e.g. `{"sessions_purged": 3}`; kept in `job_runs.detail`.
pub type Counts = BTreeMap<&'static str, u64>;

/// The future of one job run.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<Counts, JobError>> + Send + 'static>>;

/// The work of one slot, as registered in the catalogue.
pub type JobFn = fn(JobContext) -> JobFuture;

/// What a job receives: the store, the slot it runs for and the instant it started.
#[derive(Clone)]
pub struct JobContext {
    /// The store.
    pub db: Db,
    /// The business slot being run.
    pub slot: Slot,
    /// When this run started (UTC); jobs compute cutoffs from it, never from the clock.
    pub now: NaiveDateTime,
    /// The configured zone, for jobs whose work depends on local dates.
    pub zone: Tz,
    /// How long housekeeping keeps what it purges.
    pub retention: Retention,
}

/// How long housekeeping keeps settled outbox messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Delivered messages are purged this long after they were written.
    pub delivered_outbox: chrono::TimeDelta,
    /// Dead messages (kept longer, so an admin can still retry them) are purged after this.
    pub dead_outbox: chrono::TimeDelta,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            delivered_outbox: chrono::TimeDelta::days(30),
            dead_outbox: chrono::TimeDelta::days(90),
        }
    }
}

/// Why a job's work failed; recorded as the run's `failed` outcome.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the job machinery needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Each catalogue job's schedule; `None` disables it (see [`crate::resolve_schedules`]).
    pub schedules: BTreeMap<&'static str, Option<Schedule>>,
    /// The zone schedules and slots are read in.
    pub zone: Tz,
    /// How long a runner holds a slot before another instance may take it over; renewed every
    /// third of it while the run is alive.
    pub lease: std::time::Duration,
    /// What housekeeping keeps.
    pub retention: Retention,
}

impl Settings {
    /// The slot period of `job`: from its configured schedule, or its default one when
    /// disabled, so a hand run of a disabled job uses the slots a scheduled run would.
    pub fn granularity(&self, job: &JobSpec) -> Granularity {
        match self.schedules.get(job.name) {
            Some(Some(schedule)) => schedule.granularity(),
            Some(None) | None => {
                Schedule::parse(job.default_schedule).map_or(Granularity::Day, |s| s.granularity())
            }
        }
    }
}

/// How a run this instance executed ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The slot it ran.
    pub slot: Slot,
    /// Which attempt it was.
    pub attempt: i32,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The counts or the error, as recorded.
    pub detail: serde_json::Value,
    /// How long the work took.
    pub elapsed: std::time::Duration,
    /// False when another instance took the slot over before the end could be recorded.
    pub recorded: bool,
}

/// Runs slots on behalf of one instance.
pub(crate) struct Runner {
    pub(crate) db: Db,
    pub(crate) zone: Tz,
    pub(crate) lease: std::time::Duration,
    pub(crate) instance: String,
    pub(crate) retention: Retention,
}

impl Runner {
    /// Tries to take `slot` of `job`.
    pub(crate) async fn claim(&self, job: &'static str, slot: &Slot) -> Result<Claim, StoreError> {
        let (slot, instance, lease) = (slot.clone(), self.instance.clone(), self.lease);
        self.db
            .run(move |conn| {
                db::write(conn, |conn| {
                    store::claim_slot(conn, job, &slot, &instance, now_utc(), lease)
                })
            })
            .await
    }

    /// Runs a claimed slot to its end and records it; the lease is renewed meanwhile so a long
    /// run is not taken over while alive.
    pub(crate) async fn execute(&self, job: &JobSpec, slot: Slot, attempt: i32) -> Finished {
        let started = Instant::now();
        let context = JobContext {
            db: self.db.clone(),
            slot: slot.clone(),
            now: now_utc(),
            zone: self.zone,
            retention: self.retention,
        };
        let work = (job.run)(context);
        tokio::pin!(work);
        let beat_every = (self.lease / 3).max(std::time::Duration::from_secs(1));
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + beat_every, beat_every);
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = heartbeat.tick() => self.renew(job.name, &slot, attempt).await,
            }
        };
        let elapsed = started.elapsed();
        let (outcome, detail) = match &result {
            Ok(counts) => (RunOutcome::Succeeded, serde_json::json!(counts)),
            Err(error) => (
                RunOutcome::Failed,
                serde_json::json!({ "error": error.to_string() }),
            ),
        };
        let recorded = self
            .record_end(job.name, &slot, attempt, outcome, &detail)
            .await;
        record_metrics(job.name, outcome, elapsed);
        match outcome {
            RunOutcome::Succeeded => tracing::info!(
                job = job.name, slot = %slot, attempt, instance = %self.instance,
                elapsed_ms = elapsed.as_secs_f64() * 1e3, detail = %detail, "job run succeeded"
            ),
            RunOutcome::Failed => tracing::error!(
                job = job.name, slot = %slot, attempt, instance = %self.instance,
                elapsed_ms = elapsed.as_secs_f64() * 1e3, detail = %detail, "job run failed"
            ),
        }
        Finished {
            slot,
            attempt,
            outcome,
            detail,
            elapsed,
            recorded,
        }
    }

    async fn renew(&self, job: &'static str, slot: &Slot, attempt: i32) {
        let (slot, instance, lease) = (slot.clone(), self.instance.clone(), self.lease);
        let renewed = self
            .db
            .run(move |conn| {
                store::renew_lease(conn, job, &slot, &instance, attempt, now_utc(), lease)
            })
            .await;
        match renewed {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                job,
                attempt,
                "lost the lease of a running job: another instance took the slot over"
            ),
            Err(error) => tracing::warn!(job, %error, "cannot renew a job lease"),
        }
    }

    async fn record_end(
        &self,
        job: &'static str,
        slot: &Slot,
        attempt: i32,
        outcome: RunOutcome,
        detail: &serde_json::Value,
    ) -> bool {
        let (slot_owned, instance, detail) = (slot.clone(), self.instance.clone(), detail.clone());
        let finished = self
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    store::finish(
                        conn,
                        job,
                        &slot_owned,
                        &instance,
                        attempt,
                        now_utc(),
                        outcome,
                        &detail,
                    )
                })
            })
            .await;
        match finished {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(job, slot = %slot, attempt, "the slot was taken over before this run could record its end");
                false
            }
            Err(error) => {
                tracing::error!(job, slot = %slot, attempt, %error, "cannot record the end of a job run; its lease will expire and the slot run again");
                false
            }
        }
    }
}

/// `linli_job_runs_total{job,outcome}`, `linli_job_duration_seconds{job}` and, on success,
/// `linli_job_last_success_timestamp_seconds{job}`.
fn record_metrics(job: &'static str, outcome: RunOutcome, elapsed: std::time::Duration) {
    metrics::counter!("linli_job_runs_total", "job" => job, "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!("linli_job_duration_seconds", "job" => job).record(elapsed.as_secs_f64());
    if outcome == RunOutcome::Succeeded {
        #[expect(
            clippy::cast_precision_loss,
            reason = "seconds since 1970 fit a float's 52-bit mantissa"
        )]
        let now = Utc::now().timestamp() as f64;
        metrics::gauge!("linli_job_last_success_timestamp_seconds", "job" => job).set(now);
    }
}

/// Counts a firing that did not run because the slot was done or held elsewhere.
pub(crate) fn record_skip(job: &'static str, reason: &'static str) {
    metrics::counter!("linli_job_slots_skipped_total", "job" => job, "reason" => reason)
        .increment(1);
}

/// What a hand run did.
#[derive(Debug, Clone)]
pub enum RunReport {
    /// This process ran the slot.
    Ran(Finished),
    /// The slot had already run; nothing was done.
    AlreadyDone {
        /// The slot.
        slot: Slot,
        /// Who ran it.
        instance: String,
        /// How it ended.
        outcome: RunOutcome,
        /// When it finished (UTC).
        finished_at: NaiveDateTime,
    },
    /// Another runner holds the slot; nothing was done.
    HeldByOther {
        /// The slot.
        slot: Slot,
        /// Who holds it.
        instance: String,
        /// When its lease runs out (UTC).
        lease_until: NaiveDateTime,
    },
}

/// Why a hand run did not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No job has that name.
    #[error("unknown job `{name}`; known jobs are {known}")]
    UnknownJob {
        /// The name given.
        name: String,
        /// The names Linli knows.
        known: String,
    },
    /// The slot is not written the way this job's slots are.
    #[error("--slot: {0}")]
    BadSlot(#[from] rules::SlotError),
    /// The store failed while claiming.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The slot a hand run uses: the one typed, checked against the job's slot period, or else the
/// current one in the configured zone.
pub fn slot_for_hand_run(
    settings: &Settings,
    name: &str,
    slot: Option<&str>,
) -> Result<(&'static JobSpec, Slot), RunError> {
    let job = find(name).ok_or_else(|| RunError::UnknownJob {
        name: name.to_owned(),
        known: crate::schedule::CATALOGUE
            .iter()
            .map(|j| j.name)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let granularity = settings.granularity(job);
    let slot = match slot {
        Some(raw) => rules::parse_slot(raw, granularity)?,
        None => rules::slot_at(Utc::now(), settings.zone, granularity),
    };
    Ok((job, slot))
}

/// Runs one slot of `name` by hand (`linli jobs run`), through the same claim as scheduled
/// runs: a slot that already ran is not run again, a slot held by a live runner is left alone,
/// and a slot whose runner died is taken over.
pub async fn run_once(
    db: &Db,
    settings: &Settings,
    name: &str,
    slot: Option<&str>,
) -> Result<RunReport, RunError> {
    let (job, slot) = slot_for_hand_run(settings, name, slot)?;
    let runner = Runner {
        db: db.clone(),
        zone: settings.zone,
        lease: settings.lease,
        instance: crate::instance_id(),
        retention: settings.retention,
    };
    Ok(match runner.claim(job.name, &slot).await? {
        Claim::Claimed { attempt } => RunReport::Ran(runner.execute(job, slot, attempt).await),
        Claim::AlreadyDone {
            instance,
            outcome,
            finished_at,
        } => RunReport::AlreadyDone {
            slot,
            instance,
            outcome,
            finished_at,
        },
        Claim::HeldByOther {
            instance,
            lease_until,
        } => RunReport::HeldByOther {
            slot,
            instance,
            lease_until,
        },
    })
}
