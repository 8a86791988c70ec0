//! Honour hours over HTTP: staff over a volunteer's area add hours no task recorded, with a
//! reason, under the yearly cap of the community's policy. They earn no points.

use chrono::{DateTime, Utc};
use linli_domain::accounts::UserId;
use linli_domain::honour_hours::rules::InputError;
use linli_domain::honour_hours::usecases::{self, Added, HonourHoursError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::idempotency::{self, Start};
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `volunteers/{id}/honour-hours` resource.
pub struct HonourHoursApi {
    /// Shared state.
    pub state: AppState,
}

/// Honour hours to add.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AddHonourHoursRequest {
    /// Whole hours, 1–1000, within the policy's yearly cap.
    pub hours: i64,
    /// Why, 2–200 characters (audited, shown to the volunteer).
    pub reason: String,
}

impl Example for AddHonourHoursRequest {
    fn example() -> Self {
        Self {
            hours: 6,
            reason: "2026年汛期抗洪抢险志愿服务".into(),
        }
    }
}

/// Honour hours as added.
#[derive(Debug, Clone, Object)]
pub struct HonourHoursView {
    /// Its id.
    pub id: i64,
    /// The volunteer.
    pub volunteer_id: i64,
    /// The community whose policy capped them.
    pub community_id: i64,
    /// Whole hours.
    pub hours: i64,
    /// The local year they count towards.
    pub year: i32,
    /// Why.
    pub reason: String,
    /// Who added them.
    pub added_by: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The volunteer's honour hours of that year, this addition included.
    pub year_total: i64,
    /// The yearly cap of the policy in force (absent: uncapped).
    pub yearly_cap: Option<i64>,
    /// Always 0: honour hours earn no points.
    pub points_earned: i64,
}

impl From<&Added> for HonourHoursView {
    fn from(a: &Added) -> Self {
        Self {
            id: a.hours.id.0,
            volunteer_id: a.hours.volunteer.0,
            community_id: a.hours.community.0,
            hours: a.hours.hours,
            year: a.hours.year,
            reason: a.hours.reason.clone(),
            added_by: a.hours.added_by.0,
            created_at: a.hours.created_at.and_utc(),
            year_total: a.year_total,
            yearly_cap: a.yearly_cap,
            points_earned: 0,
        }
    }
}

/// Errors of `add_honour_hours`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum AddHonourHoursError {
    /// You are not staff over the volunteer's area (`outside_your_area`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such person (`person_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The yearly cap would be exceeded (`honour_hours_cap_exceeded`), or a request with this
    /// `Idempotency-Key` is still running (`idempotency_key_in_flight`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Hours outside 1–1000 (`invalid_honour_hours`), a reason outside 2–200 characters
    /// (`invalid_reason`), a person who is not a verified volunteer (`not_a_volunteer`) or who
    /// lives in no community (`no_community`), or the `Idempotency-Key` used for a different
    /// request (`idempotency_key_reused`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for AddHonourHoursError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn edge_problem(problem: Problem) -> AddHonourHoursError {
    match problem.status {
        409 => AddHonourHoursError::Conflict(problem.into()),
        422 => AddHonourHoursError::Invalid(problem.into()),
        _ => rejected(problem),
    }
}

fn map_error(error: HonourHoursError) -> AddHonourHoursError {
    use AddHonourHoursError as E;
    let detail = error.to_string();
    let invalid = |code: &str| {
        E::Invalid(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, &detail).into())
    };
    match error {
        HonourHoursError::Invalid(InputError::Hours) => invalid("invalid_honour_hours"),
        HonourHoursError::Invalid(InputError::Reason) => invalid("invalid_reason"),
        HonourHoursError::NotAVolunteer => invalid("not_a_volunteer"),
        HonourHoursError::NoCommunity => invalid("no_community"),
        HonourHoursError::KeyReused => invalid("idempotency_key_reused"),
        HonourHoursError::NotFound => E::NotFound(
            Problem::new(StatusCode::NOT_FOUND, "person_not_found", "no such person").into(),
        ),
        HonourHoursError::OutsideArea => {
            E::Forbidden(Problem::new(StatusCode::FORBIDDEN, "outside_your_area", &detail).into())
        }
        HonourHoursError::CapExceeded { .. } => E::Conflict(
            Problem::new(StatusCode::CONFLICT, "honour_hours_cap_exceeded", &detail).into(),
        ),
        HonourHoursError::Store(e) => rejected(from_store_error(&e)),
    }
}

#[OpenApi(tag = "ApiTags::Volunteers")]
impl HonourHoursApi {
    /// Add honour hours to a volunteer
    ///
    /// Staff over the volunteer's area recognise service no task recorded (荣誉时长) with a
    /// reason, within the yearly cap of the community's points policy in force today. Audited;
    /// shown apart from recorded hours on the volunteer's profile; they earn no points. Takes
    /// an `Idempotency-Key` (replay 200, another body 422, while running 409).
    #[oai(
        path = "/volunteers/:user_id/honour-hours",
        method = "post",
        operation_id = "add_honour_hours"
    )]
    async fn add_honour_hours(
        &self,
        auth: SessionAuth,
        /// The volunteer.
        user_id: Path<i64>,
        /// Unique per intended addition, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<AddHonourHoursRequest>,
    ) -> Result<CreatedOrFound<HonourHoursView>, AddHonourHoursError> {
        let principal = auth.0.principal;
        let start = idempotency::start(
            &self.state,
            principal.user.id,
            &idempotency_key.0,
            "add_honour_hours",
            &serde_json::json!({"user_id": user_id.0, "hours": body.0.hours, "reason": body.0.reason}),
        )
        .await
        .map_err(edge_problem)?;
        let claim = match start {
            Start::Replay(view) => return Ok(CreatedOrFound::Found(Json(view))),
            Start::Run(claim) => claim,
        };
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        let added = usecases::add_honour_hours(
            &self.state.db,
            principal,
            UserId(user_id.0),
            body.0.hours,
            body.0.reason,
            idempotency_key.0,
            today,
            now_utc(),
        )
        .await;
        match added {
            Ok(added) => {
                let view = HonourHoursView::from(&added);
                let status = if added.replayed {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                claim.complete(&self.state, status, &view).await;
                Ok(if added.replayed {
                    CreatedOrFound::Found(Json(view))
                } else {
                    CreatedOrFound::Created(Json(view))
                })
            }
            Err(error) => {
                claim.abandon(&self.state).await;
                Err(map_error(error))
            }
        }
    }
}
