//! What wraps every request: its id, its log line and metrics, the body size limit, and the
//! conversion of any error that escaped an operation into problem+json. It runs on every
//! request, so it allocates little and keeps its future small.

use std::time::Instant;

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
    Edge {
        inner: endpoint
            .with(CatchPanic::new().with_handler(|_| {
                ProblemJson(Problem::internal(&"a request handler panicked")).into_response()
            }))
            .boxed(),
        max_body_bytes,
    }
}

/// The edge endpoint; the inner endpoint is boxed once so this future stays small.
struct Edge {
    inner: poem::endpoint::BoxEndpoint<'static, Response>,
    max_body_bytes: usize,
}

impl Endpoint for Edge {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let id = request_id::accept_or_generate(
            req.headers()
                .get(request_id::HEADER)
                .and_then(|v| v.to_str().ok()),
        );
        let method = static_method(req.method());
        let span =
            tracing::info_span!("request", request_id = %id, method, path = req.uri().path());
        let started = Instant::now();
        let max_body_bytes = self.max_body_bytes;
        let inner = &self.inner;
        let mut response = request_id::scope(
            id.clone(),
            async move {
                if let Some(rejection) = limit_body(&mut req, max_body_bytes).await {
                    return rejection;
                }
                match inner.call(req).await {
                    Ok(response) => response,
                    Err(error) => error_response(error),
                }
            }
            .instrument(span.clone()),
        )
        .await;
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let operation = response.data::<OperationId>().map_or("unmatched", |o| o.0);
        crate::metrics::record_request(operation, method, status, elapsed);
        span.in_scope(|| {
            tracing::info!(
                status,
                elapsed_ms = elapsed.as_secs_f64() * 1e3,
                operation,
                "request"
            )
        });
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(request_id::HEADER, value);
        }
        Ok(response)
    }
}

/// How much of an oversized body is still read (and thrown away) before answering 413, so the
/// client sees the answer instead of a reset connection.
const DRAIN_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// Reads the body up to the limit, whether or not it declared its length; a rejection when
/// it is too large or unreadable.
async fn limit_body(req: &mut Request, max_body_bytes: usize) -> Option<Response> {
    use futures_util::StreamExt;
    let body = req.take_body();
    if body.is_empty() {
        return None;
    }
    let mut stream = std::pin::pin!(body.into_bytes_stream());
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                return Some(
                    ProblemJson(Problem::new(
                        StatusCode::BAD_REQUEST,
                        "unreadable_body",
                        e.to_string(),
                    ))
                    .into_response(),
                );
            }
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= max_body_bytes {
            kept.extend_from_slice(&chunk);
        } else if seen > max_body_bytes.saturating_add(DRAIN_LIMIT_BYTES) {
            break;
        }
    }
    if seen > max_body_bytes {
        return Some(
            ProblemJson(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {max_body_bytes} bytes"),
            ))
            .into_response(),
        );
    }
    req.set_body(kept);
    None
}

/// An error that escaped the operation, as problem+json, keeping the operation id for metrics.
fn error_response(error: poem::Error) -> Response {
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

/// The method as a static label, so metrics need no allocation.
fn static_method(method: &poem::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}
