//! A community's points policy over HTTP: read by anyone signed in, changed by its staff as a
//! new version from a date.

use chrono::{DateTime, NaiveDate, Utc};
use linli_domain::areas::AreaId;
use linli_domain::points_policy::usecases::{self, PolicyError};
use linli_domain::points_policy::{PointsPolicy, PolicyTerms};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `points-policy` resource.
pub struct PointsPolicyApi {
    /// Shared state.
    pub state: AppState,
}

/// The rules of a policy version.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct PolicyTermsView {
    /// Points for one hour of help, before the category weight and urgency bonus (1–1000).
    pub points_per_hour: i64,
    /// Extra per cent for urgent needs (0–200).
    pub urgent_bonus_percent: i64,
    /// Most points one person may earn a day; absent: no cap.
    pub daily_cap: Option<i64>,
    /// Most points one person may hold; absent: no cap.
    pub balance_cap: Option<i64>,
    /// Months until earned points expire, oldest first; absent: never (1–120).
    pub expiry_months: Option<i32>,
    /// Age from which time-bank elder-care rewards may be redeemed; absent: no gate (50–100).
    pub elder_redemption_age: Option<i32>,
    /// Whether points may be given to registered relatives.
    pub relative_transfers_allowed: bool,
    /// Honour hours staff may add per person and year (0–1000); absent: no cap.
    pub honour_hours_yearly_cap: Option<i64>,
}

impl Example for PolicyTermsView {
    fn example() -> Self {
        Self::from(linli_domain::points_policy::rules::DEFAULT_TERMS)
    }
}

impl From<PolicyTerms> for PolicyTermsView {
    fn from(t: PolicyTerms) -> Self {
        Self {
            points_per_hour: t.points_per_hour,
            urgent_bonus_percent: t.urgent_bonus_percent,
            daily_cap: t.daily_cap,
            balance_cap: t.balance_cap,
            expiry_months: t.expiry_months,
            elder_redemption_age: t.elder_redemption_age,
            relative_transfers_allowed: t.relative_transfers_allowed,
            honour_hours_yearly_cap: t.honour_hours_yearly_cap,
        }
    }
}

impl From<PolicyTermsView> for PolicyTerms {
    fn from(t: PolicyTermsView) -> Self {
        Self {
            points_per_hour: t.points_per_hour,
            urgent_bonus_percent: t.urgent_bonus_percent,
            daily_cap: t.daily_cap,
            balance_cap: t.balance_cap,
            expiry_months: t.expiry_months,
            elder_redemption_age: t.elder_redemption_age,
            relative_transfers_allowed: t.relative_transfers_allowed,
            honour_hours_yearly_cap: t.honour_hours_yearly_cap,
        }
    }
}

/// One version of a community's policy.
#[derive(Debug, Clone, Object)]
pub struct PolicyVersionView {
    /// The community.
    pub community_id: i64,
    /// 1, 2, 3…; 0 is the built-in default of a community that never set one.
    pub version: i32,
    /// First local date it applies to (absent for the default, which always applied).
    pub effective_from: Option<NaiveDate>,
    /// Its rules.
    pub terms: PolicyTermsView,
    /// Who set it.
    pub created_by: Option<i64>,
    /// When it was set.
    pub created_at: Option<DateTime<Utc>>,
}

impl From<PointsPolicy> for PolicyVersionView {
    fn from(p: PointsPolicy) -> Self {
        Self {
            community_id: p.community.0,
            version: p.version,
            effective_from: (p.version > 0).then_some(p.effective_from),
            terms: p.terms.into(),
            created_by: p.created_by.map(|u| u.0),
            created_at: p.created_at.map(|t| t.and_utc()),
        }
    }
}

/// The policy in force and every version.
#[derive(Debug, Clone, Object)]
pub struct PointsPolicyView {
    /// In force today.
    pub in_force: PolicyVersionView,
    /// Every stored version, newest first, including ones that start later.
    pub versions: Vec<PolicyVersionView>,
}

/// A new version.
#[derive(Debug, Clone, Object)]
pub struct UpdatePointsPolicyRequest {
    /// First local date it applies to: today or later (earlier versions are never changed).
    pub effective_from: NaiveDate,
    /// Its rules.
    pub terms: PolicyTermsView,
}

/// Errors of the policy operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum PolicyOperationError {
    /// Not the community's staff, street admin or a platform admin (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such community (`community_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// A version already starts on that date (`policy_date_taken`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Fields break a rule (`validation_failed`, each field named).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for PolicyOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: PolicyError) -> PolicyOperationError {
    match error {
        PolicyError::NotFound => PolicyOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "community_not_found",
                "no such community",
            )
            .into(),
        ),
        PolicyError::Forbidden => PolicyOperationError::Forbidden(
            Problem::new(StatusCode::FORBIDDEN, "forbidden", error.to_string()).into(),
        ),
        PolicyError::DateTaken => PolicyOperationError::Conflict(
            Problem::new(StatusCode::CONFLICT, "policy_date_taken", error.to_string()).into(),
        ),
        PolicyError::Invalid(errors) => PolicyOperationError::Invalid(
            Problem::validation(
                errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field().into(),
                        code: e.code().into(),
                        message: e.to_string(),
                    })
                    .collect(),
            )
            .into(),
        ),
        PolicyError::Store(e) => rejected(from_store_error(&e)),
    }
}

#[OpenApi(tag = "ApiTags::Points")]
impl PointsPolicyApi {
    /// Show a community's points policy
    ///
    /// What an hour of help earns, caps, expiry, age gates and transfers; the version in force
    /// today and every version, including announced future ones.
    #[oai(
        path = "/areas/:area_id/points-policy",
        method = "get",
        operation_id = "get_points_policy"
    )]
    async fn get_points_policy(
        &self,
        _auth: SessionAuth,
        /// The community.
        area_id: Path<i64>,
    ) -> Result<Json<PointsPolicyView>, PolicyOperationError> {
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        let history = usecases::history(&self.state.db, AreaId(area_id.0), today)
            .await
            .map_err(map_error)?;
        Ok(Json(PointsPolicyView {
            in_force: history.in_force.into(),
            versions: history.versions.into_iter().map(Into::into).collect(),
        }))
    }

    /// Change a community's points policy
    ///
    /// Appends a version that applies from `effective_from` (today or later, in the display
    /// time zone); earlier versions stay as they were, so points keep the rules they were earned
    /// under. The community's staff, its street admins and platform admins; audited.
    #[oai(
        path = "/areas/:area_id/points-policy",
        method = "put",
        operation_id = "update_points_policy"
    )]
    async fn update_points_policy(
        &self,
        auth: SessionAuth,
        /// The community.
        area_id: Path<i64>,
        body: JsonBody<UpdatePointsPolicyRequest>,
    ) -> Result<Created<PolicyVersionView>, PolicyOperationError> {
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        let body = body.0;
        let policy = usecases::set(
            &self.state.db,
            auth.0.principal,
            AreaId(area_id.0),
            body.effective_from,
            body.terms.into(),
            today,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Created::Created(Json(policy.into())))
    }
}
