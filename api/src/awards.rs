//! Bulk awards over HTTP: staff credit up to 1,000 people in one request, all or nothing.

use linli_domain::accounts::UserId;
use linli_domain::ledger::PostError;
use linli_domain::ledger::awards::{self, AwardError, AwardLine, Awarded};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::idempotency::{self, Start};
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `points/awards` resource.
pub struct AwardsApi {
    /// Shared state.
    pub state: AppState,
}

/// One line of a bulk award.
#[derive(Debug, Clone, Object)]
pub struct AwardLineRequest {
    /// Who receives (living in a community you are staff of).
    pub user_id: i64,
    /// Whole points, 1–1000000.
    pub points: i64,
    /// Why, 2–200 characters (shown on their statement).
    pub reason: String,
}

/// Points for many people at once.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AwardPointsBulkRequest {
    /// 1–1000 lines.
    #[oai(validator(min_items = 1, max_items = 1000))]
    pub awards: Vec<AwardLineRequest>,
}

impl Example for AwardPointsBulkRequest {
    fn example() -> Self {
        Self {
            awards: vec![AwardLineRequest {
                user_id: 42,
                points: 20,
                reason: "重阳节敬老活动志愿服务".into(),
            }],
        }
    }
}

/// What a bulk award credited.
#[derive(Debug, Clone, Object)]
pub struct BulkAwardView {
    /// Lines credited.
    pub lines: i64,
    /// Points credited in all.
    pub points: i64,
}

/// Errors of `award_points_bulk`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum AwardPointsBulkError {
    /// A request with this `Idempotency-Key` is still running (`idempotency_key_in_flight`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Lines break a rule (`award_lines_invalid`, each as `awards[i].field`: unknown person or
    /// one outside your communities, points outside 1–1000000, reason length), or the
    /// `Idempotency-Key` was used for a different request (`idempotency_key_reused`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for AwardPointsBulkError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn edge_problem(problem: Problem) -> AwardPointsBulkError {
    match problem.status {
        409 => AwardPointsBulkError::Conflict(problem.into()),
        422 => AwardPointsBulkError::Invalid(problem.into()),
        _ => rejected(problem),
    }
}

fn map_error(error: AwardError) -> AwardPointsBulkError {
    use AwardPointsBulkError as E;
    let reused = || {
        E::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )
            .into(),
        )
    };
    match error {
        AwardError::LineCount => E::Invalid(
            Problem::validation(vec![FieldError {
                field: "awards".into(),
                code: "out_of_range".into(),
                message: error.to_string(),
            }])
            .into(),
        ),
        AwardError::Lines(lines) => E::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "award_lines_invalid",
                format!("{} line(s) are invalid; nothing was awarded", lines.len()),
            )
            .with_errors(
                lines
                    .iter()
                    .map(|(i, problem)| FieldError {
                        field: format!("awards[{i}].{}", problem.field()),
                        code: problem.code().to_owned(),
                        message: format!("line {i}: {}", problem.code().replace('_', " ")),
                    })
                    .collect(),
            )
            .into(),
        ),
        AwardError::Refused(PostError::KeyReused) => reused(),
        AwardError::Refused(PostError::Store(e)) | AwardError::Store(e) => {
            rejected(from_store_error(&e))
        }
        // Lines are checked positive and credit from issuance accounts, which may go below
        // zero; any other refusal is a defect, reported as such.
        AwardError::Refused(
            other @ (PostError::NotPositive
            | PostError::SameAccount
            | PostError::UnknownAccount(_)
            | PostError::Insufficient { .. }
            | PostError::UnknownTransfer
            | PostError::AlreadyReversed
            | PostError::NotReversible),
        ) => rejected(Problem::internal(&other)),
    }
}

fn view(awarded: Awarded) -> BulkAwardView {
    BulkAwardView {
        lines: i64::try_from(awarded.lines).unwrap_or(i64::MAX),
        points: awarded.points,
    }
}

#[OpenApi(tag = "ApiTags::Points")]
impl AwardsApi {
    /// Award points to many people at once
    ///
    /// Staff credit up to 1,000 people of their communities in one request (an event, a
    /// season's thanks): new points from each person's community, all in one transaction —
    /// every line or none, with each bad line named. Audited. Takes an `Idempotency-Key` like
    /// `create_redemption` (replay 200, another body 422, while running 409).
    #[oai(
        path = "/points/awards",
        method = "post",
        operation_id = "award_points_bulk"
    )]
    async fn award_points_bulk(
        &self,
        auth: SessionAuth,
        /// Unique per intended award, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<AwardPointsBulkRequest>,
    ) -> Result<CreatedOrFound<BulkAwardView>, AwardPointsBulkError> {
        let principal = auth.0.principal;
        let start = idempotency::start(
            &self.state,
            principal.user.id,
            &idempotency_key.0,
            "award_points_bulk",
            &body.0,
        )
        .await
        .map_err(edge_problem)?;
        let claim = match start {
            Start::Replay(view) => return Ok(CreatedOrFound::Found(Json(view))),
            Start::Run(claim) => claim,
        };
        let lines = body
            .0
            .awards
            .into_iter()
            .map(|l| AwardLine {
                person: UserId(l.user_id),
                points: l.points,
                reason: l.reason,
            })
            .collect();
        match awards::award_bulk(
            &self.state.db,
            principal,
            lines,
            idempotency_key.0,
            now_utc(),
        )
        .await
        {
            Ok(awarded) => {
                let v = view(awarded);
                let status = if awarded.replayed {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                claim.complete(&self.state, status, &v).await;
                Ok(if awarded.replayed {
                    CreatedOrFound::Found(Json(v))
                } else {
                    CreatedOrFound::Created(Json(v))
                })
            }
            Err(error) => {
                claim.abandon(&self.state).await;
                Err(map_error(error))
            }
        }
    }
}
