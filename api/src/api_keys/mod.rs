//! Partner API keys over HTTP: organization admins create, list and revoke the keys their
//! systems call the partner API with. One file per operation; this one declares them.

mod create;
mod list;
mod revoke;
pub mod views;

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

pub use create::{CreateApiKeyError, CreateApiKeyRequest};
pub use list::ListApiKeysError;
pub use revoke::RevokeApiKeyError;
use views::{ApiKeyView, CreatedApiKeyView};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::responses::{Created, NoContent};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `api_keys` resource.
pub struct ApiKeysApi {
    /// Shared state.
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::ApiKeys")]
impl ApiKeysApi {
    /// Create an API key
    ///
    /// For admins of a verified organization. The answer holds the secret — `lk_`, 43 random
    /// characters, `_` and a checksum — once; Linli keeps only its hash. Partner systems send
    /// it as `Authorization: Bearer lk_…` and act for this organization only, within the
    /// scopes chosen here. Audited.
    #[oai(
        path = "/organizations/:organization_id/api-keys",
        method = "post",
        operation_id = "create_api_key"
    )]
    async fn create_api_key(
        &self,
        auth: SessionAuth,
        /// The organization the key acts for.
        organization_id: Path<i64>,
        body: JsonBody<CreateApiKeyRequest>,
    ) -> Result<Created<CreatedApiKeyView>, CreateApiKeyError> {
        create::handle(&self.state, auth.0.principal, organization_id.0, body.0).await
    }

    /// List API keys
    ///
    /// The organization's keys, newest first, with their scopes, status and last use; never
    /// the secrets. For its admins.
    #[oai(
        path = "/organizations/:organization_id/api-keys",
        method = "get",
        operation_id = "list_api_keys"
    )]
    async fn list_api_keys(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
    ) -> Result<Json<Vec<ApiKeyView>>, ListApiKeysError> {
        list::handle(&self.state, auth.0.principal, organization_id.0).await
    }

    /// Revoke an API key
    ///
    /// For its organization's admins; partner calls with the key fail from the next request
    /// on. Revoking a revoked key changes nothing. Audited.
    #[oai(
        path = "/organizations/:organization_id/api-keys/:key_id",
        method = "delete",
        operation_id = "revoke_api_key"
    )]
    async fn revoke_api_key(
        &self,
        auth: SessionAuth,
        /// The organization.
        organization_id: Path<i64>,
        /// The key.
        key_id: Path<i64>,
    ) -> Result<NoContent, RevokeApiKeyError> {
        revoke::handle(&self.state, auth.0.principal, organization_id.0, key_id.0).await
    }
}
