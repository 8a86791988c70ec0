//! Wire types of area statistics.

use chrono::NaiveDate;
use linli_domain::stats::{AreaStats, BucketFigures, CategoryFigures, CategoryRef, StatusCounts};
use poem_openapi::Object;
use poem_openapi::types::Example;

/// The area counted.
#[derive(Debug, Clone, Object)]
pub struct StatsAreaView {
    /// Its id.
    pub id: i64,
    /// district, street, community or grid.
    pub level: String,
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// The period counted, in local dates of `time_zone`.
#[derive(Debug, Clone, Object)]
pub struct StatsPeriodView {
    /// First date.
    pub from: NaiveDate,
    /// Last date (included).
    pub to: NaiveDate,
    /// day, week or month.
    pub bucket: String,
    /// The zone the dates are in (IANA name).
    pub time_zone: String,
}

/// Needs of one status.
#[derive(Debug, Clone, Object)]
pub struct StatusCountView {
    /// The status now.
    pub status: String,
    /// How many.
    pub needs: i64,
}

/// A category as the figures name it.
#[derive(Debug, Clone, Object)]
pub struct StatsCategoryView {
    /// Its id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Needs of one category.
#[derive(Debug, Clone, Object)]
pub struct CategoryFiguresView {
    /// The category.
    pub category: StatsCategoryView,
    /// Needs posted in the period.
    pub needs: i64,
    /// Of which open, partly assigned or expired.
    pub unmet: i64,
}

/// Needs of one category in a bucket.
#[derive(Debug, Clone, Object)]
pub struct BucketCategoryView {
    /// The category.
    pub category_id: i64,
    /// How many.
    pub needs: i64,
}

/// One bucket of the series.
#[derive(Debug, Clone, Object)]
pub struct BucketView {
    /// First date of the bucket inside the period.
    pub start: NaiveDate,
    /// Last date of the bucket inside the period.
    pub end: NaiveDate,
    /// Needs posted in it.
    pub needs: i64,
    /// By status now (every status).
    pub by_status: Vec<StatusCountView>,
    /// By category (only categories with needs).
    pub by_category: Vec<BucketCategoryView>,
}

/// How long needs waited for help.
#[derive(Debug, Clone, Object)]
pub struct TimingView {
    /// Needs of the period that got a first helper.
    pub claimed_needs: i64,
    /// Median seconds from posting to the first helper's place (rounded down); absent when none.
    pub median_seconds_to_claim: Option<i64>,
    /// Needs of the period completed.
    pub completed_needs: i64,
    /// Median seconds from posting to completion (rounded down); absent when none.
    pub median_seconds_to_complete: Option<i64>,
}

/// Volunteer help completed in the period.
#[derive(Debug, Clone, Object)]
pub struct VolunteeringView {
    /// Minutes credited.
    pub minutes: i64,
    /// The same in hours, two decimals.
    pub hours: String,
    /// Different helpers.
    pub helpers: i64,
    /// Completed assignments.
    pub tasks: i64,
}

/// Points through the area's communities in the period, net of reversals.
#[derive(Debug, Clone, Object)]
pub struct PointsFlowView {
    /// Newly credited to people.
    pub issued: i64,
    /// Spent on rewards.
    pub redeemed: i64,
    /// Lapsed.
    pub expired: i64,
}

/// The figures of an area's subtree over a period.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AreaStatsView {
    /// The area.
    pub area: StatsAreaView,
    /// The period.
    pub period: StatsPeriodView,
    /// Needs posted in the period.
    pub needs: i64,
    /// Those needs by status now (every status).
    pub by_status: Vec<StatusCountView>,
    /// Those needs by category, most first.
    pub by_category: Vec<CategoryFiguresView>,
    /// Bucket by bucket, oldest first, empty buckets included.
    pub series: Vec<BucketView>,
    /// Waiting times.
    pub timing: TimingView,
    /// Volunteer help delivered.
    pub volunteering: VolunteeringView,
    /// Points issued, redeemed and expired; absent for a grid (points belong to communities).
    pub points: Option<PointsFlowView>,
    /// Up to five categories with the most unmet needs, most first.
    pub top_unmet: Vec<CategoryFiguresView>,
}

fn statuses(counts: &StatusCounts) -> Vec<StatusCountView> {
    counts
        .iter()
        .map(|(status, needs)| StatusCountView {
            status: (*status).to_owned(),
            needs: *needs,
        })
        .collect()
}

impl From<&CategoryRef> for StatsCategoryView {
    fn from(c: &CategoryRef) -> Self {
        Self {
            id: c.id.0,
            code: c.code.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
        }
    }
}

impl From<&CategoryFigures> for CategoryFiguresView {
    fn from(c: &CategoryFigures) -> Self {
        Self {
            category: (&c.category).into(),
            needs: c.needs,
            unmet: c.unmet,
        }
    }
}

impl From<&BucketFigures> for BucketView {
    fn from(b: &BucketFigures) -> Self {
        Self {
            start: b.start,
            end: b.end,
            needs: b.needs,
            by_status: statuses(&b.by_status),
            by_category: b
                .by_category
                .iter()
                .map(|(id, needs)| BucketCategoryView {
                    category_id: id.0,
                    needs: *needs,
                })
                .collect(),
        }
    }
}

impl AreaStatsView {
    /// The view of `stats`, its dates in `time_zone`.
    pub fn new(stats: &AreaStats, time_zone: &str) -> Self {
        Self {
            area: StatsAreaView {
                id: stats.area.id.0,
                level: stats.area.level.as_str().to_owned(),
                code: stats.area.code.clone(),
                name_zh: stats.area.name_zh.clone(),
                name_en: stats.area.name_en.clone(),
            },
            period: StatsPeriodView {
                from: stats.period.from,
                to: stats.period.to,
                bucket: stats.period.bucket.as_str().to_owned(),
                time_zone: time_zone.to_owned(),
            },
            needs: stats.needs,
            by_status: statuses(&stats.by_status),
            by_category: stats.by_category.iter().map(Into::into).collect(),
            series: stats.series.iter().map(Into::into).collect(),
            timing: TimingView {
                claimed_needs: stats.timing.claimed,
                median_seconds_to_claim: stats.timing.median_seconds_to_claim,
                completed_needs: stats.timing.completed,
                median_seconds_to_complete: stats.timing.median_seconds_to_complete,
            },
            volunteering: VolunteeringView {
                minutes: stats.volunteering.minutes,
                hours: linli_domain::stats::rules::hours(stats.volunteering.minutes).to_string(),
                helpers: stats.volunteering.helpers,
                tasks: stats.volunteering.tasks,
            },
            points: stats.points.map(|p| PointsFlowView {
                issued: p.issued,
                redeemed: p.redeemed,
                expired: p.expired,
            }),
            top_unmet: stats.top_unmet.iter().map(Into::into).collect(),
        }
    }
}

impl Example for AreaStatsView {
    fn example() -> Self {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let status = |status: &str, needs| StatusCountView {
            status: status.to_owned(),
            needs,
        };
        let companionship = StatsCategoryView {
            id: 1,
            code: "companionship".into(),
            name_zh: "陪伴聊天".into(),
            name_en: "Companionship".into(),
        };
        Self {
            area: StatsAreaView {
                id: 3,
                level: "community".into(),
                code: "610702-dongdajie-dongguan".into(),
                name_zh: "东关社区".into(),
                name_en: "Dongguan Community".into(),
            },
            period: StatsPeriodView {
                from: day,
                to: day,
                bucket: "day".into(),
                time_zone: "Asia/Shanghai".into(),
            },
            needs: 3,
            by_status: vec![status("open", 1), status("completed", 2)],
            by_category: vec![CategoryFiguresView {
                category: companionship.clone(),
                needs: 3,
                unmet: 1,
            }],
            series: vec![BucketView {
                start: day,
                end: day,
                needs: 3,
                by_status: vec![status("open", 1), status("completed", 2)],
                by_category: vec![BucketCategoryView {
                    category_id: 1,
                    needs: 3,
                }],
            }],
            timing: TimingView {
                claimed_needs: 2,
                median_seconds_to_claim: Some(1800),
                completed_needs: 2,
                median_seconds_to_complete: Some(14_400),
            },
            volunteering: VolunteeringView {
                minutes: 150,
                hours: "2.50".into(),
                helpers: 2,
                tasks: 2,
            },
            points: Some(PointsFlowView {
                issued: 25,
                redeemed: 10,
                expired: 0,
            }),
            top_unmet: vec![CategoryFiguresView {
                category: companionship,
                needs: 3,
                unmet: 1,
            }],
        }
    }
}
