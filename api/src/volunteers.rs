//! Volunteer profiles, verification and credentials over HTTP.

use chrono::{DateTime, Utc};
use linli_domain::accounts::{User, UserId};
use linli_domain::honour_hours::{VolunteerHours, usecases as honours};
use linli_domain::time::now_utc;
use linli_domain::volunteers::rules::{ProfileError, check_profile, mask_id_number, mask_name};
use linli_domain::volunteers::usecases::{self, VolunteerError};
use linli_domain::volunteers::{
    Credential, CredentialKind, ServiceRadius, VolunteerProfile, WeeklySlot, store,
};
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `volunteers` resource.
pub struct VolunteersApi {
    /// Shared state.
    pub state: AppState,
}

/// How far from home a volunteer helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ServiceRadiusView {
    /// Own grid.
    Grid,
    /// Own community.
    Community,
    /// Own street.
    Street,
}

impl From<ServiceRadius> for ServiceRadiusView {
    fn from(radius: ServiceRadius) -> Self {
        match radius {
            ServiceRadius::Grid => Self::Grid,
            ServiceRadius::Community => Self::Community,
            ServiceRadius::Street => Self::Street,
        }
    }
}

impl From<ServiceRadiusView> for ServiceRadius {
    fn from(radius: ServiceRadiusView) -> Self {
        match radius {
            ServiceRadiusView::Grid => Self::Grid,
            ServiceRadiusView::Community => Self::Community,
            ServiceRadiusView::Street => Self::Street,
        }
    }
}

/// Kinds of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CredentialKindView {
    /// A training course.
    Training,
    /// A health certificate (健康证).
    HealthCertificate,
    /// A background check.
    BackgroundCheck,
}

impl From<CredentialKind> for CredentialKindView {
    fn from(kind: CredentialKind) -> Self {
        match kind {
            CredentialKind::Training => Self::Training,
            CredentialKind::HealthCertificate => Self::HealthCertificate,
            CredentialKind::BackgroundCheck => Self::BackgroundCheck,
        }
    }
}

impl From<CredentialKindView> for CredentialKind {
    fn from(kind: CredentialKindView) -> Self {
        match kind {
            CredentialKindView::Training => Self::Training,
            CredentialKindView::HealthCertificate => Self::HealthCertificate,
            CredentialKindView::BackgroundCheck => Self::BackgroundCheck,
        }
    }
}

/// A weekly slot in the display time zone.
#[derive(Debug, Clone, Copy, Object)]
pub struct WeeklySlotView {
    /// ISO weekday, 1 = Monday.
    pub weekday: i32,
    /// Minutes after midnight the slot starts.
    pub start_minute: i32,
    /// Minutes after midnight the slot ends (at most 1440).
    pub end_minute: i32,
}

/// A credential.
#[derive(Debug, Clone, Object)]
pub struct CredentialView {
    /// Its id.
    pub id: i64,
    /// Its kind.
    pub kind: CredentialKindView,
    /// What it is.
    pub title: String,
    /// When it stops being valid.
    pub expires_at: Option<DateTime<Utc>>,
    /// When staff checked it.
    pub verified_at: Option<DateTime<Utc>>,
    /// Checked and not expired now: what safeguarding gates look at.
    pub valid: bool,
}

impl CredentialView {
    fn new(credential: &Credential) -> Self {
        Self {
            id: credential.id,
            kind: credential.kind.into(),
            title: credential.title.clone(),
            expires_at: credential.expires_at.map(|t| t.and_utc()),
            verified_at: credential.verified_at.map(|t| t.and_utc()),
            valid: credential.is_valid_at(now_utc()),
        }
    }
}

/// A volunteer profile; personal data is masked unless the reader is the volunteer or asked
/// (audited) to reveal it.
#[derive(Debug, Clone, Object)]
pub struct VolunteerProfileView {
    /// The volunteer.
    pub user_id: i64,
    /// Name shown to others.
    pub display_name: String,
    /// How far they travel.
    pub service_radius: ServiceRadiusView,
    /// Languages and dialects.
    pub languages: Vec<String>,
    /// Skill codes (see `list_skills`).
    pub skills: Vec<String>,
    /// Weekly availability.
    pub availability: Vec<WeeklySlotView>,
    /// Real name (masked: `王**`).
    pub real_name: Option<String>,
    /// Resident ID number (masked: `610702********1234`).
    pub id_number: Option<String>,
    /// True when personal data above is shown unmasked.
    pub unmasked: bool,
    /// When staff verified the real name (实名认证).
    pub verified_at: Option<DateTime<Utc>>,
    /// Credentials.
    pub credentials: Vec<CredentialView>,
    /// Hours of service, recorded and honoured kept apart.
    pub hours: VolunteerHoursView,
}

/// A volunteer's hours: recorded by completed tasks, and honour hours (荣誉时长) staff added,
/// always shown apart.
#[derive(Debug, Clone, Object)]
pub struct VolunteerHoursView {
    /// Minutes of completed, recorded help.
    pub recorded_minutes: i64,
    /// Honour hours added by staff, all years.
    pub honour_hours: i64,
    /// Honour hours counted towards this year's cap.
    pub honour_hours_this_year: i64,
}

impl From<VolunteerHours> for VolunteerHoursView {
    fn from(h: VolunteerHours) -> Self {
        Self {
            recorded_minutes: h.recorded_minutes,
            honour_hours: h.honour_hours,
            honour_hours_this_year: h.honour_hours_this_year,
        }
    }
}

impl VolunteerProfileView {
    fn new(user: &User, profile: &VolunteerProfile, unmasked: bool, hours: VolunteerHours) -> Self {
        Self {
            user_id: profile.user_id.0,
            display_name: user.display_name.clone(),
            service_radius: profile.service_radius.into(),
            languages: profile.languages.clone(),
            skills: profile.skills.clone(),
            availability: profile
                .availability
                .iter()
                .map(|s| WeeklySlotView {
                    weekday: s.weekday,
                    start_minute: s.start_minute,
                    end_minute: s.end_minute,
                })
                .collect(),
            real_name: profile
                .real_name
                .as_deref()
                .map(|n| if unmasked { n.to_owned() } else { mask_name(n) }),
            id_number: profile.id_number.as_deref().map(|i| {
                if unmasked {
                    i.to_owned()
                } else {
                    mask_id_number(i)
                }
            }),
            unmasked,
            verified_at: profile.verified_at.map(|t| t.and_utc()),
            credentials: profile
                .credentials
                .iter()
                .map(CredentialView::new)
                .collect(),
            hours: hours.into(),
        }
    }
}

/// One's own volunteer profile.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateVolunteerProfileRequest {
    /// How far you travel to help.
    pub service_radius: ServiceRadiusView,
    /// Languages and dialects you speak (at most 10).
    #[oai(default)]
    pub languages: Vec<String>,
    /// Skill codes from `list_skills` (at most 20).
    #[oai(default)]
    pub skills: Vec<String>,
    /// When you are usually available each week.
    #[oai(default)]
    pub availability: Vec<WeeklySlotView>,
    /// Your real name, for verification (实名认证).
    #[oai(validator(max_length = 40))]
    pub real_name: Option<String>,
    /// Your resident ID number, for verification.
    #[oai(validator(max_length = 18))]
    pub id_number: Option<String>,
}

impl Example for UpdateVolunteerProfileRequest {
    fn example() -> Self {
        Self {
            service_radius: ServiceRadiusView::Community,
            languages: vec!["普通话".into(), "汉中话".into()],
            skills: vec!["elder_care".into(), "companionship".into()],
            availability: vec![WeeklySlotView {
                weekday: 6,
                start_minute: 540,
                end_minute: 720,
            }],
            real_name: Some("陈晓东".into()),
            id_number: Some("11010519491231002X".into()),
        }
    }
}

/// A credential to add.
#[derive(Debug, Clone, Object)]
pub struct AddCredentialRequest {
    /// Its kind.
    pub kind: CredentialKindView,
    /// What it is, e.g. 助浴培训.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub title: String,
    /// When it stops being valid.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A skill of the managed list.
#[derive(Debug, Clone, Object)]
pub struct SkillView {
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Responses of the volunteer operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum VolunteerOperationError {
    /// No such profile or credential within your reach (`volunteer_not_found`, `credential_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Verification needs a real name and ID number first (`profile_incomplete`), or a home grid (`no_home_grid`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Fields break a rule (`validation_failed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for VolunteerOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: VolunteerError) -> VolunteerOperationError {
    match error {
        VolunteerError::NotFound => VolunteerOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "volunteer_not_found",
                "no such volunteer profile within your reach",
            )
            .into(),
        ),
        VolunteerError::CredentialNotFound => VolunteerOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "credential_not_found",
                "no such credential within your reach",
            )
            .into(),
        ),
        VolunteerError::Incomplete => VolunteerOperationError::Conflict(
            Problem::new(
                StatusCode::CONFLICT,
                "profile_incomplete",
                error.to_string(),
            )
            .into(),
        ),
        VolunteerError::NoHomeGrid => VolunteerOperationError::Conflict(
            Problem::new(StatusCode::CONFLICT, "no_home_grid", error.to_string()).into(),
        ),
        VolunteerError::UnknownSkills(skills) => VolunteerOperationError::Invalid(
            Problem::validation(vec![FieldError {
                field: "skills".into(),
                code: "unknown_skill".into(),
                message: format!("not in the skill list: {}", skills.join(", ")),
            }])
            .into(),
        ),
        VolunteerError::Store(e) => rejected(from_store_error(&e)),
    }
}

fn invalid_profile(errors: &[ProfileError]) -> VolunteerOperationError {
    VolunteerOperationError::Invalid(
        Problem::validation(
            errors
                .iter()
                .map(|e| FieldError {
                    field: e.field(),
                    code: e.code().into(),
                    message: e.to_string(),
                })
                .collect(),
        )
        .into(),
    )
}

impl VolunteersApi {
    /// The volunteer's recorded and honour hours, for a profile the caller may already read.
    async fn hours_of(&self, volunteer: UserId) -> Result<VolunteerHours, VolunteerOperationError> {
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        honours::hours_of(&self.state.db, volunteer, today)
            .await
            .map_err(|e| rejected(from_store_error(&e)))
    }
}

#[OpenApi(tag = "ApiTags::Volunteers")]
impl VolunteersApi {
    /// List volunteer skills
    ///
    /// The managed list of skills volunteers can claim.
    #[oai(path = "/skills", method = "get", operation_id = "list_skills")]
    async fn list_skills(&self) -> Result<Json<Vec<SkillView>>, VolunteerOperationError> {
        let skills = self
            .state
            .db
            .run(store::skill_codes)
            .await
            .map_err(|e| rejected::<VolunteerOperationError>(from_store_error(&e)))?;
        Ok(Json(
            skills
                .into_iter()
                .map(|(code, name_zh, name_en)| SkillView {
                    code,
                    name_zh,
                    name_en,
                })
                .collect(),
        ))
    }

    /// Save my volunteer profile
    ///
    /// Skills, weekly availability, service radius, languages, and the real name and ID number
    /// staff verify. Changing the name or ID number clears an earlier verification.
    #[oai(
        path = "/me/volunteer-profile",
        method = "put",
        operation_id = "update_my_volunteer_profile"
    )]
    async fn update_my_volunteer_profile(
        &self,
        auth: SessionAuth,
        body: JsonBody<UpdateVolunteerProfileRequest>,
    ) -> Result<Json<VolunteerProfileView>, VolunteerOperationError> {
        let body = body.0;
        let update = check_profile(
            body.service_radius.into(),
            body.languages,
            body.skills,
            body.availability
                .iter()
                .map(|s| WeeklySlot {
                    weekday: s.weekday,
                    start_minute: s.start_minute,
                    end_minute: s.end_minute,
                })
                .collect(),
            body.real_name,
            body.id_number,
        )
        .map_err(|errors| invalid_profile(&errors))?;
        let user = auth.0.principal.user;
        let profile = usecases::save_own(&self.state.db, user.id, update, now_utc())
            .await
            .map_err(map_error)?;
        let hours = self.hours_of(profile.user_id).await?;
        Ok(Json(VolunteerProfileView::new(
            &user, &profile, true, hours,
        )))
    }

    /// Show my volunteer profile
    #[oai(
        path = "/me/volunteer-profile",
        method = "get",
        operation_id = "get_my_volunteer_profile"
    )]
    async fn get_my_volunteer_profile(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<VolunteerProfileView>, VolunteerOperationError> {
        let principal = auth.0.principal;
        let id = principal.user.id;
        let (user, profile, unmasked) =
            usecases::view(&self.state.db, principal, id, false, now_utc())
                .await
                .map_err(map_error)?;
        let hours = self.hours_of(profile.user_id).await?;
        Ok(Json(VolunteerProfileView::new(
            &user, &profile, unmasked, hours,
        )))
    }

    /// Show a volunteer's profile
    ///
    /// For staff over the volunteer's home grid (and the volunteer). Personal data is masked;
    /// `reveal=true` unmasks it for staff and writes an audit event.
    #[oai(
        path = "/volunteers/:user_id",
        method = "get",
        operation_id = "get_volunteer_profile"
    )]
    async fn get_volunteer_profile(
        &self,
        auth: SessionAuth,
        user_id: Path<i64>,
        /// Unmask personal data (audited).
        #[oai(default)]
        reveal: Query<bool>,
    ) -> Result<Json<VolunteerProfileView>, VolunteerOperationError> {
        let (user, profile, unmasked) = usecases::view(
            &self.state.db,
            auth.0.principal,
            UserId(user_id.0),
            reveal.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let hours = self.hours_of(profile.user_id).await?;
        Ok(Json(VolunteerProfileView::new(
            &user, &profile, unmasked, hours,
        )))
    }

    /// Verify a volunteer (实名认证)
    ///
    /// Community staff, social workers and admins over the volunteer's home grid confirm the
    /// real name and ID number; the person becomes a volunteer of their grid. Audited.
    #[oai(
        path = "/volunteers/:user_id/verification",
        method = "post",
        operation_id = "verify_volunteer"
    )]
    async fn verify_volunteer(
        &self,
        auth: SessionAuth,
        user_id: Path<i64>,
    ) -> Result<Json<VolunteerProfileView>, VolunteerOperationError> {
        let profile = usecases::verify(
            &self.state.db,
            auth.0.principal.clone(),
            UserId(user_id.0),
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let (user, profile, unmasked) = usecases::view(
            &self.state.db,
            auth.0.principal,
            profile.user_id,
            false,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let hours = self.hours_of(profile.user_id).await?;
        Ok(Json(VolunteerProfileView::new(
            &user, &profile, unmasked, hours,
        )))
    }

    /// Add a credential
    ///
    /// Adds a training, health certificate or background check to your profile; staff verify it.
    #[oai(
        path = "/me/credentials",
        method = "post",
        operation_id = "add_credential"
    )]
    async fn add_credential(
        &self,
        auth: SessionAuth,
        body: JsonBody<AddCredentialRequest>,
    ) -> Result<Created<CredentialView>, VolunteerOperationError> {
        let body = body.0;
        let title = body.title.trim().to_owned();
        if title.is_empty() {
            return Err(VolunteerOperationError::Invalid(
                Problem::validation(vec![FieldError {
                    field: "title".into(),
                    code: "required".into(),
                    message: "must not be blank".into(),
                }])
                .into(),
            ));
        }
        let credential = usecases::add_credential(
            &self.state.db,
            auth.0.principal.user.id,
            body.kind.into(),
            title,
            body.expires_at.map(|t| t.naive_utc()),
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Created::Created(Json(CredentialView::new(&credential))))
    }

    /// Verify a credential
    ///
    /// Staff over the holder's home grid mark a credential checked. Audited.
    #[oai(
        path = "/credentials/:credential_id/verification",
        method = "post",
        operation_id = "verify_credential"
    )]
    async fn verify_credential(
        &self,
        auth: SessionAuth,
        credential_id: Path<i64>,
    ) -> Result<Json<CredentialView>, VolunteerOperationError> {
        let credential = usecases::verify_credential(
            &self.state.db,
            auth.0.principal,
            credential_id.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Json(CredentialView::new(&credential)))
    }
}
