//! Matching over HTTP: ranked candidates for a need, for the staff who dispatch it, and needs
//! recommended to a volunteer. Every score comes with its parts and a key saying why, so the
//! web front end can explain a ranking in the reader's language.

use linli_domain::matching::rules::{FULL, explanation};
use linli_domain::matching::usecases::{self, MatchingError, Recommended};
use linli_domain::matching::{Ranked, Score};
use linli_domain::needs::NeedId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::problems::problem;
use super::views::NeedView;
use crate::auth::SessionAuth;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints that rank volunteers for needs and needs for volunteers.
pub struct MatchingApi {
    /// Shared state.
    pub state: AppState,
}

/// One factor of a score.
#[derive(Debug, Clone, Object)]
pub struct ScorePartView {
    /// `skills`, `distance`, `availability`, `reliability`, `fairness` or `continuity`.
    pub factor: String,
    /// How well the candidate does on it, in basis points of one (0–10000).
    pub value: u32,
    /// The factor's share of the total, in per cent (the weights add up to 100).
    pub weight: u32,
    /// What it adds to the score, in basis points (value × weight / 100).
    pub contribution: u32,
    /// Why, as a stable key to translate, e.g. `skills_all_held`, `distance_same_community`,
    /// `continuity_helped_before`.
    pub explanation: String,
}

/// A score and the parts it is made of.
#[derive(Debug, Clone, Object)]
pub struct ScoreView {
    /// The sum of the parts' contributions, in basis points (0–10000).
    pub total: u32,
    /// Most a score can be.
    pub max: u32,
    /// One part per factor.
    pub parts: Vec<ScorePartView>,
}

impl From<&Score> for ScoreView {
    fn from(score: &Score) -> Self {
        Self {
            total: score.total,
            max: FULL,
            parts: score
                .parts
                .iter()
                .map(|part| ScorePartView {
                    factor: part.factor.as_str().to_owned(),
                    value: part.value,
                    weight: part.weight,
                    contribution: part.contribution(),
                    explanation: explanation(part).to_owned(),
                })
                .collect(),
        }
    }
}

/// A volunteer ranked for a need.
#[derive(Debug, Clone, Object)]
pub struct CandidateView {
    /// Position, 1 for the best.
    pub rank: u32,
    /// The volunteer's account.
    pub volunteer_id: i64,
    /// Levels between the need's grid and the volunteer's home grid (0 same grid, 1 same
    /// community, 2 same street).
    pub distance: u32,
    /// Their score and its parts.
    pub score: ScoreView,
}

/// A need recommended to the caller.
#[derive(Debug, Clone, Object)]
pub struct RecommendedNeedView {
    /// The need, without personal data.
    pub need: NeedView,
    /// Levels between the need's grid and your home grid.
    pub distance: u32,
    /// Your score for it and its parts.
    pub score: ScoreView,
}

/// Responses of the matching operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum MatchingOperationError {
    /// Not staff or grid worker of the need's area (`not_allowed`), or recommendations asked
    /// for by someone who is not a verified volunteer (`not_a_volunteer`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such need within your reach (`need_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The need takes no more helpers (`need_closed`) or goes to providers (`paid_need`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for MatchingOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a matching error.
pub fn matching_error(error: MatchingError) -> MatchingOperationError {
    use MatchingOperationError as E;
    let text = error.to_string();
    match error {
        MatchingError::NotFound => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "need_not_found", text))
        }
        MatchingError::NotAllowed => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_allowed", text))
        }
        MatchingError::NotVolunteer => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_a_volunteer", text))
        }
        MatchingError::Closed => E::Conflict(problem(StatusCode::CONFLICT, "need_closed", text)),
        MatchingError::PaidNeed => E::Conflict(problem(StatusCode::CONFLICT, "paid_need", text)),
        MatchingError::Store(e) => rejected(from_store_error(&e)),
    }
}

fn default_limit() -> u32 {
    20
}

fn candidate_view(position: usize, ranked: &Ranked) -> CandidateView {
    CandidateView {
        rank: u32::try_from(position + 1).unwrap_or(u32::MAX),
        volunteer_id: ranked.volunteer_id,
        distance: ranked.distance,
        score: ScoreView::from(&ranked.score),
    }
}

fn recommended_view(found: &Recommended) -> RecommendedNeedView {
    RecommendedNeedView {
        need: NeedView::from(&found.need),
        distance: found.distance,
        score: ScoreView::from(&found.score),
    }
}

#[OpenApi(tag = "ApiTags::Needs")]
impl MatchingApi {
    /// Rank volunteers for a need
    ///
    /// For staff, social workers and grid workers of the need's area: the verified volunteers
    /// who may claim it (radius covers it, safeguarding gate passed, no claim on it yet, no
    /// place held at the same time, not the resident's side), best first. Each score has six
    /// parts — skills, distance in the area tree, availability, reliability, fairness (recent
    /// load) and continuity (helped this resident before, or a care plan's preferred helper) —
    /// each with its value, weight, contribution and a key saying why. Ties go to the smaller
    /// volunteer id.
    #[oai(
        path = "/needs/:need_id/candidates",
        method = "get",
        operation_id = "list_need_candidates"
    )]
    async fn list_need_candidates(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        /// How many candidates (1–100).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> Result<Json<Vec<CandidateView>>, MatchingOperationError> {
        let ranked = usecases::need_candidates(
            &self.state.db,
            &self.state.candidates,
            auth.0.principal,
            NeedId(need_id.0),
            usize::try_from(limit.0).unwrap_or(usize::MAX),
            self.state.config.time_zone,
            now_utc(),
        )
        .await
        .map_err(matching_error)?;
        Ok(Json(
            ranked
                .iter()
                .enumerate()
                .map(|(i, r)| candidate_view(i, r))
                .collect(),
        ))
    }

    /// Needs recommended to me
    ///
    /// For verified volunteers: waiting volunteer needs within your service radius that you
    /// may claim now (safeguarding gate passed, not your own, not already claimed, no clash
    /// with a place you hold), best first by your score for each, with its parts. Shown
    /// without personal data, as `list_needs?listing=open` shows them.
    #[oai(
        path = "/me/recommended-needs",
        method = "get",
        operation_id = "list_recommended_needs"
    )]
    async fn list_recommended_needs(
        &self,
        auth: SessionAuth,
        /// How many needs (1–100).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> Result<Json<Vec<RecommendedNeedView>>, MatchingOperationError> {
        let found = usecases::recommended_needs(
            &self.state.db,
            auth.0.principal,
            usize::try_from(limit.0).unwrap_or(usize::MAX),
            self.state.config.time_zone,
            now_utc(),
        )
        .await
        .map_err(matching_error)?;
        Ok(Json(found.iter().map(recommended_view).collect()))
    }
}
