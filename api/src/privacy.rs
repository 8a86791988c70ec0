//! A person's rights over their data: export it, close the account.

use linli_domain::accounts::privacy::{self, CloseError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::NoContent;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of personal-data rights.
pub struct PrivacyApi {
    /// Shared state.
    pub state: AppState,
}

/// Confirmation for closing an account.
#[derive(Debug, Clone, Object)]
pub struct CloseAccountRequest {
    /// The account's password, to confirm.
    #[oai(validator(max_length = 256))]
    pub password: String,
}

/// Responses of the privacy operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum PrivacyOperationError {
    /// The confirming password is wrong (`wrong_password`).
    #[oai(status = 403)]
    WrongPassword(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415, 422) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for PrivacyOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl PrivacyApi {
    /// Export my data
    ///
    /// Everything Linli holds about you as one JSON document: account, roles, sessions,
    /// profiles, credentials, consents and the audit events about you.
    #[oai(path = "/me/export", method = "get", operation_id = "export_my_data")]
    async fn export_my_data(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<serde_json::Value>, PrivacyOperationError> {
        let document = privacy::export(&self.state.db, auth.0.principal.user.id, now_utc())
            .await
            .map_err(|e| rejected::<PrivacyOperationError>(from_store_error(&e)))?;
        Ok(Json(document))
    }

    /// Close my account
    ///
    /// Removes your phone, name, email and profile personal data, signs out every session and
    /// ends proxy consents. Points, orders and audit history are kept without personal data.
    #[oai(path = "/me/closure", method = "post", operation_id = "close_account")]
    async fn close_account(
        &self,
        auth: SessionAuth,
        body: JsonBody<CloseAccountRequest>,
    ) -> Result<NoContent, PrivacyOperationError> {
        match privacy::close(
            &self.state.db,
            auth.0.principal.user.id,
            body.0.password,
            now_utc(),
        )
        .await
        {
            Ok(()) => Ok(NoContent::Done),
            Err(CloseError::WrongPassword) => Err(PrivacyOperationError::WrongPassword(
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "wrong_password",
                    "the password is wrong; the account stays open",
                )
                .into(),
            )),
            Err(CloseError::Store(e)) => Err(rejected(from_store_error(&e))),
        }
    }
}
