//! The connection loop: hyper serving HTTP/1.1 and HTTP/2 on the bound listener, handing every
//! request to the poem endpoint. Ours rather than `poem::Server` for two reasons. Each
//! connection is one task polling hyper directly — no boxed socket, no per-poll cancellation
//! tokens — and the liveness probe is answered here, before routing: orchestrators call it
//! every few seconds on every instance, and it must stay cheap and independent of everything
//! behind it. It still gets its request id, its log line and its metrics like any request.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future;
use http_body_util::combinators::BoxBody;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint};
use tokio::net::TcpListener;

use crate::{health, request_id};

/// The body of a response poem produced.
type PoemBody = BoxBody<Bytes, std::io::Error>;

/// A response body: the probe's static bytes, or whatever poem produced.
type Body = Either<Full<Bytes>, PoemBody>;

/// How long to wait before accepting again after the OS refused a connection (e.g. out of file
/// descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `endpoint` on `listener` until `shutdown` completes; then stops accepting, lets
/// every open connection finish its in-flight requests for up to `grace`, and returns.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()>
where
    E: Endpoint<Output = poem::Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let endpoint = endpoint.clone();
        let local = local.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            if is_liveness_probe(&request) {
                return future::Either::Left(future::ready(Ok::<_, Infallible>(liveness(
                    &request,
                ))));
            }
            let endpoint = endpoint.clone();
            let request = poem::Request::from((
                request,
                local.clone(),
                RemoteAddr(Addr::SocketAddr(peer)),
                Scheme::HTTP,
            ));
            future::Either::Right(async move {
                let response = endpoint.get_response(request).await;
                Ok(hyper::Response::<PoemBody>::from(response).map(Either::Right))
            })
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that hangs up or speaks garbage ends its own connection, nothing more.
            if let Err(error) = connection.await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(
        grace_secs = grace.as_secs_f64(),
        "shutting down: finishing in-flight requests"
    );
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("the grace period ended with requests still in flight");
    }
    Ok(())
}

/// `GET /healthz`, the one request answered without routing.
fn is_liveness_probe(request: &hyper::Request<Incoming>) -> bool {
    request.method() == hyper::Method::GET && request.uri().path() == health::LIVENESS_PATH
}

/// The liveness answer, with the request id, log line and metrics every request gets.
fn liveness(request: &hyper::Request<Incoming>) -> hyper::Response<Body> {
    let started = Instant::now();
    let id = request_id::accept_or_generate(
        request
            .headers()
            .get(request_id::HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::from_static(
        health::LIVENESS_BODY.as_bytes(),
    ))));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from(id.clone())) {
        headers.insert(request_id::HEADER, value);
    }
    let elapsed = started.elapsed();
    liveness_metrics().record(elapsed);
    tracing::info!(
        request_id = %id,
        method = "GET",
        path = health::LIVENESS_PATH,
        status = 200,
        elapsed_ms = elapsed.as_secs_f64() * 1e3,
        operation = LIVENESS_OPERATION,
        "request"
    );
    response
}

/// The operation label of the probe in `/metrics`.
const LIVENESS_OPERATION: &str = "healthz";

/// The probe's counter and histogram, looked up once: the recorder is process-wide and
/// installed before the first request, so the handles stay valid.
struct LivenessMetrics {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl LivenessMetrics {
    fn record(&self, elapsed: Duration) {
        self.requests.increment(1);
        self.duration.record(elapsed.as_secs_f64());
    }
}

fn liveness_metrics() -> &'static LivenessMetrics {
    static METRICS: OnceLock<LivenessMetrics> = OnceLock::new();
    METRICS.get_or_init(|| LivenessMetrics {
        requests: crate::metrics::request_counter(LIVENESS_OPERATION, "GET", 200),
        duration: crate::metrics::request_histogram(LIVENESS_OPERATION),
    })
}
