//! Job runs: one row per job and business slot, so each slot of a scheduled job runs once
//! across every instance sharing the database; a lease lets a slot whose runner died be taken
//! over; every run keeps its start, end, outcome and counts for operators.

pub mod rules;
pub mod store;

use std::fmt;

use chrono::NaiveDateTime;

/// The business period a run covers, in the configured zone (`2026-11-28` for a daily job,
/// `2026-11-28T03:17:05` for a per-second one). Two runs of one job never share a slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(String);

impl Slot {
    /// The slot as stored and shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A slot read back from the store, which only ever holds slots made by [`rules`].
    pub(crate) fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long one slot of a job lasts: the period of its schedule, so a job firing every second
/// gets a slot per second and a daily job a slot per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Granularity {
    /// One slot per second: `YYYY-MM-DDTHH:MM:SS`.
    Second,
    /// One slot per minute: `YYYY-MM-DDTHH:MM`.
    Minute,
    /// One slot per hour: `YYYY-MM-DDTHH`.
    Hour,
    /// One slot per day: `YYYY-MM-DD`.
    Day,
}

impl Granularity {
    /// The lowercase name, for logs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }

    /// How a slot of this granularity is written, for people typing `--slot`.
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Second => "YYYY-MM-DDTHH:MM:SS",
            Self::Minute => "YYYY-MM-DDTHH:MM",
            Self::Hour => "YYYY-MM-DDTHH",
            Self::Day => "YYYY-MM-DD",
        }
    }
}

/// How a finished run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunOutcome {
    /// The job did its work; `detail` holds its counts.
    Succeeded,
    /// The job returned an error; `detail` holds the message.
    Failed,
}

impl RunOutcome {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|o| o.as_str() == raw)
    }
}

/// Where a run stands at a given instant; see [`rules::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunState {
    /// Its runner holds a live lease.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Unfinished and its lease ran out: the runner died; another instance may take it over.
    Abandoned,
}

impl RunState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Abandoned => "abandoned",
        }
    }
}

/// One slot of one job as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's catalogue name.
    pub job: String,
    /// The business slot.
    pub slot: Slot,
    /// Who holds or held it.
    pub instance: String,
    /// 1 for the first runner, more after takeovers.
    pub attempt: i32,
    /// Until when the runner holds it.
    pub lease_until: NaiveDateTime,
    /// When the current attempt started (UTC).
    pub started_at: NaiveDateTime,
    /// When it finished (UTC).
    pub finished_at: Option<NaiveDateTime>,
    /// How it ended.
    pub outcome: Option<RunOutcome>,
    /// JSON object: counts of a success or the error of a failure.
    pub detail: String,
}

/// What [`store::claim_slot`] found: whether the caller should run the slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds the slot now and must run it, then call [`store::finish`].
    Claimed {
        /// Which attempt this is (more than 1 after taking over a dead runner's slot).
        attempt: i32,
    },
    /// The slot already ran; nothing to do.
    AlreadyDone {
        /// Who ran it.
        instance: String,
        /// How it ended.
        outcome: RunOutcome,
        /// When it finished.
        finished_at: NaiveDateTime,
    },
    /// Another runner holds a live lease on the slot.
    HeldByOther {
        /// Who holds it.
        instance: String,
        /// When its lease runs out, after which the slot may be taken over.
        lease_until: NaiveDateTime,
    },
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this job's runs.
    pub job: Option<String>,
    /// At most this many.
    pub limit: i64,
}
