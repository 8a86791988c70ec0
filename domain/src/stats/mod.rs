//! Area statistics for the community dashboard, funders and partners: needs by status and
//! category over time, how fast needs are claimed and completed, volunteer hours, and the
//! points a community issued, saw redeemed and saw expire — over an area's subtree and a period
//! of local dates, bucketed by day, week or month. Every figure is a set-based aggregate.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDate;

use crate::areas::Area;
use crate::categories::CategoryId;

/// How a period is cut for the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// One bucket per local date.
    Day,
    /// One per ISO week (Monday to Sunday).
    Week,
    /// One per calendar month.
    Month,
}

impl Bucket {
    /// Every bucket size.
    pub const ALL: [Bucket; 3] = [Self::Day, Self::Week, Self::Month];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == raw)
    }
}

/// A checked period: local dates, both included, and how to bucket them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First local date.
    pub from: NaiveDate,
    /// Last local date (included).
    pub to: NaiveDate,
    /// The series' bucket size.
    pub bucket: Bucket,
}

/// A category as the figures name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRef {
    /// Its id.
    pub id: CategoryId,
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Needs of one category posted in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryFigures {
    /// The category.
    pub category: CategoryRef,
    /// Needs posted.
    pub needs: i64,
    /// Of which still open, partly assigned or expired unmet.
    pub unmet: i64,
}

/// A count per need status (every status, zeros included, in lifecycle order).
pub type StatusCounts = Vec<(&'static str, i64)>;

/// One bucket of the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketFigures {
    /// First local date of the bucket inside the period.
    pub start: NaiveDate,
    /// Last local date of the bucket inside the period.
    pub end: NaiveDate,
    /// Needs posted in it.
    pub needs: i64,
    /// Those needs by their status now.
    pub by_status: StatusCounts,
    /// Those needs by category (categories with none left out).
    pub by_category: Vec<(CategoryId, i64)>,
}

/// How long needs waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    /// Needs of the period that got a first helper.
    pub claimed: i64,
    /// Median seconds from posting to the first helper's place; none without any.
    pub median_seconds_to_claim: Option<i64>,
    /// Needs of the period that were completed.
    pub completed: i64,
    /// Median seconds from posting to completion; none without any.
    pub median_seconds_to_complete: Option<i64>,
}

/// Delivered volunteer help completed in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Volunteering {
    /// Minutes credited to helpers.
    pub minutes: i64,
    /// Different helpers.
    pub helpers: i64,
    /// Completed assignments.
    pub tasks: i64,
}

/// Points moved by the communities of the area in the period (net of reversals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PointsFlow {
    /// New points credited out of the communities' issuance accounts.
    pub issued: i64,
    /// Points spent on rewards (captured holds).
    pub redeemed: i64,
    /// Points that lapsed.
    pub expired: i64,
}

/// Everything the dashboard shows for an area and a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaStats {
    /// The area whose subtree was counted.
    pub area: Area,
    /// The period.
    pub period: Period,
    /// Needs posted in the period.
    pub needs: i64,
    /// Those needs by their status now.
    pub by_status: StatusCounts,
    /// Those needs by category, most first.
    pub by_category: Vec<CategoryFigures>,
    /// The period bucket by bucket, oldest first, empty buckets included.
    pub series: Vec<BucketFigures>,
    /// Waiting times.
    pub timing: Timing,
    /// Volunteer help delivered.
    pub volunteering: Volunteering,
    /// Points issued, redeemed and expired; none for a grid (points belong to communities).
    pub points: Option<PointsFlow>,
    /// Categories with the most unmet needs, most first (at most five, none with zero).
    pub top_unmet: Vec<CategoryFigures>,
}
