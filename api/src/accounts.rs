//! Accounts over HTTP: registration and one's own profile.

use chrono::{DateTime, Utc};
use linli_domain::access::{HeldRole, Principal};
use linli_domain::accounts::rules::{
    InputError, check_display_name, check_email, check_registration,
};
use linli_domain::accounts::store::{ProfileChanges, RegisterError};
use linli_domain::accounts::{User, store, usecases};
use linli_domain::areas::AreaId;
use linli_domain::db::{self, StoreError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;
use crate::views::{HeldRoleView, LocaleView};

/// Endpoints of the `accounts` resource.
pub struct AccountsApi {
    /// Shared state.
    pub state: AppState,
}

/// A new account.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RegisterAccountRequest {
    /// Mainland mobile number; `+86`, spaces and dashes are accepted and removed.
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// At least 8 characters, not a common password.
    #[oai(validator(max_length = 256))]
    pub password: String,
    /// Name shown to others (1–40 characters).
    #[oai(validator(max_length = 120))]
    pub display_name: String,
    /// The grid the person lives in.
    pub home_grid_id: i64,
    /// Preferred language (default zh-CN).
    #[oai(default)]
    pub locale: LocaleView,
    /// Optional address for notifications.
    #[oai(validator(max_length = 254))]
    pub email: Option<String>,
}

impl Example for RegisterAccountRequest {
    fn example() -> Self {
        Self {
            phone: "+86 138 0013 8000".into(),
            password: "东关社区的老槐树".into(),
            display_name: "王秀兰".into(),
            home_grid_id: 4,
            locale: LocaleView::ZhCn,
            email: None,
        }
    }
}

/// One's own account, unmasked.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct MeView {
    /// Account id.
    pub id: i64,
    /// The login, normalised.
    pub phone: Option<String>,
    /// Name shown to others.
    pub display_name: String,
    /// Where the person lives.
    pub home_grid_id: Option<i64>,
    /// Preferred language.
    pub locale: LocaleView,
    /// Address for notifications.
    pub email: Option<String>,
    /// Roles held and where.
    pub roles: Vec<HeldRoleView>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl Example for MeView {
    fn example() -> Self {
        Self {
            id: 42,
            phone: Some("13800138000".into()),
            display_name: "王秀兰".into(),
            home_grid_id: Some(4),
            locale: LocaleView::ZhCn,
            email: None,
            roles: vec![],
            created_at: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
        }
    }
}

impl MeView {
    /// One's own view of an account.
    pub fn new(user: &User, roles: &[HeldRole]) -> Self {
        Self {
            id: user.id.0,
            phone: user.phone.as_ref().map(|p| p.as_str().to_owned()),
            display_name: user.display_name.clone(),
            home_grid_id: user.home_grid_id.map(|g| g.0),
            locale: user.locale.into(),
            email: user.email.clone(),
            roles: roles.iter().map(HeldRoleView::from).collect(),
            created_at: user.created_at.and_utc(),
        }
    }

    fn of(principal: &Principal) -> Self {
        Self::new(&principal.user, &principal.roles)
    }
}

/// Field errors as a 422 problem.
pub fn invalid_fields(errors: &[InputError]) -> Problem {
    Problem::validation(
        errors
            .iter()
            .map(|e| FieldError {
                field: e.field().to_owned(),
                code: e.code().to_owned(),
                message: e.to_string(),
            })
            .collect(),
    )
}

fn unknown_grid(id: i64) -> Problem {
    Problem::validation(vec![FieldError {
        field: "home_grid_id".into(),
        code: "unknown_grid".into(),
        message: format!("grid {id} does not exist"),
    }])
}

/// Responses of `register_account`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RegisterAccountError {
    /// The phone number already has an account (`phone_taken`).
    #[oai(status = 409)]
    PhoneTaken(ProblemJson),
    /// Fields break a rule (`validation_failed`, with `errors[].field`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400 malformed JSON, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RegisterAccountError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Responses of `get_me`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum GetMeError {
    /// Refused: no or invalid token (401), or the service failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for GetMeError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Changes to one's own profile; absent fields stay as they are.
#[derive(Debug, Clone, Object)]
pub struct UpdateMeRequest {
    /// New display name (1–40 characters).
    #[oai(validator(max_length = 120))]
    pub display_name: Option<String>,
    /// New language.
    pub locale: Option<LocaleView>,
    /// New email address; an empty string removes it.
    #[oai(validator(max_length = 254))]
    pub email: Option<String>,
    /// New home grid.
    pub home_grid_id: Option<i64>,
}

/// Responses of `update_me`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum UpdateMeError {
    /// Fields break a rule (`validation_failed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for UpdateMeError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_register_error(error: RegisterError) -> RegisterAccountError {
    match error {
        RegisterError::PhoneTaken => RegisterAccountError::PhoneTaken(
            Problem::new(
                StatusCode::CONFLICT,
                "phone_taken",
                "this phone number is already registered",
            )
            .into(),
        ),
        RegisterError::UnknownGrid(id) => RegisterAccountError::Invalid(unknown_grid(id).into()),
        RegisterError::Store(e) => rejected(from_store_error(&e)),
    }
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Register an account
    ///
    /// Creates an account with a mainland mobile number as its login; the person becomes a
    /// resident of their home grid. Sign in with `login` afterwards.
    #[oai(path = "/accounts", method = "post", operation_id = "register_account")]
    async fn register_account(
        &self,
        body: JsonBody<RegisterAccountRequest>,
    ) -> Result<Created<MeView>, RegisterAccountError> {
        let body = body.0;
        let account = check_registration(
            &body.phone,
            &body.password,
            &body.display_name,
            Some(AreaId(body.home_grid_id)),
            body.locale.into(),
            body.email.as_deref(),
        )
        .map_err(|errors| RegisterAccountError::Invalid(invalid_fields(&errors).into()))?;
        let user = usecases::register(&self.state.db, account, now_utc())
            .await
            .map_err(map_register_error)?;
        let roles = self
            .state
            .db
            .run(move |conn| {
                linli_domain::access::store::held_roles(conn, user.id).map(|r| (user, r))
            })
            .await
            .map_err(|e: StoreError| rejected::<RegisterAccountError>(from_store_error(&e)))?;
        Ok(Created::Created(Json(MeView::new(&roles.0, &roles.1))))
    }

    /// Show my account
    ///
    /// The caller's own account, unmasked, with the roles they hold.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn get_me(&self, auth: SessionAuth) -> Result<Json<MeView>, GetMeError> {
        Ok(Json(MeView::of(&auth.0.principal)))
    }

    /// Change my profile
    ///
    /// Display name, language, notification email and home grid.
    #[oai(path = "/me", method = "patch", operation_id = "update_me")]
    async fn update_me(
        &self,
        auth: SessionAuth,
        body: JsonBody<UpdateMeRequest>,
    ) -> Result<Json<MeView>, UpdateMeError> {
        let body = body.0;
        let mut errors = Vec::new();
        let display_name = body
            .display_name
            .as_deref()
            .map(check_display_name)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let email = match body.email.as_deref() {
            None => None,
            Some(raw) => match check_email(Some(raw)) {
                Ok(email) => Some(email),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(UpdateMeError::Invalid(invalid_fields(&errors).into()));
        }
        let changes = ProfileChanges {
            display_name,
            locale: body
                .locale
                .map(|l| linli_domain::accounts::Locale::from(l).as_str().to_owned()),
            email,
            home_grid_id: body.home_grid_id.map(Some),
            updated_at: None,
        };
        let principal = auth.0.principal;
        let user_id = principal.user.id;
        let updated = self
            .state
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    store::update_profile(conn, user_id, changes.clone(), now_utc())
                })
            })
            .await
            .map_err(|e| match e {
                RegisterError::UnknownGrid(id) => UpdateMeError::Invalid(unknown_grid(id).into()),
                RegisterError::PhoneTaken => {
                    rejected(Problem::internal(&"profile update touched the phone"))
                }
                RegisterError::Store(e) => rejected(from_store_error(&e)),
            })?
            .ok_or_else(|| rejected::<UpdateMeError>(Problem::internal(&"own account vanished")))?;
        Ok(Json(MeView::new(&updated, &principal.roles)))
    }
}
