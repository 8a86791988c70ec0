//! Area statistics over HTTP: the community dashboard's figures as JSON, as a CSV report and as
//! SVG charts, for staff over the area, admins of charities funding it, and partner systems
//! holding a `stats:read` key of an organization serving it.

pub mod chart;
pub mod report;
pub mod views;

use chrono::{NaiveDate, Utc};
use linli_domain::areas::AreaId;
use linli_domain::stats::AreaStats;
use linli_domain::stats::rules::PeriodError;
use linli_domain::stats::usecases::{self, Reader, StatsError, StatsRequest};
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi, SecurityScheme};

use self::chart::Chart;
use self::views::AreaStatsView;
use crate::auth::{PartnerAuth, SessionAuth};
use crate::partner::partner_refused;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::routes::ApiTags;
use crate::state::AppState;
use crate::views::LocaleView;

/// Endpoints of area statistics.
pub struct StatsApi {
    /// Shared state.
    pub state: AppState,
}

/// A person's session token or a partner's API key: the figures serve both.
#[derive(SecurityScheme)]
pub enum ReaderAuth {
    /// A partner API key (`lk_…`) with the `stats:read` scope.
    Partner(PartnerAuth),
    /// A person's session token.
    Session(SessionAuth),
}

impl From<ReaderAuth> for Reader {
    fn from(auth: ReaderAuth) -> Self {
        match auth {
            ReaderAuth::Partner(key) => Reader::Partner(key.0),
            ReaderAuth::Session(caller) => Reader::Person(caller.0.principal),
        }
    }
}

/// Errors of the statistics operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum StatsOperationError {
    /// Not staff over the area nor an admin of a verified charity serving it (`forbidden`), or
    /// the partner key lacks `stats:read` (`missing_scope`), its organization awaits
    /// verification (`organization_not_verified`) or does not serve the area (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such area (`area_not_found`) or chart (`chart_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The bucket is not day, week or month (`invalid_bucket`), `from` is after `to`
    /// (`invalid_period`), or the period is longer than 731 days (`period_too_long`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for StatsOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn invalid(code: &str, field: &str, error: &PeriodError) -> StatsOperationError {
    StatsOperationError::Invalid(
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
            .with_errors(vec![FieldError {
                field: field.into(),
                code: code.into(),
                message: error.to_string(),
            }])
            .into(),
    )
}

fn map_error(error: StatsError) -> StatsOperationError {
    match error {
        StatsError::Period(e) => match e {
            PeriodError::UnknownBucket(_) => invalid("invalid_bucket", "bucket", &e),
            PeriodError::Reversed { .. } => invalid("invalid_period", "from", &e),
            PeriodError::TooLong { .. } => invalid("period_too_long", "from", &e),
        },
        StatsError::AreaNotFound(_) => StatsOperationError::NotFound(
            Problem::new(StatusCode::NOT_FOUND, "area_not_found", error.to_string()).into(),
        ),
        StatsError::Forbidden => StatsOperationError::Forbidden(
            Problem::new(StatusCode::FORBIDDEN, "forbidden", error.to_string()).into(),
        ),
        StatsError::Refused(refusal) => {
            StatsOperationError::Forbidden(partner_refused(refusal).into())
        }
        StatsError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// A CSV report.
#[derive(Debug, ApiResponse)]
pub enum ReportCsv {
    /// One figure per row: section, start, end, key, value.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

/// An SVG chart.
#[derive(Debug, ApiResponse)]
pub enum ChartSvg {
    /// The chart, with a title and description for screen readers.
    #[oai(status = 200, content_type = "image/svg+xml")]
    Svg(PlainText<String>),
}

/// The figure query every operation shares.
struct Figures {
    area: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    bucket: Option<String>,
}

impl StatsApi {
    async fn figures(
        &self,
        auth: ReaderAuth,
        query: Figures,
    ) -> Result<AreaStats, StatsOperationError> {
        let zone = self.state.config.time_zone;
        let today = Utc::now().with_timezone(&zone).date_naive();
        let request = StatsRequest {
            area: AreaId(query.area),
            from: query.from,
            to: query.to,
            bucket: query.bucket,
        };
        usecases::area_stats(&self.state.db, auth.into(), request, zone, today)
            .await
            .map_err(map_error)
    }
}

#[OpenApi(tag = "ApiTags::Stats")]
impl StatsApi {
    /// Show an area's statistics
    ///
    /// Needs posted in the area's subtree over a period of local dates (default: the last 30
    /// days), by status and category and bucket by bucket (`day`, `week` or `month`); median
    /// seconds to the first helper and to completion; volunteer minutes completed in the period;
    /// points issued, redeemed and expired by its communities; the categories with the most
    /// unmet needs. Staff, social and grid workers over the area, admins of a verified charity
    /// serving it, or a partner key with `stats:read` of a verified organization serving it.
    #[oai(
        path = "/areas/:area_id/stats",
        method = "get",
        operation_id = "get_area_stats"
    )]
    async fn get_area_stats(
        &self,
        auth: ReaderAuth,
        /// The area whose subtree is counted.
        area_id: Path<i64>,
        /// First local date (default: 29 days before `to`).
        from: Query<Option<NaiveDate>>,
        /// Last local date, included (default: today).
        to: Query<Option<NaiveDate>>,
        /// `day`, `week` or `month` (default: `day`).
        bucket: Query<Option<String>>,
    ) -> Result<Json<AreaStatsView>, StatsOperationError> {
        let query = Figures {
            area: area_id.0,
            from: from.0,
            to: to.0,
            bucket: bucket.0,
        };
        let stats = self.figures(auth, query).await?;
        Ok(Json(AreaStatsView::new(
            &stats,
            self.state.config.time_zone.name(),
        )))
    }

    /// Export an area's report as CSV
    ///
    /// The figures of `get_area_stats` as CSV, one per row (`section,start,end,key,value`),
    /// with a byte-order mark so spreadsheets read the UTF-8. Same readers and parameters.
    #[oai(
        path = "/areas/:area_id/report.csv",
        method = "get",
        operation_id = "export_area_report"
    )]
    async fn export_area_report(
        &self,
        auth: ReaderAuth,
        /// The area whose subtree is counted.
        area_id: Path<i64>,
        /// First local date (default: 29 days before `to`).
        from: Query<Option<NaiveDate>>,
        /// Last local date, included (default: today).
        to: Query<Option<NaiveDate>>,
        /// `day`, `week` or `month` (default: `day`).
        bucket: Query<Option<String>>,
    ) -> Result<ReportCsv, StatsOperationError> {
        let query = Figures {
            area: area_id.0,
            from: from.0,
            to: to.0,
            bucket: bucket.0,
        };
        let stats = self.figures(auth, query).await?;
        Ok(ReportCsv::Csv(PlainText(report::report_csv(&stats))))
    }

    /// Draw a chart of an area's statistics
    ///
    /// `needs_over_time` (stacked columns by where needs stand now), `needs_by_category` (the
    /// unmet part darker) or `points` (issued, redeemed, expired), as SVG with its words in
    /// `lang`. Same readers and parameters as `get_area_stats`.
    #[oai(
        path = "/areas/:area_id/charts/:chart",
        method = "get",
        operation_id = "get_area_chart"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "poem-openapi takes each path and query parameter as its own argument"
    )]
    async fn get_area_chart(
        &self,
        auth: ReaderAuth,
        /// The area whose subtree is counted.
        area_id: Path<i64>,
        /// `needs_over_time`, `needs_by_category` or `points`.
        chart: Path<String>,
        /// First local date (default: 29 days before `to`).
        from: Query<Option<NaiveDate>>,
        /// Last local date, included (default: today).
        to: Query<Option<NaiveDate>>,
        /// `day`, `week` or `month` (default: `day`).
        bucket: Query<Option<String>>,
        /// The chart's language (default: zh-CN).
        lang: Query<Option<LocaleView>>,
    ) -> Result<ChartSvg, StatsOperationError> {
        let Some(kind) = Chart::parse(&chart.0) else {
            return Err(StatsOperationError::NotFound(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "chart_not_found",
                    "charts are needs_over_time, needs_by_category and points",
                )
                .into(),
            ));
        };
        let query = Figures {
            area: area_id.0,
            from: from.0,
            to: to.0,
            bucket: bucket.0,
        };
        let stats = self.figures(auth, query).await?;
        let locale = lang.0.unwrap_or_default().into();
        Ok(ChartSvg::Svg(PlainText(chart::render(
            kind, &stats, locale,
        ))))
    }
}
