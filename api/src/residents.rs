//! Resident profiles and verified eligibility over HTTP.

use chrono::{DateTime, NaiveDate, Utc};
use linli_domain::accounts::{User, UserId};
use linli_domain::residents::rules::{ResidentInputError, age_on, check_facts, check_own_details};
use linli_domain::residents::usecases::{self, ResidentError};
use linli_domain::residents::{EligibilityFacts, ResidentProfile};
use linli_domain::time::now_utc;
use linli_domain::volunteers::rules::mask_id_number;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `residents` resource.
pub struct ResidentsApi {
    /// Shared state.
    pub state: AppState,
}

/// `汉中市汉台区东大街12号` → `汉中市汉台区****`: the district stays, the door is hidden.
pub fn mask_address(address: &str) -> String {
    let kept: String = address.chars().take(6).collect();
    format!("{kept}****")
}

/// Verified facts about a resident.
#[derive(Debug, Clone, Object)]
pub struct EligibilityView {
    /// 低保: receives the minimum living allowance.
    pub low_income: bool,
    /// 失能 level, 0 (none) to 3 (severe).
    pub disability_level: i32,
    /// Lives alone (独居).
    pub lives_alone: bool,
    /// Holds a disability certificate (残疾证).
    pub disabled: bool,
    /// When staff verified the facts; absent while unverified.
    pub verified_at: Option<DateTime<Utc>>,
    /// What evidence was seen.
    pub evidence_notes: Option<String>,
}

/// A resident profile; personal data masked unless the reader is the resident or revealed it.
#[derive(Debug, Clone, Object)]
pub struct ResidentProfileView {
    /// The resident.
    pub user_id: i64,
    /// Name shown to others.
    pub display_name: String,
    /// The login (masked: `138****8000`).
    pub phone: Option<String>,
    /// Home grid.
    pub home_grid_id: Option<i64>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Age today, from the birth date.
    pub age: Option<u32>,
    /// Address (masked).
    pub address: Option<String>,
    /// Resident ID number (masked).
    pub id_number: Option<String>,
    /// True when personal data above is shown unmasked.
    pub unmasked: bool,
    /// Verified eligibility facts.
    pub eligibility: EligibilityView,
}

impl ResidentProfileView {
    fn new(user: &User, profile: Option<&ResidentProfile>, unmasked: bool) -> Self {
        let today = now_utc().date();
        let facts = profile.map(|p| p.facts).unwrap_or_default();
        Self {
            user_id: user.id.0,
            display_name: user.display_name.clone(),
            phone: user.phone.as_ref().map(|p| {
                if unmasked {
                    p.as_str().to_owned()
                } else {
                    p.masked()
                }
            }),
            home_grid_id: user.home_grid_id.map(|g| g.0),
            birth_date: profile.and_then(|p| p.birth_date),
            age: profile.and_then(|p| p.birth_date).map(|b| age_on(b, today)),
            address: profile.and_then(|p| p.address.as_deref()).map(|a| {
                if unmasked {
                    a.to_owned()
                } else {
                    mask_address(a)
                }
            }),
            id_number: profile.and_then(|p| p.id_number.as_deref()).map(|i| {
                if unmasked {
                    i.to_owned()
                } else {
                    mask_id_number(i)
                }
            }),
            unmasked,
            eligibility: EligibilityView {
                low_income: facts.low_income,
                disability_level: facts.disability_level,
                lives_alone: facts.lives_alone,
                disabled: facts.disabled,
                verified_at: profile
                    .and_then(|p| p.facts_verified_at)
                    .map(|t| t.and_utc()),
                evidence_notes: profile.and_then(|p| p.evidence_notes.clone()),
            },
        }
    }
}

/// What a resident states about themselves.
#[derive(Debug, Clone, Object)]
pub struct UpdateResidentProfileRequest {
    /// Birth date (used for age-based help such as 高龄补贴).
    pub birth_date: Option<NaiveDate>,
    /// Home address, seen only by you, helpers while assigned, and staff (audited).
    #[oai(validator(max_length = 200))]
    pub address: Option<String>,
    /// Resident ID number.
    #[oai(validator(max_length = 18))]
    pub id_number: Option<String>,
}

/// Facts staff verified, with the evidence seen.
#[derive(Debug, Clone, Object)]
pub struct VerifyEligibilityRequest {
    /// 低保.
    pub low_income: bool,
    /// 失能 level, 0–3.
    pub disability_level: i32,
    /// Lives alone.
    pub lives_alone: bool,
    /// Holds a disability certificate.
    pub disabled: bool,
    /// What evidence was seen (documents, home visit…), 1–500 characters.
    #[oai(validator(max_length = 500))]
    pub evidence_notes: String,
}

/// Responses of the resident operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ResidentOperationError {
    /// No such resident within your reach (`resident_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Fields break a rule (`validation_failed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ResidentOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: ResidentError) -> ResidentOperationError {
    match error {
        ResidentError::NotFound => ResidentOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "resident_not_found",
                "no such resident within your reach",
            )
            .into(),
        ),
        ResidentError::Store(e) => rejected(from_store_error(&e)),
    }
}

fn invalid(errors: &[ResidentInputError]) -> ResidentOperationError {
    ResidentOperationError::Invalid(
        Problem::validation(
            errors
                .iter()
                .map(|e| FieldError {
                    field: e.field().into(),
                    code: e.code().into(),
                    message: e.to_string(),
                })
                .collect(),
        )
        .into(),
    )
}

#[OpenApi(tag = "ApiTags::Residents")]
impl ResidentsApi {
    /// Save my resident details
    ///
    /// Birth date, address and ID number. Eligibility facts are set by staff, not here.
    #[oai(
        path = "/me/resident-profile",
        method = "put",
        operation_id = "update_my_resident_profile"
    )]
    async fn update_my_resident_profile(
        &self,
        auth: SessionAuth,
        body: JsonBody<UpdateResidentProfileRequest>,
    ) -> Result<Json<ResidentProfileView>, ResidentOperationError> {
        let body = body.0;
        let details = check_own_details(
            body.birth_date,
            body.address,
            body.id_number,
            now_utc().date(),
        )
        .map_err(|errors| invalid(&errors))?;
        let user = auth.0.principal.user;
        let profile = usecases::save_own(&self.state.db, user.id, details, now_utc())
            .await
            .map_err(map_error)?;
        Ok(Json(ResidentProfileView::new(&user, Some(&profile), true)))
    }

    /// Show my resident details
    #[oai(
        path = "/me/resident-profile",
        method = "get",
        operation_id = "get_my_resident_profile"
    )]
    async fn get_my_resident_profile(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<ResidentProfileView>, ResidentOperationError> {
        let user = auth.0.principal.user;
        let profile = usecases::own(&self.state.db, user.id)
            .await
            .map_err(map_error)?;
        Ok(Json(ResidentProfileView::new(
            &user,
            profile.as_ref(),
            true,
        )))
    }

    /// Show a resident's profile
    ///
    /// For staff over the resident's home grid. Phone, address and ID number are masked;
    /// `reveal=true` unmasks them and writes an audit event.
    #[oai(
        path = "/residents/:user_id",
        method = "get",
        operation_id = "get_resident_profile"
    )]
    async fn get_resident_profile(
        &self,
        auth: SessionAuth,
        user_id: Path<i64>,
        /// Unmask personal data (audited).
        #[oai(default)]
        reveal: Query<bool>,
    ) -> Result<Json<ResidentProfileView>, ResidentOperationError> {
        let (user, profile) = usecases::view(
            &self.state.db,
            auth.0.principal,
            UserId(user_id.0),
            reveal.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Json(ResidentProfileView::new(
            &user,
            profile.as_ref(),
            reveal.0,
        )))
    }

    /// Verify a resident's eligibility
    ///
    /// Staff over the resident's home grid record 低保, 失能 level, living alone and disability,
    /// with notes on the evidence seen. Subsidies and points rules read these facts. Audited.
    #[oai(
        path = "/residents/:user_id/eligibility",
        method = "put",
        operation_id = "verify_resident_eligibility"
    )]
    async fn verify_resident_eligibility(
        &self,
        auth: SessionAuth,
        user_id: Path<i64>,
        body: JsonBody<VerifyEligibilityRequest>,
    ) -> Result<Json<ResidentProfileView>, ResidentOperationError> {
        let body = body.0;
        let facts = EligibilityFacts {
            low_income: body.low_income,
            disability_level: body.disability_level,
            lives_alone: body.lives_alone,
            disabled: body.disabled,
        };
        let notes = check_facts(&facts, &body.evidence_notes).map_err(|errors| invalid(&errors))?;
        let principal = auth.0.principal;
        let profile = usecases::verify_facts(
            &self.state.db,
            principal.clone(),
            UserId(user_id.0),
            facts,
            notes,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let (user, _) = usecases::view(
            &self.state.db,
            principal,
            UserId(user_id.0),
            false,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Json(ResidentProfileView::new(&user, Some(&profile), false)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_keep_only_their_district() {
        assert_eq!(
            super::mask_address("汉中市汉台区东大街12号3单元"),
            "汉中市汉台区****"
        );
    }
}
