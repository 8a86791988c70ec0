//! Signing in and out, and one's own sessions.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use linli_domain::accounts::rules::normalize_phone;
use linli_domain::sessions::{Session, SessionId, store, usecases};
use linli_domain::time::now_utc;
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::accounts::MeView;
use crate::auth::{SessionAuth, expired_session_cookie, session_cookie};
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::NoContent;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `sessions` resource.
pub struct SessionsApi {
    /// Shared state.
    pub state: AppState,
}

/// Credentials.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct LoginRequest {
    /// The registered mobile number (any common spelling).
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// The password.
    #[oai(validator(max_length = 256))]
    pub password: String,
    /// Also hand the token to the browser as the `linli_session` cookie (HttpOnly,
    /// SameSite=Strict), which only `get_home` accepts: the web front end asks for it so that
    /// its shell can preload the home's data. Other clients leave it out (`none`).
    #[oai(default)]
    pub cookie: BrowserCookie,
}

/// Whether and for how long a browser keeps the session cookie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BrowserCookie {
    /// No cookie.
    #[default]
    None,
    /// Until the browser closes: the person did not ask to be remembered on this device.
    Session,
    /// As long as the session lives: the person asked to be remembered on this device.
    Persistent,
}

impl Example for LoginRequest {
    fn example() -> Self {
        Self {
            phone: "13800138000".into(),
            password: "东关社区的老槐树".into(),
            cookie: BrowserCookie::None,
        }
    }
}

/// A new session; the token is shown only here.
#[derive(Debug, Clone, Object)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// The session's id, for `revoke_session`.
    pub session_id: i64,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: MeView,
}

/// One of the caller's sessions.
#[derive(Debug, Clone, Object)]
pub struct SessionView {
    /// Its id.
    pub id: i64,
    /// The client that signed in.
    pub user_agent: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// True for the session making this request.
    pub current: bool,
}

impl SessionView {
    fn new(session: &Session, current: SessionId) -> Self {
        Self {
            id: session.id.0,
            user_agent: session.user_agent.clone(),
            created_at: session.created_at.and_utc(),
            last_used_at: session.last_used_at.and_utc(),
            expires_at: session.expires_at.and_utc(),
            current: session.id == current,
        }
    }
}

/// A successful `login`.
#[derive(Debug, ApiResponse)]
pub enum SignedIn {
    /// Signed in. When `cookie` asked for it, `Set-Cookie` also carries the session cookie.
    #[oai(status = 201)]
    Created(
        Json<LoginResponse>,
        #[oai(header = "Set-Cookie")] Option<String>,
    ),
}

/// A successful `logout`.
#[derive(Debug, ApiResponse)]
pub enum SignedOut {
    /// Signed out; `Set-Cookie` tells a browser to forget the session cookie.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

/// Responses of `login`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum LoginError {
    /// Unknown number or wrong password (`invalid_credentials`; the same answer for both).
    #[oai(status = 401)]
    InvalidCredentials(ProblemJson),
    /// Too many attempts (`too_many_attempts`); retry after the given seconds.
    #[oai(status = 429)]
    Throttled(ProblemJson, #[oai(header = "Retry-After")] u64),
    /// Refused before the operation ran (400, 413, 415, 422) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for LoginError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Responses of `logout`, `list_sessions` and `revoke_session`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum SessionError {
    /// No such live session of the caller (`session_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused: no or invalid token (401), malformed id (400), or the service failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for SessionError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn throttled(wait: std::time::Duration) -> LoginError {
    let seconds = wait.as_secs().max(1);
    LoginError::Throttled(
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many sign-in attempts; retry in {seconds} seconds"),
        )
        .into(),
        seconds,
    )
}

fn invalid_credentials() -> LoginError {
    LoginError::InvalidCredentials(
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the phone number or password is wrong",
        )
        .into(),
    )
}

#[OpenApi(tag = "ApiTags::Sessions")]
impl SessionsApi {
    /// Sign in
    ///
    /// Exchanges a phone number and password for a bearer token. Failures are limited per
    /// account and per client address (429 with `Retry-After`); an unknown number and a wrong
    /// password get the same answer in similar time.
    #[oai(path = "/sessions", method = "post", operation_id = "login")]
    async fn login(
        &self,
        req: &Request,
        body: JsonBody<LoginRequest>,
    ) -> Result<SignedIn, LoginError> {
        let throttle = &self.state.throttle;
        let address = req.remote_addr().as_socket_addr().map_or(
            std::net::IpAddr::from([0, 0, 0, 0]),
            std::net::SocketAddr::ip,
        );
        let started = Instant::now();
        if let Some(wait) = throttle.attempts_per_address.blocked_for(&address, started) {
            return Err(throttled(wait));
        }
        throttle.attempts_per_address.record(address, started);
        // A malformed number cannot match an account; it gets the same answer and cost.
        let phone = normalize_phone(&body.phone).ok();
        let account_key = phone
            .as_ref()
            .map_or_else(|| body.phone.clone(), |p| p.as_str().to_owned());
        if let Some(wait) = throttle
            .failures_per_account
            .blocked_for(&account_key, started)
        {
            return Err(throttled(wait));
        }
        let Some(phone) = phone else {
            let attempt = body.0.password;
            let _ = linli_domain::accounts::password::off_thread(move || {
                linli_domain::accounts::password::verify_against_nothing(&attempt)
            })
            .await;
            throttle.failures_per_account.record(account_key, started);
            return Err(invalid_credentials());
        };
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(200).collect());
        let lifetime = Duration::hours(i64::from(self.state.config.session_lifetime_hours));
        let signed_in = usecases::login(
            &self.state.db,
            phone,
            body.0.password,
            user_agent,
            now_utc(),
            lifetime,
        )
        .await
        .map_err(|e| rejected::<LoginError>(from_store_error(&e)))?;
        let Some(signed_in) = signed_in else {
            throttle
                .failures_per_account
                .record(account_key, Instant::now());
            return Err(invalid_credentials());
        };
        throttle.failures_per_account.clear(&account_key);
        let cookie = match body.0.cookie {
            BrowserCookie::None => None,
            BrowserCookie::Session => Some(session_cookie(&signed_in.token.secret, None)),
            BrowserCookie::Persistent => Some(session_cookie(
                &signed_in.token.secret,
                Some(lifetime.num_seconds()),
            )),
        };
        Ok(SignedIn::Created(
            Json(LoginResponse {
                token: signed_in.token.secret,
                token_type: "Bearer".into(),
                session_id: signed_in.session.id.0,
                expires_at: signed_in.session.expires_at.and_utc(),
                user: MeView::new(&signed_in.user, &signed_in.roles),
            }),
            cookie,
        ))
    }

    /// Sign out
    ///
    /// Revokes the session whose token made this request, and tells a browser to forget
    /// the session cookie.
    #[oai(path = "/sessions/current", method = "delete", operation_id = "logout")]
    async fn logout(&self, auth: SessionAuth) -> Result<SignedOut, SessionError> {
        let current = auth.0.session_id;
        self.revoke(auth, current).await?;
        Ok(SignedOut::Done(expired_session_cookie()))
    }

    /// List my sessions
    ///
    /// The caller's live sessions, newest first, marking the current one.
    #[oai(path = "/sessions", method = "get", operation_id = "list_sessions")]
    async fn list_sessions(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<Vec<SessionView>>, SessionError> {
        let user = auth.0.principal.user.id;
        let current = auth.0.session_id;
        let sessions = self
            .state
            .db
            .run(move |conn| store::list_live(conn, user, now_utc()))
            .await
            .map_err(|e| rejected::<SessionError>(from_store_error(&e)))?;
        Ok(Json(
            sessions
                .iter()
                .map(|s| SessionView::new(s, current))
                .collect(),
        ))
    }

    /// Revoke one of my sessions
    ///
    /// Signs out a session of the caller's, e.g. on a lost phone.
    #[oai(
        path = "/sessions/:session_id",
        method = "delete",
        operation_id = "revoke_session"
    )]
    async fn revoke_session(
        &self,
        auth: SessionAuth,
        session_id: Path<i64>,
    ) -> Result<NoContent, SessionError> {
        self.revoke(auth, SessionId(session_id.0)).await
    }
}

impl SessionsApi {
    async fn revoke(
        &self,
        auth: SessionAuth,
        session: SessionId,
    ) -> Result<NoContent, SessionError> {
        let user = auth.0.principal.user.id;
        let revoked = self
            .state
            .db
            .run(move |conn| {
                linli_domain::db::write(conn, |conn| store::revoke(conn, user, session, now_utc()))
            })
            .await
            .map_err(|e| rejected::<SessionError>(from_store_error(&e)))?;
        if revoked {
            Ok(NoContent::Done)
        } else {
            Err(SessionError::NotFound(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "session_not_found",
                    "no such live session of yours",
                )
                .into(),
            ))
        }
    }
}
