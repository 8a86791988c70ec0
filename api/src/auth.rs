//! Who is calling: bearer session tokens resolved to a [`Principal`] with their roles.

use linli_domain::access::Principal;
use linli_domain::db::{Db, StoreError};
use linli_domain::sessions::{self, SessionId};
use linli_domain::time::now_utc;
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::problem::{Problem, ProblemError, from_store_error};

/// A signed-in caller: the person, their roles, and the session the token belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person and their roles.
    pub principal: Principal,
    /// The session used for this request.
    pub session_id: SessionId,
}

/// `Authorization: Bearer lt_…`, a session token from `login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "opaque", checker = "authenticate")]
pub struct SessionAuth(pub Caller);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let Some(db) = req.data::<Db>() else {
        return Err(
            ProblemError(Problem::internal(&"the store is not attached to requests")).into(),
        );
    };
    let hash = sessions::hash_token(&bearer.token);
    let now = now_utc();
    let found = db
        .run(move |conn| {
            Ok::<_, StoreError>(
                sessions::store::authenticate_principal(conn, &hash, now)?
                    .map(|(session, principal)| (session.id, principal)),
            )
        })
        .await
        .map_err(|e| ProblemError(from_store_error(&e)))?;
    match found {
        Some((session_id, principal)) => Ok(Caller {
            principal,
            session_id,
        }),
        None => Err(ProblemError(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the token is unknown, expired or revoked; sign in again",
        ))
        .into()),
    }
}

/// `Authorization: Bearer lk_…`, a partner API key from `create_api_key`. Yields the key's
/// organization and scopes; every partner operation acts for that organization only.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    rename = "partner_key",
    bearer_format = "lk_<43 base64url characters>_<6 hex checksum>",
    checker = "authenticate_partner"
)]
pub struct PartnerAuth(pub linli_domain::api_keys::PartnerKey);

/// Checks the key's checksum first (garbage is refused without touching the store), then its
/// hash, expiry and revocation.
async fn authenticate_partner(
    req: &Request,
    bearer: Bearer,
) -> poem::Result<linli_domain::api_keys::PartnerKey> {
    let Some(db) = req.data::<Db>() else {
        return Err(
            ProblemError(Problem::internal(&"the store is not attached to requests")).into(),
        );
    };
    let found = linli_domain::api_keys::usecases::authenticate(db, &bearer.token, now_utc())
        .await
        .map_err(|e| ProblemError(from_store_error(&e)))?;
    found.ok_or_else(|| {
        ProblemError(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "the API key is malformed, unknown, expired or revoked",
        ))
        .into()
    })
}
