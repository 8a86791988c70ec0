//! Who is calling: bearer session tokens resolved to a [`Principal`] with their roles.

use linli_domain::access::Principal;
use linli_domain::db::{AnyConnection, Db, StoreError};
use linli_domain::sessions::{self, SessionId};
use linli_domain::time::now_utc;
use poem::Request;
use poem::http::{HeaderMap, StatusCode, header};
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
    match caller_for_token(db, &bearer.token)
        .await
        .map_err(|e| ProblemError(from_store_error(&e)))?
    {
        Some(caller) => Ok(caller),
        None => Err(ProblemError(invalid_token()).into()),
    }
}

/// The answer to a token that is unknown, expired or revoked.
fn invalid_token() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "the token is unknown, expired or revoked; sign in again",
    )
}

/// `Authorization: Bearer lt_…`, a session token from `login`.
// The same scheme as `SessionAuth` under the same name in the spec, for the busiest
// operations: the token is resolved by the operation itself, on the pooled connection it
// works on ([`SessionToken::run`]), instead of in a blocking hop of its own before it.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "SessionAuth", bearer_format = "opaque")]
pub struct SessionToken(pub Bearer);

impl SessionToken {
    /// Resolves the token's live session and runs `work` for its caller, both on one pooled
    /// connection in one blocking hop; a token that is unknown, expired or revoked is the
    /// same 401 `invalid_token` as [`SessionAuth`] answers, and `work` does not run.
    pub async fn run<T, E, F>(&self, db: &Db, work: F) -> Result<Result<T, E>, Problem>
    where
        F: FnOnce(&mut AnyConnection, Caller) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let hash = sessions::hash_token(&self.0.token);
        let now = now_utc();
        let done = db
            .run(move |conn| {
                Ok::<_, StoreError>(caller_on(conn, &hash, now)?.map(|caller| work(conn, caller)))
            })
            .await
            .map_err(|e| from_store_error(&e))?;
        done.ok_or_else(invalid_token)
    }
}

/// The name of the cookie `login` sets when the web front end asks for it. Only the app shell
/// (`GET /`) reads it, to send a signed-in browser its home's data with the page; every API
/// operation wants the bearer header, so a cookie sent along by a forged cross-site request
/// (already held back by `SameSite=Strict`) can change nothing.
pub const SESSION_COOKIE: &str = "linli_session";

/// The session token in the request's `Cookie` headers, if any.
pub fn session_cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value that hands `token` to the browser for `lifetime_secs`, or until it
/// closes: HttpOnly, so no script reads it; `SameSite=Strict`, so no other site's page sends
/// it; `Secure`, which browsers also honour for `http://localhost` and `127.0.0.1`.
pub fn session_cookie(token: &str, lifetime_secs: Option<i64>) -> String {
    let max_age = lifetime_secs.map_or_else(String::new, |secs| format!("; Max-Age={secs}"));
    format!("{SESSION_COOKIE}={token}; Path=/{max_age}; HttpOnly; Secure; SameSite=Strict")
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub fn expired_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

/// The live session `token` belongs to, with its account and roles; none when the token is
/// unknown, expired or revoked.
pub async fn caller_for_token(db: &Db, token: &str) -> Result<Option<Caller>, StoreError> {
    let hash = sessions::hash_token(token);
    let now = now_utc();
    db.run(move |conn| caller_on(conn, &hash, now)).await
}

/// The live session whose token hashes to `hash`, read on `conn`.
fn caller_on(
    conn: &mut AnyConnection,
    hash: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Caller>, StoreError> {
    Ok(
        sessions::store::authenticate_principal(conn, hash, now)?.map(|(session, principal)| {
            Caller {
                principal,
                session_id: session.id,
            }
        }),
    )
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
