//! The one error body, `application/problem+json` (RFC 9457), and the conversion of every
//! failure that reaches the edge into it.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object};

use crate::request_id;

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One offending input field.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct FieldError {
    /// The field's path in the request, e.g. `password` or `address.grid_id`.
    pub field: String,
    /// Stable snake_case code for the rule it broke.
    pub code: String,
    /// Human-readable explanation (English).
    pub message: String,
}

/// An error as RFC 9457 describes it, plus a stable `code` the front end translates.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(example)]
pub struct Problem {
    /// URI naming the kind of problem: `urn:linli:problem:<code>`.
    #[oai(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this occurrence.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// Stable snake_case code, e.g. `validation_failed`.
    pub code: String,
    /// The request id, to quote when reporting a problem.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    /// Offending fields, for validation errors.
    #[oai(skip_serializing_if_is_empty)]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem with this status, code and detail, tagged with the current request id.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:linli:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            code: code.to_owned(),
            request_id: request_id::current(),
            errors: Vec::new(),
        }
    }

    /// A 422 `validation_failed` problem listing the offending fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the request has invalid fields",
        )
        .with_errors(errors)
    }

    /// Adds offending fields.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// A failure the caller cannot fix; the cause is logged here, once, and never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        let mut problem = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; quote the request id when reporting it",
        );
        problem.detail = Some(problem.detail.take().unwrap_or_default());
        problem
    }

    /// The store could not be reached in time: retry later.
    pub fn unavailable(cause: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service is temporarily unavailable; retry shortly",
        )
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        Self {
            kind: "urn:linli:problem:validation_failed".into(),
            title: "Unprocessable Entity".into(),
            status: 422,
            detail: Some("the request has invalid fields".into()),
            code: "validation_failed".into(),
            request_id: Some("0193a0f4c2d87b5e9f1a2b3c4d5e6f70".into()),
            errors: vec![FieldError {
                field: "password".into(),
                code: "too_short".into(),
                message: "must be at least 8 characters".into(),
            }],
        }
    }
}

/// A [`Problem`] as a response payload with the `application/problem+json` media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemJson(pub Problem);

impl Payload for ProblemJson {
    const CONTENT_TYPE: &'static str = PROBLEM_JSON;

    fn schema_ref() -> MetaSchemaRef {
        Problem::schema_ref()
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

impl IntoResponse for ProblemJson {
    fn into_response(self) -> Response {
        let status = self.0.status_code();
        let body = self.0.to_json().map(|v| v.to_string()).unwrap_or_default();
        Response::builder()
            .status(status)
            .content_type(PROBLEM_JSON)
            .body(body)
    }
}

impl From<Problem> for ProblemJson {
    fn from(problem: Problem) -> Self {
        Self(problem)
    }
}

/// What every operation's error enum can be built from: a rejection the edge produced.
pub trait Rejection: ApiResponse {
    /// Wraps a problem with its own status.
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self;
}

/// The `bad_request_handler` of every operation: turns what poem-openapi refused while
/// extracting the request into that operation's error enum.
pub fn reject<R: Rejection>(error: poem::Error) -> R {
    let problem = from_poem_error(&error);
    R::rejected(problem.status_code(), ProblemJson(problem))
}

/// Turns a problem into an operation's error enum.
pub fn rejected<R: Rejection>(problem: Problem) -> R {
    R::rejected(problem.status_code(), ProblemJson(problem))
}

/// Maps a storage failure: unavailable → 503, anything else → 500 with the cause logged.
pub fn from_store_error(error: &linli_domain::db::StoreError) -> Problem {
    match error {
        linli_domain::db::StoreError::Unavailable(_) => Problem::unavailable(error),
        linli_domain::db::StoreError::Query(_) => Problem::internal(error),
    }
}

/// Maps any error poem or poem-openapi raises to a problem with a stable code.
pub fn from_poem_error(error: &poem::Error) -> Problem {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if let Some(e) = error.downcast_ref::<ParseRequestPayloadError>() {
        return payload_problem(&e.reason);
    }
    if let Some(e) = error.downcast_ref::<ParseParamError>() {
        return Problem::new(StatusCode::BAD_REQUEST, "invalid_parameter", e.to_string())
            .with_errors(vec![FieldError {
                field: e.name.to_owned(),
                code: "invalid".into(),
                message: e.reason.clone(),
            }]);
    }
    if let Some(e) = error.downcast_ref::<ParsePathError>() {
        return Problem::new(StatusCode::BAD_REQUEST, "invalid_parameter", e.to_string());
    }
    if let Some(e) = error.downcast_ref::<ContentTypeError>() {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            e.to_string(),
        );
    }
    if error.is::<AuthorizationError>() {
        return Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "missing or invalid credentials: send `Authorization: Bearer <token>`",
        );
    }
    if let Some(problem) = error.downcast_ref::<ProblemError>() {
        return problem.0.clone();
    }
    let status = error.status();
    match status {
        StatusCode::NOT_FOUND => Problem::new(status, "route_not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "method_not_allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            status,
            "payload_too_large",
            "the request body is larger than the server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Problem::new(status, "unsupported_media_type", error.to_string())
        }
        s if s.is_server_error() => Problem::internal(error),
        s => Problem::new(s, "bad_request", error.to_string()),
    }
}

/// A problem carried through poem's error type (from middleware), kept as is at the edge.
#[derive(Debug)]
pub struct ProblemError(pub Problem);

impl std::fmt::Display for ProblemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.detail.as_deref().unwrap_or(&self.0.code))
    }
}

impl std::error::Error for ProblemError {}

impl poem::error::ResponseError for ProblemError {
    fn status(&self) -> StatusCode {
        self.0.status_code()
    }

    fn as_response(&self) -> Response {
        ProblemJson(self.0.clone()).into_response()
    }
}

/// poem-openapi reports type and validator failures as `failed to parse "T": … (occurred while
/// parsing "field")`; anything else is JSON that did not parse at all.
fn payload_problem(reason: &str) -> Problem {
    if !reason.starts_with("failed to parse") {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {reason}"),
        );
    }
    let marker = "(occurred while parsing \"";
    let mut path: Vec<&str> = reason
        .match_indices(marker)
        .filter_map(|(at, _)| reason[at + marker.len()..].split('"').next())
        .collect();
    path.reverse();
    let message = reason
        .rsplit("\": ")
        .next()
        .unwrap_or(reason)
        .split(" (occurred while parsing")
        .next()
        .unwrap_or(reason)
        .trim()
        .to_owned();
    let field = if path.is_empty() {
        missing_field(reason).unwrap_or_else(|| "body".into())
    } else {
        path.join(".")
    };
    Problem::validation(vec![FieldError {
        field,
        code: rule_code(&message),
        message,
    }])
}

fn missing_field(reason: &str) -> Option<String> {
    let start = reason.find("field `")? + "field `".len();
    let end = reason[start..].find('`')?;
    Some(reason[start..start + end].to_owned())
}

fn rule_code(message: &str) -> String {
    let rules = [
        ("minLength", "too_short"),
        ("maxLength", "too_long"),
        ("minimum", "too_small"),
        ("maximum", "too_large"),
        ("pattern", "pattern_mismatch"),
        ("minItems", "too_few"),
        ("maxItems", "too_many"),
        ("is required", "required"),
        ("expects", "wrong_type"),
    ];
    rules
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("invalid", |(_, code)| code)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_failures_name_the_field() {
        let problem = payload_problem(
            "failed to parse \"RegisterAccountRequest\": failed to parse \"string\": verification failed. minLength(8) (occurred while parsing \"password\")",
        );
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "password");
        assert_eq!(problem.errors[0].code, "too_short");
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        let problem = payload_problem("expected value at line 1 column 1");
        assert_eq!(problem.status, 400);
        assert_eq!(problem.code, "malformed_json");
    }
}
