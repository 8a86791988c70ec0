//! The one place a wall-clock instant is read; rules receive it as an argument.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, SubsecRound, TimeDelta, TimeZone, Utc};

/// Now in UTC, truncated to microseconds so SQLite and PostgreSQL store the same value.
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// The UTC instant a local date begins in `zone`: day boundaries of statements, statistics and
/// settlement periods are local midnights. An ambiguous midnight takes its first reading; a
/// skipped one, the first valid time after it.
pub fn local_midnight_utc<Tz: TimeZone>(date: NaiveDate, zone: &Tz) -> NaiveDateTime {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=3)
        .find_map(|hour| {
            zone.from_local_datetime(&(midnight + TimeDelta::hours(hour)))
                .earliest()
        })
        .map_or(midnight, |local| local.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%F %T").expect("a time")
    }

    #[test]
    fn a_local_midnight_is_the_instant_the_day_begins_there() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        assert_eq!(
            local_midnight_utc(day, &chrono_tz::Asia::Shanghai),
            at("2026-11-30 16:00:00")
        );
        // São Paulo skipped its midnight on 2018-11-04: the day began at 01:00 local.
        let skipped = NaiveDate::from_ymd_opt(2018, 11, 4).expect("a date");
        assert_eq!(
            local_midnight_utc(skipped, &chrono_tz::America::Sao_Paulo),
            at("2018-11-04 03:00:00")
        );
    }
}
