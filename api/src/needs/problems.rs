//! The needs operations' error responses and the one mapping from each domain error to them,
//! so every code stays the same wherever it is answered.

use linli_domain::categories::rules::GateRefusal;
use linli_domain::needs::claims::ClaimError;
use linli_domain::needs::delivery::DeliveryError;
use linli_domain::needs::plans::PlanError;
use linli_domain::needs::posting::NeedError;
use linli_domain::needs::rules::NeedInputError;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;

use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};

/// A problem body with its status, code and detail: every needs operation's errors use it.
pub fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> ProblemJson {
    Problem::new(status, code, detail).into()
}

/// 422 whose code is the first broken rule's, listing every broken field.
pub fn invalid_need(errors: &[NeedInputError]) -> ProblemJson {
    let code = errors.first().map_or("validation_failed", |e| e.code());
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        errors.first().map_or_else(String::new, ToString::to_string),
    )
    .with_errors(
        errors
            .iter()
            .map(|e| FieldError {
                field: e.field().into(),
                code: e.code().into(),
                message: e.to_string(),
            })
            .collect(),
    )
    .into()
}

/// Responses of posting, reading, listing, editing and cancelling needs.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum NeedOperationError {
    /// Acting for a resident without consent (`no_proxy_consent`), a change only the
    /// resident's side or staff may make (`not_allowed`), or an open-needs listing by someone
    /// who is not a volunteer (`not_a_volunteer`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such need within your reach (`need_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The lifecycle refuses it (`need_not_editable`, `not_cancellable`, `need_closed`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Fields break a rule, each with its own code (`window_in_past`,
    /// `window_ends_before_start`, `invalid_headcount`, `duration_exceeds_window`,
    /// `unknown_category`, `mode_not_offered`, `not_a_grid`, `no_grid`, `unknown_resident`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for NeedOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a posting error.
pub fn need_error(error: NeedError) -> NeedOperationError {
    use NeedOperationError as E;
    let text = error.to_string();
    match error {
        NeedError::NotFound => E::NotFound(problem(StatusCode::NOT_FOUND, "need_not_found", text)),
        NeedError::UnknownCategory(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_category",
            text,
        )),
        NeedError::ModeNotOffered(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mode_not_offered",
            text,
        )),
        NeedError::UnknownResident => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_resident",
            text,
        )),
        NeedError::NoGrid => E::Invalid(problem(StatusCode::UNPROCESSABLE_ENTITY, "no_grid", text)),
        NeedError::NotAGrid(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_grid",
            text,
        )),
        NeedError::NoConsent => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "no_proxy_consent", text))
        }
        NeedError::NotAllowed => E::Forbidden(problem(StatusCode::FORBIDDEN, "not_allowed", text)),
        NeedError::NotVolunteer => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_a_volunteer", text))
        }
        NeedError::Invalid(errors) => E::Invalid(invalid_need(&errors)),
        NeedError::Refused(refusal) => {
            E::Conflict(problem(StatusCode::CONFLICT, refusal.code(), text))
        }
        NeedError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Responses of claiming and withdrawing.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ClaimOperationError {
    /// Not a verified volunteer (`not_a_volunteer`), outside your radius (`out_of_radius`), or
    /// a safeguarding gate (`real_name_unverified`, `credentials_missing`,
    /// `category_not_for_volunteers`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such need (`need_not_found`) or no claim of yours (`claim_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// `own_need`, `already_claimed`, `overlapping_claim`, `paid_need`, `need_full`,
    /// `need_not_claimable`, `already_started`.
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ClaimOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a claim error.
pub fn claim_error(error: ClaimError) -> ClaimOperationError {
    use ClaimOperationError as E;
    let text = error.to_string();
    match error {
        ClaimError::NotFound => E::NotFound(problem(StatusCode::NOT_FOUND, "need_not_found", text)),
        ClaimError::NotClaimed => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "claim_not_found", text))
        }
        ClaimError::OwnNeed => E::Conflict(problem(StatusCode::CONFLICT, "own_need", text)),
        ClaimError::NotVolunteer => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_a_volunteer", text))
        }
        ClaimError::OutOfRadius => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "out_of_radius", text))
        }
        ClaimError::PaidNeed => E::Conflict(problem(StatusCode::CONFLICT, "paid_need", text)),
        ClaimError::Gate(gate) => {
            let code = match gate {
                GateRefusal::NotForVolunteers => "category_not_for_volunteers",
                GateRefusal::RealNameUnverified => "real_name_unverified",
                GateRefusal::MissingCredentials(_) => "credentials_missing",
            };
            E::Forbidden(problem(StatusCode::FORBIDDEN, code, text))
        }
        ClaimError::AlreadyClaimed => {
            E::Conflict(problem(StatusCode::CONFLICT, "already_claimed", text))
        }
        ClaimError::Overlapping => {
            E::Conflict(problem(StatusCode::CONFLICT, "overlapping_claim", text))
        }
        ClaimError::Refused(refusal) => {
            E::Conflict(problem(StatusCode::CONFLICT, refusal.code(), text))
        }
        ClaimError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Responses of check-in, check-out, confirmation, disputes and no-shows.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum DeliveryOperationError {
    /// Only the resident's side (`not_your_need`) or staff over the area (`not_staff`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such need (`need_not_found`) or dispute (`dispute_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// `wrong_check_code`, `not_assigned`, `not_checked_in`, `already_started`,
    /// `not_startable`, `not_awaiting_confirmation`, `dispute_open`, `dispute_resolved`,
    /// `need_closed`.
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// `code_required`, `invalid_rating`, `invalid_minutes`.
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Too many wrong codes for this need (`too_many_code_attempts`): ask staff to override.
    #[oai(status = 429)]
    TooMany(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for DeliveryOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a delivery error.
pub fn delivery_error(error: DeliveryError) -> DeliveryOperationError {
    use DeliveryOperationError as E;
    let text = error.to_string();
    match error {
        DeliveryError::NotFound => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "need_not_found", text))
        }
        DeliveryError::DisputeNotFound => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "dispute_not_found", text))
        }
        DeliveryError::NotAssigned => {
            E::Conflict(problem(StatusCode::CONFLICT, "not_assigned", text))
        }
        DeliveryError::NotResident => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_your_need", text))
        }
        DeliveryError::NotStaff => E::Forbidden(problem(StatusCode::FORBIDDEN, "not_staff", text)),
        DeliveryError::WrongCode { .. } => {
            E::Conflict(problem(StatusCode::CONFLICT, "wrong_check_code", text))
        }
        DeliveryError::TooManyAttempts => E::TooMany(problem(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_code_attempts",
            text,
        )),
        DeliveryError::DisputeOpen => {
            E::Conflict(problem(StatusCode::CONFLICT, "dispute_open", text))
        }
        DeliveryError::AlreadyResolved => {
            E::Conflict(problem(StatusCode::CONFLICT, "dispute_resolved", text))
        }
        DeliveryError::InvalidMinutes => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_minutes",
            text,
        )),
        DeliveryError::InvalidRating => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_rating",
            text,
        )),
        DeliveryError::Refused(refusal) => {
            E::Conflict(problem(StatusCode::CONFLICT, refusal.code(), text))
        }
        DeliveryError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Responses of `create_care_plan`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CarePlanOperationError {
    /// Only social workers and staff over the resident's grid (`not_allowed`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such resident with a home grid (`resident_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// `unknown_category`, `mode_not_offered` or `validation_failed`.
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CarePlanOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a care plan error.
pub fn plan_error(error: PlanError) -> CarePlanOperationError {
    use CarePlanOperationError as E;
    let text = error.to_string();
    match error {
        PlanError::UnknownResident => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "resident_not_found", text))
        }
        PlanError::NotAllowed => E::Forbidden(problem(StatusCode::FORBIDDEN, "not_allowed", text)),
        PlanError::UnknownCategory(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_category",
            text,
        )),
        PlanError::ModeNotOffered => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mode_not_offered",
            text,
        )),
        PlanError::Invalid(field) => E::Invalid(
            Problem::validation(vec![FieldError {
                field: field.into(),
                code: "out_of_range".into(),
                message: text,
            }])
            .into(),
        ),
        PlanError::Store(e) => rejected(from_store_error(&e)),
    }
}
