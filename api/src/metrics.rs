//! Prometheus metrics: requests by operation and status, latency, pool usage.

use std::sync::OnceLock;
use std::time::Duration;

use linli_domain::db::Db;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: sub-millisecond to several seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process-wide recorder; the `metrics` facade allows exactly one.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // A second install only happens when another recorder was set first; then ours still
        // renders what it records, which is nothing, and the operator sees that.
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "a metrics recorder was already installed");
        }
        handle
    })
}

/// Counts one finished request. Labels are static strings so the hot path does not allocate.
pub fn record_request(
    operation: &'static str,
    method: &'static str,
    status: u16,
    elapsed: Duration,
) {
    request_counter(operation, method, status).increment(1);
    request_histogram(operation).record(elapsed.as_secs_f64());
}

/// The request counter of one operation, method and status; a caller that always counts the
/// same labels may keep it instead of looking it up per request.
pub fn request_counter(
    operation: &'static str,
    method: &'static str,
    status: u16,
) -> metrics::Counter {
    metrics::counter!(
        "linli_http_requests_total",
        "operation" => operation,
        "method" => method,
        "status" => status_label(status)
    )
}

/// The latency histogram of one operation; may be kept like [`request_counter`].
pub fn request_histogram(operation: &'static str) -> metrics::Histogram {
    metrics::histogram!("linli_http_request_duration_seconds", "operation" => operation)
}

/// The status as a static label; uncommon codes share their class (`5xx`).
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        415 => "415",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        other if other < 200 => "1xx",
        other if other < 300 => "2xx",
        other if other < 400 => "3xx",
        other if other < 500 => "4xx",
        _ => "5xx",
    }
}

/// The exposition text, with pool gauges refreshed.
pub fn render(db: &Db) -> String {
    let usage = db.usage();
    metrics::gauge!("linli_db_pool_connections", "state" => "open").set(f64::from(usage.open));
    metrics::gauge!("linli_db_pool_connections", "state" => "idle").set(f64::from(usage.idle));
    metrics::gauge!("linli_db_pool_connections", "state" => "max").set(f64::from(usage.max));
    handle().render()
}
