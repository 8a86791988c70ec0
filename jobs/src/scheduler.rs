//! The in-process scheduler of `linli serve`: tokio-cron-scheduler fires each enabled job in
//! the configured zone; every firing maps to a business slot and runs only if this instance
//! wins that slot in `job_runs`, so each slot runs once however many instances fire it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use linli_domain::db::Db;
use linli_domain::job_runs::{Claim, Granularity, rules};
use linli_domain::time::now_utc;
use tokio::sync::{Semaphore, watch};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::runner::{Runner, Settings, record_skip};
use crate::schedule::{CATALOGUE, JobSpec, Schedule};

/// Most runs of this instance at once; shutdown waits for all of them.
const MAX_RUNS_IN_FLIGHT: u32 = 64;

/// Why the scheduler could not be set up or started.
#[derive(Debug, thiserror::Error)]
#[error("the job scheduler failed: {0}")]
pub struct SchedulerError(#[from] JobSchedulerError);

/// The jobs of one `linli serve`, built from the resolved schedules.
pub struct Scheduler {
    inner: JobScheduler,
    runner: Arc<Runner>,
    stop: Arc<watch::Sender<bool>>,
    in_flight: Arc<Semaphore>,
}

/// One job's firing handler.
struct Firing {
    job: &'static JobSpec,
    schedule: Schedule,
    granularity: Granularity,
    runner: Arc<Runner>,
    stop: Arc<watch::Sender<bool>>,
    in_flight: Arc<Semaphore>,
}

impl Scheduler {
    /// Registers every enabled job; a disabled one (empty schedule) is logged once, here.
    /// Nothing fires before [`Scheduler::start`].
    pub async fn new(db: Db, settings: &Settings) -> Result<Self, SchedulerError> {
        let inner = JobScheduler::new().await?;
        let runner = Arc::new(Runner {
            db,
            zone: settings.zone,
            lease: settings.lease,
            instance: crate::instance_id(),
            retention: settings.retention,
        });
        let (stop, _) = watch::channel(false);
        let stop = Arc::new(stop);
        let in_flight = Arc::new(Semaphore::new(MAX_RUNS_IN_FLIGHT as usize));
        for job in CATALOGUE {
            let Some(Some(schedule)) = settings.schedules.get(job.name) else {
                tracing::info!(
                    job = job.name,
                    "job disabled: its schedule is empty (LINLI_JOBS__{})",
                    job.name.to_uppercase()
                );
                continue;
            };
            let firing = Arc::new(Firing {
                job,
                schedule: schedule.clone(),
                granularity: schedule.granularity(),
                runner: runner.clone(),
                stop: stop.clone(),
                in_flight: in_flight.clone(),
            });
            let cron = Job::new_async_tz(schedule.expression(), settings.zone, move |_, _| {
                let firing = firing.clone();
                Box::pin(async move { firing.fire().await })
            })?;
            inner.add(cron).await?;
            tracing::info!(
                job = job.name,
                schedule = schedule.expression(),
                slot = schedule.granularity().as_str(),
                "job scheduled"
            );
        }
        Ok(Self {
            inner,
            runner,
            stop,
            in_flight,
        })
    }

    /// Starts firing.
    pub async fn start(&self) -> Result<(), SchedulerError> {
        self.inner.start().await?;
        tracing::info!(instance = %self.runner.instance, "job scheduler started");
        Ok(())
    }

    /// This instance's name in `job_runs.instance`.
    pub fn instance(&self) -> &str {
        &self.runner.instance
    }

    /// Stops firing, lets runs in progress finish within `grace`, and abandons slots still
    /// waiting on another instance's lease. A run cut off by the grace keeps its row
    /// unfinished; its lease runs out and another instance takes the slot over.
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.send_replace(true);
        if let Err(error) = self.inner.shutdown().await {
            tracing::warn!(%error, "the job scheduler did not stop cleanly");
        }
        let drained = tokio::time::timeout(
            grace,
            self.in_flight
                .clone()
                .acquire_many_owned(MAX_RUNS_IN_FLIGHT),
        )
        .await;
        self.in_flight.close();
        match drained {
            Ok(_) => tracing::info!("job scheduler stopped"),
            Err(_) => tracing::warn!(
                ?grace,
                "job runs still in progress at shutdown; their leases will run out"
            ),
        }
    }
}

impl Firing {
    /// One firing: find its slot, claim it, run it when won. A slot held by a live runner is
    /// watched until that lease runs out, so the slot is taken over if its runner died.
    async fn fire(&self) {
        let zone = self.runner.zone;
        let observed = Utc::now();
        let scheduled = self
            .schedule
            .latest_at_or_before(&observed.with_timezone(&zone))
            .map_or(observed, |t| t.with_timezone(&Utc));
        let slot = rules::slot_at(scheduled, zone, self.granularity);
        let name = self.job.name;
        let mut stopped = self.stop.subscribe();
        loop {
            if *stopped.borrow() {
                return;
            }
            let Ok(permit) = self.in_flight.clone().acquire_owned().await else {
                return;
            };
            if *stopped.borrow() {
                return;
            }
            match self.runner.claim(name, &slot).await {
                Ok(Claim::Claimed { attempt }) => {
                    self.runner.execute(self.job, slot, attempt).await;
                    drop(permit);
                    return;
                }
                Ok(Claim::AlreadyDone { instance, .. }) => {
                    record_skip(name, "already_done");
                    tracing::debug!(job = name, slot = %slot, by = %instance, "slot already done");
                    return;
                }
                Ok(Claim::HeldByOther {
                    instance,
                    lease_until,
                }) => {
                    drop(permit);
                    record_skip(name, "held_by_other");
                    tracing::debug!(job = name, slot = %slot, by = %instance, %lease_until, "slot held elsewhere");
                    let wait = (lease_until - now_utc()).to_std().unwrap_or_default()
                        + Duration::from_secs(1);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = stopped.changed() => return,
                    }
                }
                Err(error) => {
                    metrics::counter!("linli_job_claim_errors_total", "job" => name).increment(1);
                    tracing::warn!(job = name, slot = %slot, %error, "cannot claim a job slot");
                    return;
                }
            }
        }
    }
}
