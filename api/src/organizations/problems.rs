//! Problems several organization operations answer with, built in one place so their codes
//! stay the same everywhere.

use linli_domain::organizations::rules::{InputError, Refusal};
use poem::http::StatusCode;

use crate::problem::{FieldError, Problem};

/// 404 `organization_not_found`.
pub fn organization_not_found(id: i64) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "organization_not_found",
        format!("organization {id} does not exist"),
    )
}

/// 403 with the refusal's own code.
pub fn refused(refusal: Refusal) -> Problem {
    let code = match refusal {
        Refusal::NotAdmin => "not_organization_admin",
        Refusal::NotVerifier => "verification_not_allowed",
        Refusal::MembersHidden => "members_hidden",
    };
    Problem::new(StatusCode::FORBIDDEN, code, refusal.to_string())
}

/// 422 `validation_failed` listing every broken field.
pub fn validation_failed(errors: Vec<FieldError>) -> Problem {
    Problem::validation(errors)
}

/// 422 `validation_failed` listing every broken rule of a profile.
pub fn invalid_fields(errors: &[InputError]) -> Problem {
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
}

/// 422 `unknown_area`: a named service area does not exist.
pub fn unknown_area(id: i64) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_area",
        format!("area {id} does not exist"),
    )
}

/// 422 `wrong_area_level`: a named service area is not a community.
pub fn not_a_community(id: i64) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_area_level",
        format!("area {id} is not a community; organizations serve communities"),
    )
}
