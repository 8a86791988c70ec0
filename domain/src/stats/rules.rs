//! Pure rules of area statistics: which periods and buckets are valid, where buckets begin,
//! how local dates map to UTC instants, medians, and how the per-day counts the store returns
//! fold into the figures. No I/O, no clock.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Offset, TimeZone};
use rust_decimal::{Decimal, RoundingStrategy};

use super::Bucket;
use super::{BucketFigures, CategoryFigures, CategoryRef, Period, StatusCounts};
use crate::categories::CategoryId;
use crate::needs::NeedStatus;
use crate::time::local_midnight_utc;

/// Days in the period when the caller names no start.
pub const DEFAULT_DAYS: u64 = 30;
/// The longest period, in days: two years and a leap day.
pub const MAX_DAYS: i64 = 731;
/// How many categories the unmet-demand list names.
pub const TOP_UNMET: usize = 5;
/// Statuses that count as unmet demand: nobody (or not everybody wanted) came.
pub const UNMET_STATUSES: [NeedStatus; 3] = [
    NeedStatus::Open,
    NeedStatus::PartiallyAssigned,
    NeedStatus::Expired,
];

/// `date` moved by `days` (saturating at the ends of the calendar).
fn plus_days(date: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(if days >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// Why a period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The bucket is not day, week or month.
    #[error("bucket must be day, week or month, not `{0}`")]
    UnknownBucket(String),
    /// The start comes after the end.
    #[error("from ({from}) is after to ({to})")]
    Reversed {
        /// The start.
        from: NaiveDate,
        /// The end.
        to: NaiveDate,
    },
    /// The period is longer than the maximum.
    #[error("the period spans {days} days; at most {MAX_DAYS} are allowed")]
    TooLong {
        /// Its length in days.
        days: i64,
    },
}

/// Checks a period: `to` defaults to `today`, `from` to 30 days ending at `to`, the bucket to
/// a day.
pub fn check_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    bucket: Option<&str>,
    today: NaiveDate,
) -> Result<Period, PeriodError> {
    let bucket = match bucket {
        None => Bucket::Day,
        Some(raw) => {
            Bucket::parse(raw).ok_or_else(|| PeriodError::UnknownBucket(raw.to_owned()))?
        }
    };
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| {
        to.checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(to)
    });
    if from > to {
        return Err(PeriodError::Reversed { from, to });
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_DAYS {
        return Err(PeriodError::TooLong { days });
    }
    Ok(Period { from, to, bucket })
}

/// The first date of the bucket holding `date` (a Monday for weeks, the 1st for months).
pub fn bucket_start(date: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => date,
        Bucket::Week => plus_days(date, -i64::from(date.weekday().num_days_from_monday())),
        Bucket::Month => date.with_day(1).unwrap_or(date),
    }
}

/// The first date of the bucket after the one starting at `start`.
fn next_bucket(start: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => plus_days(start, 1),
        Bucket::Week => plus_days(start, 7),
        Bucket::Month => start
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX),
    }
}

/// The buckets of a period, oldest first, each clipped to the period: (first date, last date).
pub fn buckets(period: &Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = bucket_start(period.from, period.bucket);
    while start <= period.to {
        let next = next_bucket(start, period.bucket);
        out.push((start.max(period.from), plus_days(next, -1).min(period.to)));
        start = next;
    }
    out
}

/// The UTC instants bounding a period: its first local midnight, and the midnight after it.
pub fn utc_bounds<Tz: TimeZone>(period: &Period, zone: &Tz) -> (NaiveDateTime, NaiveDateTime) {
    (
        local_midnight_utc(period.from, zone),
        local_midnight_utc(plus_days(period.to, 1), zone),
    )
}

/// The zone's offset from UTC in seconds at `utc`: what the store adds to bucket by local date.
pub fn offset_seconds<Tz: TimeZone>(zone: &Tz, utc: NaiveDateTime) -> i32 {
    zone.offset_from_utc_datetime(&utc).fix().local_minus_utc()
}

/// The median of `values` (the mean of the middle two, rounded down, for an even count); none
/// when empty.
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        let (a, b) = (values[middle - 1], values[middle]);
        a + (b - a).div_euclid(2)
    })
}

/// Minutes as hours with two decimals, half away from zero.
pub fn hours(minutes: i64) -> Decimal {
    (Decimal::from(minutes) / Decimal::from(60))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Needs posted on one local date, of one status and category: what the store counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// The local date they were posted.
    pub day: NaiveDate,
    /// Their status now.
    pub status: NeedStatus,
    /// Their category.
    pub category: CategoryId,
    /// How many.
    pub needs: i64,
}

/// The need figures folded from the per-day counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFigures {
    /// Needs posted.
    pub needs: i64,
    /// By status.
    pub by_status: StatusCounts,
    /// By category, most first.
    pub by_category: Vec<CategoryFigures>,
    /// Bucket by bucket.
    pub series: Vec<BucketFigures>,
    /// Most unmet categories.
    pub top_unmet: Vec<CategoryFigures>,
}

/// What one bucket counts while folding: by status, by category, in all.
#[derive(Debug, Clone, Default)]
struct Tally {
    statuses: HashMap<NeedStatus, i64>,
    categories: HashMap<CategoryId, i64>,
    needs: i64,
}

fn status_counts(counts: &HashMap<NeedStatus, i64>) -> StatusCounts {
    NeedStatus::ALL
        .into_iter()
        .map(|s| (s.as_str(), counts.get(&s).copied().unwrap_or(0)))
        .collect()
}

/// Folds per-day counts into totals, categories, the series and the unmet-demand list.
/// `categories` names the categories; a count of an unnamed one is named by its id.
pub fn fold(
    period: &Period,
    rows: &[DayCount],
    categories: &HashMap<CategoryId, CategoryRef>,
) -> NeedFigures {
    let spans = buckets(period);
    let mut series: Vec<Tally> = vec![Tally::default(); spans.len()];
    let mut by_status: HashMap<NeedStatus, i64> = HashMap::new();
    let mut by_category: HashMap<CategoryId, (i64, i64)> = HashMap::new();
    let mut total = 0;
    for row in rows {
        if row.day < period.from || row.day > period.to {
            continue;
        }
        total += row.needs;
        *by_status.entry(row.status).or_default() += row.needs;
        let entry = by_category.entry(row.category).or_default();
        entry.0 += row.needs;
        if UNMET_STATUSES.contains(&row.status) {
            entry.1 += row.needs;
        }
        let index = spans.partition_point(|(_, end)| *end < row.day);
        if let Some(tally) = series.get_mut(index) {
            *tally.statuses.entry(row.status).or_default() += row.needs;
            *tally.categories.entry(row.category).or_default() += row.needs;
            tally.needs += row.needs;
        }
    }
    let name = |id: CategoryId| {
        categories.get(&id).cloned().unwrap_or_else(|| CategoryRef {
            id,
            code: id.0.to_string(),
            name_zh: id.0.to_string(),
            name_en: id.0.to_string(),
        })
    };
    let mut categories_out: Vec<CategoryFigures> = by_category
        .iter()
        .map(|(id, (needs, unmet))| CategoryFigures {
            category: name(*id),
            needs: *needs,
            unmet: *unmet,
        })
        .collect();
    categories_out.sort_by(|a, b| {
        b.needs
            .cmp(&a.needs)
            .then_with(|| a.category.code.cmp(&b.category.code))
    });
    let mut top_unmet: Vec<CategoryFigures> = categories_out
        .iter()
        .filter(|c| c.unmet > 0)
        .cloned()
        .collect();
    top_unmet.sort_by(|a, b| {
        b.unmet
            .cmp(&a.unmet)
            .then_with(|| a.category.code.cmp(&b.category.code))
    });
    top_unmet.truncate(TOP_UNMET);
    let series = spans
        .into_iter()
        .zip(series)
        .map(|((start, end), tally)| {
            let mut categories: Vec<(CategoryId, i64)> = tally.categories.into_iter().collect();
            categories.sort_unstable();
            BucketFigures {
                start,
                end,
                needs: tally.needs,
                by_status: status_counts(&tally.statuses),
                by_category: categories,
            }
        })
        .collect();
    NeedFigures {
        needs: total,
        by_status: status_counts(&by_status),
        by_category: categories_out,
        series,
        top_unmet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_period_defaults_to_thirty_days_by_day_ending_today() {
        let today = date(2026, 12, 7);
        let period = check_period(None, None, None, today).expect("valid");
        assert_eq!(period.from, date(2026, 11, 8));
        assert_eq!(period.to, today);
        assert_eq!(period.bucket, Bucket::Day);
        assert_eq!(buckets(&period).len(), 30);
    }

    #[test]
    fn bad_periods_and_buckets_are_refused_with_their_reason() {
        let today = date(2026, 12, 7);
        assert_eq!(
            check_period(None, None, Some("year"), today),
            Err(PeriodError::UnknownBucket("year".into()))
        );
        assert!(matches!(
            check_period(
                Some(date(2026, 12, 2)),
                Some(date(2026, 12, 1)),
                None,
                today
            ),
            Err(PeriodError::Reversed { .. })
        ));
        assert_eq!(
            check_period(Some(date(2024, 1, 1)), Some(date(2026, 1, 1)), None, today),
            Err(PeriodError::TooLong { days: 732 })
        );
        assert!(check_period(Some(date(2024, 1, 2)), Some(date(2026, 1, 1)), None, today).is_ok());
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_clipped_to_the_period() {
        let period = Period {
            from: date(2026, 11, 27),
            to: date(2026, 12, 9),
            bucket: Bucket::Week,
        };
        assert_eq!(
            buckets(&period),
            vec![
                (date(2026, 11, 27), date(2026, 11, 29)),
                (date(2026, 11, 30), date(2026, 12, 6)),
                (date(2026, 12, 7), date(2026, 12, 9)),
            ]
        );
        let months = Period {
            bucket: Bucket::Month,
            ..period
        };
        assert_eq!(
            buckets(&months),
            vec![
                (date(2026, 11, 27), date(2026, 11, 30)),
                (date(2026, 12, 1), date(2026, 12, 9)),
            ]
        );
    }

    #[test]
    fn shanghai_days_begin_at_sixteen_hundred_utc_the_day_before() {
        let period = Period {
            from: date(2026, 12, 1),
            to: date(2026, 12, 1),
            bucket: Bucket::Day,
        };
        let (from, until) = utc_bounds(&period, &chrono_tz::Asia::Shanghai);
        assert_eq!(
            from,
            date(2026, 11, 30).and_hms_opt(16, 0, 0).expect("a time")
        );
        assert_eq!(
            until,
            date(2026, 12, 1).and_hms_opt(16, 0, 0).expect("a time")
        );
        assert_eq!(offset_seconds(&chrono_tz::Asia::Shanghai, from), 8 * 3600);
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![300, 60, 120]), Some(120));
        assert_eq!(median(vec![60, 120, 300, 61]), Some(90));
        assert_eq!(hours(90), Decimal::new(150, 2));
        assert_eq!(hours(20), Decimal::new(33, 2));
    }

    #[test]
    fn day_counts_fold_into_buckets_categories_and_unmet_demand() {
        let period = Period {
            from: date(2026, 12, 1),
            to: date(2026, 12, 14),
            bucket: Bucket::Week,
        };
        let row = |d, status, category, needs| DayCount {
            day: date(2026, 12, d),
            status,
            category: CategoryId(category),
            needs,
        };
        let rows = vec![
            row(1, NeedStatus::Open, 1, 2),
            row(3, NeedStatus::Completed, 2, 1),
            row(8, NeedStatus::Expired, 2, 3),
            row(14, NeedStatus::Open, 1, 1),
            row(15, NeedStatus::Open, 1, 9),
        ];
        let figures = fold(&period, &rows, &HashMap::new());
        assert_eq!(figures.needs, 7);
        let weeks: Vec<i64> = figures.series.iter().map(|b| b.needs).collect();
        assert_eq!(
            weeks,
            vec![3, 3, 1],
            "Tuesday to Sunday, a whole week, then one Monday"
        );
        assert_eq!(
            figures.series[0].by_category,
            vec![(CategoryId(1), 2), (CategoryId(2), 1)]
        );
        assert!(figures.by_status.contains(&("open", 3)));
        assert!(figures.by_status.contains(&("expired", 3)));
        assert_eq!(figures.by_category[0].category.id, CategoryId(2));
        let unmet: Vec<(CategoryId, i64)> = figures
            .top_unmet
            .iter()
            .map(|c| (c.category.id, c.unmet))
            .collect();
        assert_eq!(unmet, vec![(CategoryId(1), 3), (CategoryId(2), 3)]);
    }
}
