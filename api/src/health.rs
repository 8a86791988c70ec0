//! Operational endpoints outside the API contract: liveness, readiness, metrics.

use linli_domain::db::migrate::{self, SchemaStatus};
use linli_domain::db::{Db, StoreError};
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

/// Where the liveness probe is served.
pub const LIVENESS_PATH: &str = "/healthz";

/// The liveness answer's body.
pub const LIVENESS_BODY: &str = r#"{"status":"ok"}"#;

/// Liveness: the process answers. Touches nothing else, so a slow database never gets the
/// process restarted. `GET` is answered by the connection loop before routing
/// ([`crate::server`]); this handler serves what reaches the router (`HEAD`).
#[handler]
pub fn healthz() -> Response {
    Response::builder()
        .content_type("application/json")
        .body(LIVENESS_BODY)
}

/// Readiness: the database answers and its schema is what this binary expects.
#[handler]
pub async fn readyz(db: Data<&Db>) -> Response {
    let status = db
        .run(|conn| migrate::status(conn).map_err(|e| StoreError::Unavailable(e.to_string())))
        .await;
    let (code, body) = match status {
        Ok(SchemaStatus::Current) => (
            StatusCode::OK,
            json!({"status": "ready", "database": db.engine()}),
        ),
        Ok(SchemaStatus::Pending(pending)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "migrations_pending", "pending": pending, "hint": "run `linli migrate`"}),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "database_unavailable"}),
            )
        }
    };
    (code, Json(body)).into_response()
}

/// Prometheus text exposition.
#[handler]
pub fn metrics(db: Data<&Db>) -> Response {
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render(&db))
}
