//! Pure rules of needs: checking what is posted, the service radius, the check code, credited
//! minutes and the weekly occurrences of care plans. Takes `now` as an argument.

use chrono::{Datelike, Duration, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::{NeedMode, NewNeed, Urgency};
use crate::areas::AreaId;
use crate::volunteers::ServiceRadius;

/// Wrong codes a helper may enter for one need in a row before being refused.
pub const MAX_CODE_FAILURES: i32 = 5;

/// Most helpers one need may ask for.
pub const MAX_HEADCOUNT: i32 = 50;

/// How far in the past a window may start: clocks differ and forms take time to fill in.
pub const START_TOLERANCE: Duration = Duration::minutes(5);

/// A broken rule of a posted need; each has its own problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NeedInputError {
    /// The window starts in the past.
    #[error("the time window starts in the past")]
    WindowInPast,
    /// The window ends before (or when) it starts.
    #[error("the time window ends before it starts")]
    WindowReversed,
    /// The work takes longer than the window.
    #[error("the estimated duration does not fit in the window")]
    DurationExceedsWindow,
    /// The duration is not 1–1440 minutes.
    #[error("the duration must be 1-1440 minutes")]
    Duration,
    /// The headcount is not 1–50.
    #[error("the headcount must be between 1 and 50")]
    Headcount,
    /// The description is blank or too long.
    #[error("the description must be 1-500 characters")]
    Description,
    /// The address is too long.
    #[error("the address must be at most 200 characters")]
    Address,
}

impl NeedInputError {
    /// The offending field.
    pub fn field(self) -> &'static str {
        match self {
            Self::WindowInPast => "window_start",
            Self::WindowReversed => "window_end",
            Self::DurationExceedsWindow | Self::Duration => "duration_minutes",
            Self::Headcount => "headcount",
            Self::Description => "description",
            Self::Address => "address",
        }
    }

    /// Stable code, also the problem's code when it is the first broken rule.
    pub fn code(self) -> &'static str {
        match self {
            Self::WindowInPast => "window_in_past",
            Self::WindowReversed => "window_ends_before_start",
            Self::DurationExceedsWindow => "duration_exceeds_window",
            Self::Duration => "invalid_duration",
            Self::Headcount => "invalid_headcount",
            Self::Description => "invalid_description",
            Self::Address => "invalid_address",
        }
    }
}

/// What a need asks for, before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFields {
    /// What is needed.
    pub description: String,
    /// The address.
    pub address: Option<String>,
    /// Earliest start.
    pub window_start: NaiveDateTime,
    /// Latest end.
    pub window_end: NaiveDateTime,
    /// Estimated minutes.
    pub duration_minutes: i32,
    /// Helpers wanted.
    pub headcount: i32,
}

/// Checks the fields every need shares; lists every broken rule, window rules first.
pub fn check_fields(
    fields: &NeedFields,
    now: NaiveDateTime,
) -> Result<NeedFields, Vec<NeedInputError>> {
    let mut errors = Vec::new();
    if fields.window_start < now - START_TOLERANCE {
        errors.push(NeedInputError::WindowInPast);
    }
    if fields.window_end <= fields.window_start {
        errors.push(NeedInputError::WindowReversed);
    }
    if !(1..=MAX_HEADCOUNT).contains(&fields.headcount) {
        errors.push(NeedInputError::Headcount);
    }
    if !(1..=1440).contains(&fields.duration_minutes) {
        errors.push(NeedInputError::Duration);
    } else if fields.window_end > fields.window_start
        && i64::from(fields.duration_minutes)
            > (fields.window_end - fields.window_start).num_minutes()
    {
        errors.push(NeedInputError::DurationExceedsWindow);
    }
    let description = fields.description.trim().to_owned();
    if description.is_empty() || description.chars().count() > 500 {
        errors.push(NeedInputError::Description);
    }
    let address = fields
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    if address.as_deref().is_some_and(|a| a.chars().count() > 200) {
        errors.push(NeedInputError::Address);
    }
    if errors.is_empty() {
        Ok(NeedFields {
            description,
            address,
            ..fields.clone()
        })
    } else {
        Err(errors)
    }
}

/// Checks a new need.
pub fn check_new_need(
    category_code: String,
    grid_id: Option<AreaId>,
    fields: &NeedFields,
    urgency: Urgency,
    mode: NeedMode,
    now: NaiveDateTime,
) -> Result<NewNeed, Vec<NeedInputError>> {
    let fields = check_fields(fields, now)?;
    Ok(NewNeed {
        category_code,
        description: fields.description,
        grid_id,
        address: fields.address,
        window_start: fields.window_start,
        window_end: fields.window_end,
        duration_minutes: fields.duration_minutes,
        headcount: fields.headcount,
        urgency,
        mode,
    })
}

/// The path prefix of the areas a volunteer living at `home_grid_path` (`/d/s/c/g/`) serves:
/// their grid, community or street.
pub fn radius_prefix(home_grid_path: &str, radius: ServiceRadius) -> String {
    let keep = match radius {
        ServiceRadius::Grid => 4,
        ServiceRadius::Community => 3,
        ServiceRadius::Street => 2,
    };
    let segments: Vec<&str> = home_grid_path
        .split('/')
        .filter(|s| !s.is_empty())
        .take(keep)
        .collect();
    format!("/{}/", segments.join("/"))
}

/// A fresh 4-digit check code from a random number.
pub fn check_code_from(random: u32) -> String {
    format!("{:04}", random % 10_000)
}

/// Compares a given code with the need's, in time independent of where they differ.
pub fn codes_match(given: &str, expected: &str) -> bool {
    let given = given.trim().as_bytes();
    let expected = expected.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Minutes worked between check-in and check-out, started minutes counted whole, at least 1.
pub fn worked_minutes(checked_in: NaiveDateTime, checked_out: NaiveDateTime) -> i32 {
    let seconds = (checked_out - checked_in).num_seconds().max(0);
    i32::try_from((seconds + 59) / 60)
        .unwrap_or(i32::MAX)
        .max(1)
}

/// Minutes credited when the job closes a forgotten check-out: what was worked until the
/// window's end, never more than the estimated duration.
pub fn auto_closed_minutes(
    checked_in: NaiveDateTime,
    window_end: NaiveDateTime,
    duration_minutes: i32,
) -> i32 {
    worked_minutes(checked_in, window_end.max(checked_in)).min(duration_minutes)
}

/// True when two half-open windows share time.
pub fn overlaps(a: (NaiveDateTime, NaiveDateTime), b: (NaiveDateTime, NaiveDateTime)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The UTC starts of a weekly rule (ISO `weekday`, `start_minute` in `zone`) falling in
/// `[from, until)`.
pub fn weekly_starts(
    weekday: i32,
    start_minute: i32,
    zone: Tz,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Vec<NaiveDateTime> {
    let mut starts = Vec::new();
    let mut day = zone.from_utc_datetime(&from).date_naive() - Duration::days(1);
    let last = zone.from_utc_datetime(&until).date_naive() + Duration::days(1);
    while day <= last {
        if i32::try_from(day.weekday().number_from_monday()).ok() == Some(weekday) {
            let local = day
                .and_hms_opt(0, 0, 0)
                .map(|t| t + Duration::minutes(start_minute.into()));
            if let Some(start) = local
                .and_then(|t| zone.from_local_datetime(&t).earliest())
                .map(|t| t.naive_utc())
                && start >= from
                && start < until
            {
                starts.push(start);
            }
        }
        day += Duration::days(1);
    }
    starts
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("a valid time")
    }

    fn fields(start: NaiveDateTime, end: NaiveDateTime, headcount: i32) -> NeedFields {
        NeedFields {
            description: "陪同就医".into(),
            address: None,
            window_start: start,
            window_end: end,
            duration_minutes: 60,
            headcount,
        }
    }

    #[test]
    fn windows_in_the_past_or_reversed_and_zero_headcount_are_refused() {
        let now = at(10, 8);
        assert!(check_fields(&fields(at(10, 9), at(10, 11), 1), now).is_ok());
        assert_eq!(
            check_fields(&fields(at(9, 9), at(9, 11), 1), now),
            Err(vec![NeedInputError::WindowInPast])
        );
        assert_eq!(
            check_fields(&fields(at(10, 11), at(10, 9), 1), now),
            Err(vec![NeedInputError::WindowReversed])
        );
        assert_eq!(
            check_fields(&fields(at(10, 9), at(10, 11), 0), now),
            Err(vec![NeedInputError::Headcount])
        );
    }

    #[test]
    fn the_radius_keeps_grid_community_or_street() {
        assert_eq!(radius_prefix("/1/2/3/4/", ServiceRadius::Grid), "/1/2/3/4/");
        assert_eq!(
            radius_prefix("/1/2/3/4/", ServiceRadius::Community),
            "/1/2/3/"
        );
        assert_eq!(radius_prefix("/1/2/3/4/", ServiceRadius::Street), "/1/2/");
    }

    #[test]
    fn codes_compare_exactly() {
        assert!(codes_match(" 0420 ", "0420"));
        assert!(!codes_match("0421", "0420"));
        assert!(!codes_match("042", "0420"));
        assert_eq!(check_code_from(7), "0007");
    }

    #[test]
    fn minutes_round_up_and_auto_close_is_capped() {
        assert_eq!(worked_minutes(at(10, 9), at(10, 10)), 60);
        assert_eq!(worked_minutes(at(10, 9), at(10, 9)), 1);
        assert_eq!(auto_closed_minutes(at(10, 9), at(10, 12), 90), 90);
        assert_eq!(auto_closed_minutes(at(10, 9), at(10, 10), 90), 60);
    }

    #[test]
    fn weekly_starts_fall_on_the_local_weekday() {
        // 2026-12-05 is a Saturday; 09:00 in Shanghai is 01:00 UTC.
        let starts = weekly_starts(6, 540, chrono_tz::Asia::Shanghai, at(1, 0), at(15, 0));
        assert_eq!(starts, vec![at(5, 1), at(12, 1)]);
    }
}
