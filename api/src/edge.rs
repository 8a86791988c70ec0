//! What wraps every request: its id, its log line and metrics, the body size limit, and the
//! conversion of any error that escaped an operation into problem+json.

use std::time::Instant;

use poem::error::ReadBodyError;
use poem::http::{HeaderValue, StatusCode};
use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;

use crate::problem::{Problem, ProblemJson, from_poem_error};
use crate::request_id;

/// Wraps `endpoint` with the edge behaviour; `max_body_bytes` bounds every request body,
/// whether or not it declares its length.
pub fn wrap(
    endpoint: impl Endpoint + 'static,
    max_body_bytes: usize,
) -> impl Endpoint<Output = Response> {
    endpoint
        .with(CatchPanic::new().with_handler(|_| {
            ProblemJson(Problem::internal(&"a request handler panicked")).into_response()
        }))
        .around(move |inner, req| handle(inner, req, max_body_bytes))
}

async fn handle<E: Endpoint>(
    inner: std::sync::Arc<E>,
    mut req: Request,
    max_body_bytes: usize,
) -> poem::Result<Response> {
    let id = request_id::accept_or_generate(
        req.headers()
            .get(request_id::HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = request_id::scope(
        id.clone(),
        async move {
            let body = req.take_body();
            match body.into_bytes_limit(max_body_bytes).await {
                Ok(bytes) => req.set_body(bytes),
                Err(ReadBodyError::PayloadTooLarge) => {
                    return ProblemJson(Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!("the request body exceeds {max_body_bytes} bytes"),
                    ))
                    .into_response();
                }
                Err(e) => {
                    return ProblemJson(Problem::new(
                        StatusCode::BAD_REQUEST,
                        "unreadable_body",
                        e.to_string(),
                    ))
                    .into_response();
                }
            }
            match inner.call(req).await {
                Ok(output) => output.into_response(),
                Err(error) => {
                    let operation = error.data::<OperationId>().copied();
                    let mut response = if error.is_from_response() {
                        error.into_response()
                    } else {
                        ProblemJson(from_poem_error(&error)).into_response()
                    };
                    if let Some(operation) = operation {
                        response.set_data(operation);
                    }
                    response
                }
            }
        }
        .instrument(span.clone()),
    )
    .await;
    let elapsed = started.elapsed();
    let status = response.status();
    let operation = response.data::<OperationId>().map_or("unmatched", |o| o.0);
    crate::metrics::record_request(operation, &method, status.as_u16(), elapsed);
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            elapsed_ms = elapsed.as_secs_f64() * 1e3,
            operation,
            "request"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    Ok(response)
}
