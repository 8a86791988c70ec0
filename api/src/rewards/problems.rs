//! Errors of the reward and redemption operations, each with its own code.

use linli_domain::ledger::PostError;
use linli_domain::rewards::RedemptionState;
use linli_domain::rewards::usecases::{RedemptionError, RewardError};
use poem::http::StatusCode;
use poem_openapi::ApiResponse;

use crate::partner::partner_refused;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};

/// Errors of the reward catalogue operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RewardOperationError {
    /// Only staff of the community or an admin of the offering organization may do this
    /// (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such community or reward (`reward_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The organization does not serve the community, is not verified, or cannot offer rewards
    /// (`organization_cannot_offer`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Invalid fields (`validation_failed`, with the fields).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RewardOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a catalogue failure to its response.
pub fn map_reward(error: RewardError) -> RewardOperationError {
    use RewardOperationError as E;
    match error {
        RewardError::NotFound => E::NotFound(
            Problem::new(StatusCode::NOT_FOUND, "reward_not_found", "no such reward or community")
                .into(),
        ),
        RewardError::Forbidden => E::Forbidden(
            Problem::new(StatusCode::FORBIDDEN, "forbidden", error.to_string()).into(),
        ),
        RewardError::OrganizationNotServing => E::Conflict(
            Problem::new(
                StatusCode::CONFLICT,
                "organization_cannot_offer",
                "the organization must be a verified provider, charity or social organization serving the community",
            )
            .into(),
        ),
        RewardError::Invalid(errors) => E::Invalid(
            Problem::validation(
                errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field().to_owned(),
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    })
                    .collect(),
            )
            .into(),
        ),
        RewardError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Errors of the redemption operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RedemptionOperationError {
    /// Not allowed: no live proxy consent (`no_proxy_consent`), living in no community
    /// (`not_in_community`), a reward of another street's community (`reward_in_other_street`;
    /// points are honoured across the communities of one street), no staff-verified birth date for an age-gated reward
    /// (`age_not_verified`), too young (`below_minimum_age`), a partner key without
    /// `redemptions:write` (`missing_scope`) or an unverified organization
    /// (`organization_not_verified`), or a list the caller may not read (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such reward, redemption or person within your reach (`redemption_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Too few points (`insufficient_points`), out of stock (`out_of_stock`), the reward is
    /// withdrawn (`reward_inactive`), the per-person limit is reached
    /// (`per_person_limit_reached`), the redemption ended already
    /// (`redemption_already_ended`), or a request with this `Idempotency-Key` is still running
    /// (`idempotency_key_in_flight`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// The quantity is not 1–100 (`invalid_quantity`), or the `Idempotency-Key` was used for a
    /// different request (`idempotency_key_reused`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RedemptionOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Puts an edge problem (idempotency, store) in the variant of its status.
pub fn redemption_problem(problem: Problem) -> RedemptionOperationError {
    use RedemptionOperationError as E;
    match problem.status {
        409 => E::Conflict(problem.into()),
        422 => E::Invalid(problem.into()),
        _ => rejected(problem),
    }
}

fn p(status: StatusCode, code: &str, detail: impl Into<String>) -> ProblemJson {
    Problem::new(status, code, detail).into()
}

/// Maps a redemption failure to its response.
pub fn map_redemption(error: RedemptionError) -> RedemptionOperationError {
    use RedemptionOperationError as E;
    let detail = error.to_string();
    match error {
        RedemptionError::NotFound => E::NotFound(p(
            StatusCode::NOT_FOUND,
            "redemption_not_found",
            "no such reward, redemption or person within your reach",
        )),
        RedemptionError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        RedemptionError::NoConsent => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "no_proxy_consent", detail))
        }
        RedemptionError::NotInCommunity => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "not_in_community", detail))
        }
        RedemptionError::OtherStreet => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "reward_in_other_street", detail))
        }
        RedemptionError::AgeNotVerified => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "age_not_verified", detail))
        }
        RedemptionError::TooYoung(_) => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "below_minimum_age", detail))
        }
        RedemptionError::PartnerRefused(refusal) => E::Forbidden(partner_refused(refusal).into()),
        RedemptionError::InvalidQuantity => E::Invalid(p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_quantity",
            detail,
        )),
        RedemptionError::KeyReused => E::Invalid(p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )),
        RedemptionError::Inactive => {
            E::Conflict(p(StatusCode::CONFLICT, "reward_inactive", detail))
        }
        RedemptionError::OutOfStock => E::Conflict(p(StatusCode::CONFLICT, "out_of_stock", detail)),
        RedemptionError::LimitReached => {
            E::Conflict(p(StatusCode::CONFLICT, "per_person_limit_reached", detail))
        }
        RedemptionError::AlreadyEnded(state) => E::Conflict(p(
            StatusCode::CONFLICT,
            "redemption_already_ended",
            format!("the redemption is {} already", ended(state)),
        )),
        RedemptionError::Refused(refusal) => match refusal {
            PostError::Insufficient { available } => E::Conflict(p(
                StatusCode::CONFLICT,
                "insufficient_points",
                format!("only {} points are available", available.0),
            )),
            PostError::KeyReused => E::Invalid(p(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )),
            PostError::Store(e) => rejected(from_store_error(&e)),
            // Holds built here always carry a positive amount between two distinct existing
            // accounts and never reverse; anything else is a defect, reported as such.
            other @ (PostError::NotPositive
            | PostError::SameAccount
            | PostError::UnknownAccount(_)
            | PostError::UnknownTransfer
            | PostError::AlreadyReversed
            | PostError::NotReversible) => rejected(Problem::internal(&other)),
        },
        RedemptionError::Store(e) => rejected(from_store_error(&e)),
    }
}

fn ended(state: RedemptionState) -> &'static str {
    state.as_str()
}
