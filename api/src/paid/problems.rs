//! Errors of the paid-service operations, each with its own code.

use linli_domain::paid::inputs::InputError;
use linli_domain::paid::offerings::OfferingError;
use linli_domain::paid::orders::OrderError;
use linli_domain::paid::programmes::ProgrammeError;
use linli_domain::paid::settlement::SettlementError;
use linli_domain::paid::split::RefundError;
use linli_domain::paid::terms::TermsError;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;

use crate::partner::partner_refused;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};

fn p(status: StatusCode, code: &str, detail: impl Into<String>) -> ProblemJson {
    Problem::new(status, code, detail).into()
}

/// A 422 `validation_failed` naming each field.
pub fn invalid_fields(errors: &[InputError]) -> Problem {
    Problem::validation(
        errors
            .iter()
            .map(|e| FieldError {
                field: e.field.to_owned(),
                code: e.code.to_owned(),
                message: e.message.clone(),
            })
            .collect(),
    )
}

/// Errors of offering and programme operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CatalogueOperationError {
    /// Not the provider's admin (`forbidden`), not a verified provider
    /// (`organization_not_provider`), a partner key without `offerings:write`
    /// (`missing_scope`) or unverified (`organization_not_verified`), or not an admin of the
    /// funding area (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such offering, organization or funding area (`offering_not_found`,
    /// `funding_area_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Invalid fields (`validation_failed`: a price with more than 2 decimals is
    /// `too_many_decimals`, a JSON number `wrong_type`), an area the provider does not serve
    /// (`area_not_served`) or a category not offered as a paid service (`category_not_paid`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CatalogueOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps an offering failure.
pub fn map_offering(error: OfferingError) -> CatalogueOperationError {
    use CatalogueOperationError as E;
    let detail = error.to_string();
    match error {
        OfferingError::NotFound => {
            E::NotFound(p(StatusCode::NOT_FOUND, "offering_not_found", detail))
        }
        OfferingError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        OfferingError::NotVerifiedProvider => E::Forbidden(p(
            StatusCode::FORBIDDEN,
            "organization_not_provider",
            detail,
        )),
        OfferingError::PartnerRefused(r) => E::Forbidden(partner_refused(r).into()),
        OfferingError::AreaNotServed(_) => E::Invalid(p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "area_not_served",
            detail,
        )),
        OfferingError::CategoryNotPaid => E::Invalid(p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "category_not_paid",
            detail,
        )),
        OfferingError::Invalid(errors) => E::Invalid(invalid_fields(&errors).into()),
        OfferingError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Maps a programme failure.
pub fn map_programme(error: ProgrammeError) -> CatalogueOperationError {
    use CatalogueOperationError as E;
    let detail = error.to_string();
    match error {
        ProgrammeError::NotFound => {
            E::NotFound(p(StatusCode::NOT_FOUND, "funding_area_not_found", detail))
        }
        ProgrammeError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        ProgrammeError::Invalid(errors) => E::Invalid(invalid_fields(&errors).into()),
        ProgrammeError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Errors of order operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum OrderOperationError {
    /// Not allowed: no live proxy consent (`no_proxy_consent`), not the provider's
    /// (`forbidden`), the provider is not verified (`provider_not_verified`), or a partner key
    /// without the scope (`missing_scope`, `organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such offering or order within your reach (`order_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The order's state does not allow this (`order_wrong_state`; resolving an order not in
    /// dispute: `order_not_disputed`), too few points
    /// (`insufficient_points`), the offering is unpublished (`offering_unpublished`), a
    /// budget kept changing (`subsidy_budget_contended`, retry), or a request with this
    /// `Idempotency-Key` is still running (`idempotency_key_in_flight`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Bad input: `quantity_out_of_range`, `outside_availability`, `outside_service_area`,
    /// `subsidy_not_eligible`, `points_above_cap`, `order_too_large`, `wrong_code`,
    /// `payment_above_due`, `refund_exceeds_paid`, `refund_not_whole_points`, `invalid_reason`,
    /// `payment_refused`, `validation_failed` (money: `too_many_decimals`, `wrong_type`…) or
    /// `idempotency_key_reused`.
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Five wrong codes for this order (`too_many_attempts`).
    #[oai(status = 429)]
    TooMany(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for OrderOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Puts an edge problem (idempotency, validation) in the variant of its status.
pub fn order_problem(problem: Problem) -> OrderOperationError {
    use OrderOperationError as E;
    match problem.status {
        409 => E::Conflict(problem.into()),
        422 => E::Invalid(problem.into()),
        _ => rejected(problem),
    }
}

/// Maps an order failure.
pub fn map_order(error: OrderError) -> OrderOperationError {
    use OrderOperationError as E;
    let detail = error.to_string();
    let invalid =
        |code: &str, detail: String| E::Invalid(p(StatusCode::UNPROCESSABLE_ENTITY, code, detail));
    let conflict = |code: &str, detail: String| E::Conflict(p(StatusCode::CONFLICT, code, detail));
    match error {
        OrderError::NotFound => E::NotFound(p(
            StatusCode::NOT_FOUND,
            "order_not_found",
            "no such offering or order within your reach",
        )),
        OrderError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        OrderError::NoConsent => E::Forbidden(p(StatusCode::FORBIDDEN, "no_proxy_consent", detail)),
        OrderError::ProviderNotVerified => {
            E::Forbidden(p(StatusCode::FORBIDDEN, "provider_not_verified", detail))
        }
        OrderError::PartnerRefused(r) => E::Forbidden(partner_refused(r).into()),
        OrderError::Unpublished => conflict("offering_unpublished", detail),
        OrderError::InsufficientPoints { .. } => conflict("insufficient_points", detail),
        OrderError::Contended => conflict("subsidy_budget_contended", detail),
        OrderError::WrongState(_) => conflict("order_wrong_state", detail),
        OrderError::NotDisputed(_) => conflict("order_not_disputed", detail),
        OrderError::BadReason => invalid("invalid_reason", detail),
        OrderError::QuantityOutOfRange { .. } => invalid("quantity_out_of_range", detail),
        OrderError::OutsideAvailability => invalid("outside_availability", detail),
        OrderError::OutsideServiceArea => invalid("outside_service_area", detail),
        OrderError::Ineligible { .. } => invalid("subsidy_not_eligible", detail),
        OrderError::PointsAboveCap { .. } => invalid("points_above_cap", detail),
        OrderError::TooLarge => invalid("order_too_large", detail),
        OrderError::KeyReused => invalid(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request".into(),
        ),
        OrderError::WrongCode { .. } => invalid("wrong_code", detail),
        OrderError::AboveDue { .. } => invalid("payment_above_due", detail),
        OrderError::PaymentRefused(_) => invalid("payment_refused", detail),
        OrderError::Refund(RefundError::AboveRefundable { .. }) => {
            invalid("refund_exceeds_paid", detail)
        }
        OrderError::Refund(RefundError::NotWholePoints) => {
            invalid("refund_not_whole_points", detail)
        }
        OrderError::TooManyAttempts => E::TooMany(p(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            detail,
        )),
        OrderError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Errors of settlement operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum SettlementOperationError {
    /// Not a street admin over the provider's communities (`forbidden`), or a partner key
    /// without `orders:read` (`missing_scope`, `organization_not_verified`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such settlement, programme or provider within your reach (`settlement_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Paying out an unapproved batch (`settlement_not_approved`), a batch past this step
    /// (`settlement_already_done`), or another run took the same orders (`settlement_contended`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// A missing or overlong reference (`invalid_reference`) or a period that is empty or not
    /// over yet (`invalid_period`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for SettlementOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a settlement failure.
pub fn map_settlement(error: SettlementError) -> SettlementOperationError {
    use SettlementOperationError as E;
    let detail = error.to_string();
    match error {
        SettlementError::NotFound => {
            E::NotFound(p(StatusCode::NOT_FOUND, "settlement_not_found", detail))
        }
        SettlementError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        SettlementError::NotApproved => {
            E::Conflict(p(StatusCode::CONFLICT, "settlement_not_approved", detail))
        }
        SettlementError::AlreadyDone(_) => {
            E::Conflict(p(StatusCode::CONFLICT, "settlement_already_done", detail))
        }
        SettlementError::Contended => {
            E::Conflict(p(StatusCode::CONFLICT, "settlement_contended", detail))
        }
        SettlementError::BadReference => E::Invalid(p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
            detail,
        )),
        SettlementError::Provider(OfferingError::PartnerRefused(r)) => {
            E::Forbidden(partner_refused(r).into())
        }
        SettlementError::Provider(OfferingError::Store(e)) | SettlementError::Store(e) => {
            rejected(from_store_error(&e))
        }
        SettlementError::Provider(
            OfferingError::NotFound
            | OfferingError::Forbidden
            | OfferingError::NotVerifiedProvider
            | OfferingError::AreaNotServed(_)
            | OfferingError::CategoryNotPaid
            | OfferingError::Invalid(_),
        ) => E::NotFound(p(
            StatusCode::NOT_FOUND,
            "settlement_not_found",
            "no such settlement within your reach",
        )),
    }
}

/// Errors of the terms operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum TermsOperationError {
    /// Not allowed to set these terms (`forbidden`): contracts are set by street admins over
    /// the provider's communities or platform admins; points terms by the community's staff or
    /// admins over it.
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such provider or community within your reach (`provider_not_found`,
    /// `community_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Invalid fields (`validation_failed`: `too_many_decimals`, `not_money`, `out_of_range`,
    /// `unknown_period`, or a JSON number where a decimal string is expected: `wrong_type`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for TermsOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Maps a terms failure; `missing` names what was not found.
pub fn map_terms(error: TermsError, missing: &str) -> TermsOperationError {
    use TermsOperationError as E;
    let detail = error.to_string();
    match error {
        TermsError::NotFound => E::NotFound(p(StatusCode::NOT_FOUND, missing, detail)),
        TermsError::Forbidden => E::Forbidden(p(StatusCode::FORBIDDEN, "forbidden", detail)),
        TermsError::Invalid(errors) => E::Invalid(invalid_fields(&errors).into()),
        TermsError::Store(e) => rejected(from_store_error(&e)),
    }
}
