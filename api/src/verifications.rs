//! Staff verification queues over HTTP: who waits for a real-name check, a credential check or
//! an eligibility check in the areas the caller serves. The checks themselves are
//! `verify_volunteer`, `verify_credential` and `verify_resident_eligibility`.

use chrono::{DateTime, Utc};
use linli_domain::verifications::usecases::{self, QueueError};
use linli_domain::verifications::{QueueEntry, Queues};
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the verification queues.
pub struct VerificationsApi {
    /// Shared state.
    pub state: AppState,
}

/// A credential waiting to be checked.
#[derive(Debug, Clone, Object)]
pub struct PendingCredentialView {
    /// Its id, for `verify_credential`.
    pub id: i64,
    /// training, health_certificate or background_check.
    pub kind: String,
    /// What it is.
    pub title: String,
}

/// One person waiting.
#[derive(Debug, Clone, Object)]
pub struct QueueEntryView {
    /// The person, for `verify_volunteer`, `get_resident_profile` and
    /// `verify_resident_eligibility`.
    pub user_id: i64,
    /// Their display name.
    pub display_name: String,
    /// Their home grid.
    pub grid_id: i64,
    /// Waiting since (the profile's last change, or when the credential was added).
    pub since: DateTime<Utc>,
    /// The credential, in the credentials queue.
    pub credential: Option<PendingCredentialView>,
}

/// The queues, oldest first, at most 200 each.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct VerificationQueuesView {
    /// Volunteers who stated a real name nobody has verified.
    pub volunteers: Vec<QueueEntryView>,
    /// Credentials nobody has verified.
    pub credentials: Vec<QueueEntryView>,
    /// Residents whose eligibility facts nobody has verified.
    pub residents: Vec<QueueEntryView>,
}

impl From<&QueueEntry> for QueueEntryView {
    fn from(e: &QueueEntry) -> Self {
        Self {
            user_id: e.user_id.0,
            display_name: e.display_name.clone(),
            grid_id: e.grid_id.0,
            since: e.since.and_utc(),
            credential: e.credential.as_ref().map(|c| PendingCredentialView {
                id: c.id,
                kind: c.kind.clone(),
                title: c.title.clone(),
            }),
        }
    }
}

impl From<&Queues> for VerificationQueuesView {
    fn from(q: &Queues) -> Self {
        let all = |list: &[QueueEntry]| list.iter().map(QueueEntryView::from).collect();
        Self {
            volunteers: all(&q.volunteers),
            credentials: all(&q.credentials),
            residents: all(&q.residents),
        }
    }
}

impl Example for VerificationQueuesView {
    fn example() -> Self {
        let since = DateTime::<Utc>::from_timestamp(1_764_547_200, 0).unwrap_or_default();
        Self {
            volunteers: vec![QueueEntryView {
                user_id: 42,
                display_name: "陈晓东".into(),
                grid_id: 9,
                since,
                credential: None,
            }],
            credentials: vec![QueueEntryView {
                user_id: 42,
                display_name: "陈晓东".into(),
                grid_id: 9,
                since,
                credential: Some(PendingCredentialView {
                    id: 7,
                    kind: "training".into(),
                    title: "助浴培训".into(),
                }),
            }],
            residents: Vec::new(),
        }
    }
}

/// Errors of `list_verification_queues`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum VerificationQueueError {
    /// Not community staff, a social worker or an admin anywhere (`not_staff`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Refused before the operation ran (401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for VerificationQueueError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Volunteers")]
impl VerificationsApi {
    /// List the verification queues
    ///
    /// Volunteers waiting for their real name to be verified, credentials waiting to be
    /// checked, and residents whose eligibility facts are unverified — people whose home grid
    /// lies where the caller is community staff, a social worker or an admin; oldest first.
    #[oai(
        path = "/verifications",
        method = "get",
        operation_id = "list_verification_queues"
    )]
    async fn list_verification_queues(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<VerificationQueuesView>, VerificationQueueError> {
        let queues = usecases::queues(&self.state.db, auth.0.principal)
            .await
            .map_err(|error| match error {
                QueueError::NotStaff => VerificationQueueError::Forbidden(
                    Problem::new(StatusCode::FORBIDDEN, "not_staff", error.to_string()).into(),
                ),
                QueueError::Store(e) => rejected(from_store_error(&e)),
            })?;
        Ok(Json(VerificationQueuesView::from(&queues)))
    }
}
