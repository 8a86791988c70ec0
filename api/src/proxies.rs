//! Proxy consents over HTTP: who may act for a resident without a smartphone.

use chrono::{DateTime, Utc};
use linli_domain::accounts::UserId;
use linli_domain::proxies::usecases::{self, ConsentError};
use linli_domain::proxies::{ProxyConsent, Relationship};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `proxy_consents` resource.
pub struct ProxiesApi {
    /// Shared state.
    pub state: AppState,
}

/// What the proxy is to the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RelationshipView {
    /// The resident's grid worker.
    GridWorker,
    /// A registered family member.
    Family,
}

impl From<Relationship> for RelationshipView {
    fn from(relationship: Relationship) -> Self {
        match relationship {
            Relationship::GridWorker => Self::GridWorker,
            Relationship::Family => Self::Family,
        }
    }
}

impl From<RelationshipView> for Relationship {
    fn from(relationship: RelationshipView) -> Self {
        match relationship {
            RelationshipView::GridWorker => Self::GridWorker,
            RelationshipView::Family => Self::Family,
        }
    }
}

/// A recorded consent.
#[derive(Debug, Clone, Object)]
pub struct ProxyConsentView {
    /// Its id.
    pub id: i64,
    /// For whom.
    pub resident_id: i64,
    /// Who acts.
    pub proxy_id: i64,
    /// What the proxy is to the resident.
    pub relationship: RelationshipView,
    /// The staff member who recorded it.
    pub created_by: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; absent while live.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ProxyConsent> for ProxyConsentView {
    fn from(consent: &ProxyConsent) -> Self {
        Self {
            id: consent.id,
            resident_id: consent.resident_id.0,
            proxy_id: consent.proxy_id.0,
            relationship: consent.relationship.into(),
            created_by: consent.created_by.0,
            created_at: consent.created_at.and_utc(),
            revoked_at: consent.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A consent to record.
#[derive(Debug, Clone, Object)]
pub struct CreateProxyConsentRequest {
    /// The resident who consents.
    pub resident_id: i64,
    /// Who may act for them.
    pub proxy_id: i64,
    /// What the proxy is to the resident; a grid worker must serve the resident's grid.
    pub relationship: RelationshipView,
}

/// Responses of the consent operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ProxyOperationError {
    /// No such resident or consent within your reach (`resident_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The consent is already revoked (`already_revoked`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// The proxy does not qualify (`unknown_proxy`, `not_the_grid_worker`, `self_proxy`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ProxyOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: ConsentError) -> ProxyOperationError {
    let invalid = |code: &str, error: &ConsentError| {
        ProxyOperationError::Invalid(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string()).into(),
        )
    };
    match error {
        ConsentError::NotFound => ProxyOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "resident_not_found",
                "no such resident or consent within your reach",
            )
            .into(),
        ),
        ConsentError::AlreadyRevoked => ProxyOperationError::Conflict(
            Problem::new(StatusCode::CONFLICT, "already_revoked", error.to_string()).into(),
        ),
        ConsentError::UnknownProxy => invalid("unknown_proxy", &error),
        ConsentError::NotTheGridWorker => invalid("not_the_grid_worker", &error),
        ConsentError::SelfProxy => invalid("self_proxy", &error),
        ConsentError::Store(e) => rejected(from_store_error(&e)),
    }
}

#[OpenApi(tag = "ApiTags::Residents")]
impl ProxiesApi {
    /// Record a proxy consent
    ///
    /// Community staff and social workers over the resident's grid record that a grid worker
    /// or family member may act for a resident without a smartphone. Recording the same live
    /// consent again changes nothing. Audited.
    #[oai(
        path = "/proxy-consents",
        method = "post",
        operation_id = "create_proxy_consent"
    )]
    async fn create_proxy_consent(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateProxyConsentRequest>,
    ) -> Result<CreatedOrFound<ProxyConsentView>, ProxyOperationError> {
        let body = body.0;
        let (consent, created) = usecases::create(
            &self.state.db,
            auth.0.principal,
            UserId(body.resident_id),
            UserId(body.proxy_id),
            body.relationship.into(),
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let view = Json(ProxyConsentView::from(&consent));
        Ok(if created {
            CreatedOrFound::Created(view)
        } else {
            CreatedOrFound::Found(view)
        })
    }

    /// Revoke a proxy consent
    ///
    /// Staff over the resident's grid end a consent. Audited.
    #[oai(
        path = "/proxy-consents/:consent_id",
        method = "delete",
        operation_id = "revoke_proxy_consent"
    )]
    async fn revoke_proxy_consent(
        &self,
        auth: SessionAuth,
        consent_id: Path<i64>,
    ) -> Result<Json<ProxyConsentView>, ProxyOperationError> {
        let consent = usecases::revoke(&self.state.db, auth.0.principal, consent_id.0, now_utc())
            .await
            .map_err(map_error)?;
        Ok(Json(ProxyConsentView::from(&consent)))
    }

    /// List a resident's proxy consents
    ///
    /// For the resident, their live proxies and staff over them; newest first.
    #[oai(
        path = "/residents/:user_id/proxy-consents",
        method = "get",
        operation_id = "list_proxy_consents"
    )]
    async fn list_proxy_consents(
        &self,
        auth: SessionAuth,
        user_id: Path<i64>,
    ) -> Result<Json<Vec<ProxyConsentView>>, ProxyOperationError> {
        let consents = usecases::list_for(&self.state.db, auth.0.principal, UserId(user_id.0))
            .await
            .map_err(map_error)?;
        Ok(Json(consents.iter().map(ProxyConsentView::from).collect()))
    }
}
