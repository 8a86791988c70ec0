//! Pure rules of job runs: which slot a firing belongs to, which slots a person may type, and
//! when a lease has run out. No clock: `now` is always an argument.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use chrono_tz::Tz;

use super::{Granularity, JobRun, RunOutcome, RunState, Slot};

/// Why a typed slot was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{raw}` is not a {granularity} slot; expected {pattern}", granularity = .granularity.as_str(), pattern = .granularity.pattern())]
pub struct SlotError {
    /// What was typed.
    pub raw: String,
    /// The granularity the job's slots have.
    pub granularity: Granularity,
}

fn format_of(granularity: Granularity) -> &'static str {
    match granularity {
        Granularity::Second => "%Y-%m-%dT%H:%M:%S",
        Granularity::Minute => "%Y-%m-%dT%H:%M",
        Granularity::Hour => "%Y-%m-%dT%H",
        Granularity::Day => "%Y-%m-%d",
    }
}

/// The slot a firing at `fire_time` belongs to: the wall-clock time in `zone`, truncated to the
/// granularity. Every instance firing for the same scheduled instant computes the same slot.
pub fn slot_at(fire_time: DateTime<Utc>, zone: Tz, granularity: Granularity) -> Slot {
    Slot(
        fire_time
            .with_timezone(&zone)
            .format(format_of(granularity))
            .to_string(),
    )
}

/// Checks a slot typed by a person (`linli jobs run NAME --slot …`): it must be written exactly
/// as [`slot_at`] writes slots of this granularity, so it names the same row a scheduled run
/// would use.
pub fn parse_slot(raw: &str, granularity: Granularity) -> Result<Slot, SlotError> {
    let refused = || SlotError {
        raw: raw.to_owned(),
        granularity,
    };
    let format = format_of(granularity);
    let canonical = match granularity {
        Granularity::Day => NaiveDate::parse_from_str(raw, format)
            .map_err(|_| refused())?
            .format(format)
            .to_string(),
        Granularity::Hour | Granularity::Minute | Granularity::Second => {
            let padded = match granularity {
                Granularity::Hour => format!("{raw}:00:00"),
                Granularity::Minute => format!("{raw}:00"),
                Granularity::Second | Granularity::Day => raw.to_owned(),
            };
            NaiveDateTime::parse_from_str(&padded, "%Y-%m-%dT%H:%M:%S")
                .map_err(|_| refused())?
                .format(format)
                .to_string()
        }
    };
    if canonical == raw {
        Ok(Slot(canonical))
    } else {
        Err(refused())
    }
}

/// When a lease taken at `now` for `lease` runs out, to the microsecond both engines store.
pub fn lease_end(now: NaiveDateTime, lease: Duration) -> NaiveDateTime {
    TimeDelta::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .unwrap_or(NaiveDateTime::MAX)
        .trunc_subsecs(6)
}

/// True once a lease has run out at `now`: its holder is presumed dead and the slot may be
/// taken over. The store's takeover statement uses the same comparison (`lease_until < now`).
pub fn lease_expired(lease_until: NaiveDateTime, now: NaiveDateTime) -> bool {
    lease_until < now
}

/// Where `run` stands at `now`.
pub fn state(run: &JobRun, now: NaiveDateTime) -> RunState {
    match (run.finished_at, run.outcome) {
        (Some(_), Some(RunOutcome::Succeeded)) => RunState::Succeeded,
        (Some(_), Some(RunOutcome::Failed)) => RunState::Failed,
        (None, _) | (Some(_), None) if lease_expired(run.lease_until, now) => RunState::Abandoned,
        (None, _) | (Some(_), None) => RunState::Running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("a valid instant")
    }

    #[test]
    fn slots_are_the_fire_time_in_the_zone_truncated_to_the_granularity() {
        // 19:17:05 UTC is 03:17:05 the next day in Shanghai.
        let fire = at(2026, 11, 27, 19, 17, 5);
        let zone = chrono_tz::Asia::Shanghai;
        assert_eq!(slot_at(fire, zone, Granularity::Day).as_str(), "2026-11-28");
        assert_eq!(
            slot_at(fire, zone, Granularity::Hour).as_str(),
            "2026-11-28T03"
        );
        assert_eq!(
            slot_at(fire, zone, Granularity::Minute).as_str(),
            "2026-11-28T03:17"
        );
        assert_eq!(
            slot_at(fire, zone, Granularity::Second).as_str(),
            "2026-11-28T03:17:05"
        );
        assert_eq!(
            slot_at(fire, chrono_tz::UTC, Granularity::Day).as_str(),
            "2026-11-27"
        );
    }

    #[test]
    fn firings_a_fraction_apart_share_a_slot_and_the_next_period_does_not() {
        let zone = chrono_tz::Asia::Shanghai;
        let fire = at(2026, 11, 27, 19, 17, 5);
        let late = fire + TimeDelta::milliseconds(900);
        assert_eq!(
            slot_at(fire, zone, Granularity::Second),
            slot_at(late, zone, Granularity::Second)
        );
        assert_ne!(
            slot_at(fire, zone, Granularity::Second),
            slot_at(fire + TimeDelta::seconds(1), zone, Granularity::Second)
        );
    }

    #[test]
    fn typed_slots_must_be_written_as_the_scheduler_writes_them() {
        assert_eq!(
            parse_slot("2026-11-28", Granularity::Day).map(|s| s.0),
            Ok("2026-11-28".to_owned())
        );
        assert!(parse_slot("2026-11-28T03:17:05", Granularity::Second).is_ok());
        assert!(parse_slot("2026-11-28T03:17", Granularity::Minute).is_ok());
        assert!(parse_slot("2026-11-28T03", Granularity::Hour).is_ok());
        for (raw, granularity) in [
            ("2026-1-5", Granularity::Day),
            ("2026-02-30", Granularity::Day),
            ("2026-11-28T03", Granularity::Day),
            ("2026-11-28", Granularity::Hour),
            ("2026-11-28T3", Granularity::Hour),
            ("2026-11-28T03:17:05", Granularity::Minute),
            ("2026-11-28 03:17:05", Granularity::Second),
            ("today", Granularity::Day),
            ("", Granularity::Second),
        ] {
            let error = parse_slot(raw, granularity).expect_err(raw);
            assert_eq!(error.granularity, granularity);
        }
        let message = parse_slot("x", Granularity::Day)
            .expect_err("refused")
            .to_string();
        assert_eq!(message, "`x` is not a day slot; expected YYYY-MM-DD");
    }

    #[test]
    fn a_lease_expires_strictly_after_its_end() {
        let now = at(2026, 11, 27, 19, 17, 5).naive_utc();
        let end = lease_end(now, Duration::from_secs(60));
        assert!(!lease_expired(end, now));
        assert!(!lease_expired(end, end));
        assert!(lease_expired(end, end + TimeDelta::microseconds(1)));
        let fraction = lease_end(now, Duration::from_nanos(1_500));
        assert_eq!(fraction, now + TimeDelta::microseconds(1));
        assert_eq!(
            lease_end(now, Duration::MAX),
            NaiveDateTime::MAX.trunc_subsecs(6)
        );
    }

    #[test]
    fn state_follows_the_outcome_then_the_lease() {
        let now = at(2026, 11, 27, 19, 17, 5).naive_utc();
        let mut run = JobRun {
            job: "purge_expired_sessions".into(),
            slot: Slot("2026-11-28".into()),
            instance: "a".into(),
            attempt: 1,
            lease_until: now + TimeDelta::seconds(10),
            started_at: now,
            finished_at: None,
            outcome: None,
            detail: "{}".into(),
        };
        assert_eq!(state(&run, now), RunState::Running);
        assert_eq!(
            state(&run, now + TimeDelta::seconds(11)),
            RunState::Abandoned
        );
        run.finished_at = Some(now);
        run.outcome = Some(RunOutcome::Failed);
        assert_eq!(state(&run, now + TimeDelta::days(1)), RunState::Failed);
        run.outcome = Some(RunOutcome::Succeeded);
        assert_eq!(state(&run, now), RunState::Succeeded);
    }
}
