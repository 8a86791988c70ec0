#![doc = include_str!("../README.md")]

pub mod schedule;

pub use schedule::{CATALOGUE, JobSpec, Schedule, ScheduleError, resolve_schedules};
