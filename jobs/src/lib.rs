#![doc = include_str!("../README.md")]

pub mod delivery;
pub mod email;
pub mod housekeeping;
pub mod ledger;
pub mod needs;
pub mod paid;
pub mod runner;
pub mod schedule;
pub mod scheduler;
pub mod webhooks;

pub use runner::{
    Counts, Finished, JobContext, JobError, JobFn, Retention, RunError, RunReport, Settings,
    run_once,
};
pub use schedule::{CATALOGUE, JobSpec, Schedule, ScheduleError, find, resolve_schedules};
pub use scheduler::{Scheduler, SchedulerError};

/// A name for this process in `job_runs.instance` and logs: host, process id and a random
/// suffix, so an operator can tell which machine ran a slot and two processes never share one.
pub fn instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..6])
}
