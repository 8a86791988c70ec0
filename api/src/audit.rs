//! Reading the audit log.

use chrono::{DateTime, Utc};
use linli_domain::access::Role;
use linli_domain::audit::AuditEvent;
use linli_domain::audit::store::{self, AuditScope};
use poem::http::StatusCode;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `audit_events` resource.
pub struct AuditApi {
    /// Shared state.
    pub state: AppState,
}

/// One audited action.
#[derive(Debug, Clone, Object)]
pub struct AuditEventView {
    /// Position in the chain.
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it (absent for the system).
    pub actor_id: Option<i64>,
    /// For whom, when acting as a proxy.
    pub on_behalf_of: Option<i64>,
    /// What was done, e.g. `role.granted`.
    pub action: String,
    /// Kind of object.
    pub subject_type: String,
    /// The object's id.
    pub subject_id: String,
    /// The area it belongs to.
    pub area_id: Option<i64>,
    /// Detail, as JSON.
    pub detail: serde_json::Value,
    /// The previous event's hash.
    pub prev_hash: String,
    /// SHA-256 over this event and `prev_hash`.
    pub hash: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(event: AuditEvent) -> Self {
        Self {
            id: event.id,
            occurred_at: event.occurred_at.and_utc(),
            actor_id: event.actor.map(|u| u.0),
            on_behalf_of: event.on_behalf_of.map(|u| u.0),
            action: event.action,
            subject_type: event.subject_type,
            subject_id: event.subject_id,
            area_id: event.area.map(|a| a.0),
            detail: serde_json::from_str(&event.detail).unwrap_or(serde_json::Value::Null),
            prev_hash: event.prev_hash,
            hash: event.hash,
        }
    }
}

/// Responses of `list_audit_events`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListAuditEventsError {
    /// Only street and platform admins read the audit log (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListAuditEventsError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Audit")]
impl AuditApi {
    /// List audit events
    ///
    /// Newest first. Platform admins see everything; street admins see the events of areas in
    /// their street. Page with `before` (the smallest id of the previous page).
    #[oai(
        path = "/audit-events",
        method = "get",
        operation_id = "list_audit_events"
    )]
    async fn list_audit_events(
        &self,
        auth: SessionAuth,
        /// Only events with a smaller id.
        before: Query<Option<i64>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<AuditEventView>>, ListAuditEventsError> {
        let principal = auth.0.principal;
        let scope = if principal.is_platform_admin() {
            AuditScope::All
        } else {
            let paths: Vec<String> = principal
                .roles
                .iter()
                .filter(|r| r.role == Role::StreetAdmin)
                .map(|r| r.area_path.clone())
                .collect();
            if paths.is_empty() {
                return Err(ListAuditEventsError::Forbidden(
                    Problem::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        "only street and platform admins read the audit log",
                    )
                    .into(),
                ));
            }
            AuditScope::Under(paths)
        };
        let (before, limit) = (before.0, limit.0);
        let events = self
            .state
            .db
            .run(move |conn| store::list(conn, &scope, before, limit))
            .await
            .map_err(|e| rejected::<ListAuditEventsError>(from_store_error(&e)))?;
        Ok(Json(events.into_iter().map(AuditEventView::from).collect()))
    }
}

fn default_limit() -> i64 {
    50
}
