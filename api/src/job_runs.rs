//! Reading the record of scheduled job runs.

use chrono::{DateTime, Utc};
use linli_domain::job_runs::store;
use linli_domain::job_runs::{JobRun, RunFilter, RunOutcome, RunState, rules};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `job_runs` resource.
pub struct JobRunsApi {
    /// Shared state.
    pub state: AppState,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum JobRunStateView {
    /// Its runner holds a live lease.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Unfinished and its lease ran out: the runner died; another instance may take it over.
    Abandoned,
}

impl From<RunState> for JobRunStateView {
    fn from(state: RunState) -> Self {
        match state {
            RunState::Running => Self::Running,
            RunState::Succeeded => Self::Succeeded,
            RunState::Failed => Self::Failed,
            RunState::Abandoned => Self::Abandoned,
        }
    }
}

/// How a finished run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum JobRunOutcomeView {
    /// The job did its work.
    Succeeded,
    /// The job returned an error.
    Failed,
}

impl From<RunOutcome> for JobRunOutcomeView {
    fn from(outcome: RunOutcome) -> Self {
        match outcome {
            RunOutcome::Succeeded => Self::Succeeded,
            RunOutcome::Failed => Self::Failed,
        }
    }
}

/// One slot of one scheduled job, run once across all instances.
#[derive(Debug, Clone, Object)]
pub struct JobRunView {
    /// The job, e.g. `purge_expired_sessions`.
    pub job: String,
    /// The business slot in the configured zone, e.g. `2026-11-28` for a daily job.
    pub slot: String,
    /// The instance (host:pid:random) that holds or held the slot.
    pub instance: String,
    /// 1 for the first runner, more when a slot whose runner died was taken over.
    pub attempt: i32,
    /// Where the run stands now.
    pub state: JobRunStateView,
    /// When the current attempt started.
    pub started_at: DateTime<Utc>,
    /// Until when the runner holds the slot.
    pub lease_until: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended, once finished.
    pub outcome: Option<JobRunOutcomeView>,
    /// Counts of a success (e.g. `{"sessions_purged": 3}`) or `{"error": …}` of a failure.
    pub detail: serde_json::Value,
}

impl JobRunView {
    fn new(run: JobRun, now: chrono::NaiveDateTime) -> Self {
        let state = rules::state(&run, now).into();
        Self {
            job: run.job,
            slot: run.slot.to_string(),
            instance: run.instance,
            attempt: run.attempt,
            state,
            started_at: run.started_at.and_utc(),
            lease_until: run.lease_until.and_utc(),
            finished_at: run.finished_at.map(|t| t.and_utc()),
            outcome: run.outcome.map(JobRunOutcomeView::from),
            detail: serde_json::from_str(&run.detail).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Responses of `list_job_runs`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListJobRunsError {
    /// Only platform admins read job runs (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListJobRunsError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Jobs")]
impl JobRunsApi {
    /// List job runs
    ///
    /// Newest first: one entry per job and business slot, with who ran it, how it ended and
    /// its counts. Platform admins only.
    #[oai(path = "/job-runs", method = "get", operation_id = "list_job_runs")]
    async fn list_job_runs(
        &self,
        auth: SessionAuth,
        /// Only this job's runs, e.g. `purge_expired_sessions`.
        #[oai(validator(min_length = 1, max_length = 64))]
        job: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<JobRunView>>, ListJobRunsError> {
        if !auth.0.principal.is_platform_admin() {
            return Err(ListJobRunsError::Forbidden(
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "only platform admins read job runs",
                )
                .into(),
            ));
        }
        let filter = RunFilter {
            job: job.0,
            limit: limit.0,
        };
        let runs = self
            .state
            .db
            .run(move |conn| store::list(conn, &filter))
            .await
            .map_err(|e| rejected::<ListJobRunsError>(from_store_error(&e)))?;
        let now = now_utc();
        Ok(Json(
            runs.into_iter()
                .map(|run| JobRunView::new(run, now))
                .collect(),
        ))
    }
}

fn default_limit() -> i64 {
    50
}
