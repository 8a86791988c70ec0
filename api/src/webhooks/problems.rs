//! Problems every webhook operation answers with, built in one place so their codes stay the
//! same on the session and partner surfaces.

use linli_domain::webhooks::rules::InputError;
use linli_domain::webhooks::usecases::{AccessError, TargetError};
use poem::http::StatusCode;

use crate::organizations::problems::{organization_not_found, refused, validation_failed};
use crate::partner::partner_refused;
use crate::problem::{FieldError, Problem, ProblemJson};

/// Operation error enums with a 403 and a 404 arm.
pub trait Denial {
    /// 403.
    fn forbidden(problem: ProblemJson) -> Self;
    /// 404.
    fn not_found(problem: ProblemJson) -> Self;
}

/// 403 `not_organization_admin`, `missing_scope` or `organization_not_verified`; 404
/// `organization_not_found` or `webhook_endpoint_not_found`.
pub fn denied<E: Denial>(error: AccessError) -> E {
    match error {
        AccessError::OrganizationNotFound(id) => E::not_found(organization_not_found(id).into()),
        AccessError::Refused(refusal) => E::forbidden(refused(refusal).into()),
        AccessError::PartnerRefused(refusal) => E::forbidden(partner_refused(refusal).into()),
        AccessError::EndpointNotFound { .. } => E::not_found(
            Problem::new(
                StatusCode::NOT_FOUND,
                "webhook_endpoint_not_found",
                error.to_string(),
            )
            .into(),
        ),
    }
}

/// 422 `webhook_target_refused` (the host resolves to a private, loopback, link-local… address)
/// or `webhook_target_unresolvable`.
pub fn target_refused(error: &TargetError) -> ProblemJson {
    let code = match error {
        TargetError::Refused(_) => "webhook_target_refused",
        TargetError::Unresolvable(_) => "webhook_target_unresolvable",
    };
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string()).into()
}

/// 422 `validation_failed` listing every broken rule.
pub fn invalid(errors: &[InputError]) -> ProblemJson {
    validation_failed(
        errors
            .iter()
            .map(|e| FieldError {
                field: e.field().to_owned(),
                code: e.code().to_owned(),
                message: e.to_string(),
            })
            .collect(),
    )
    .into()
}
