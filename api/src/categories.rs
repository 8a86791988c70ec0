//! Service categories over HTTP: everyone signed in reads them; platform admins add and change
//! them, safeguarding gates included.

use linli_domain::categories::rules::{CategoryInputError, check_category, check_code};
use linli_domain::categories::usecases::{self, CategoryError};
use linli_domain::categories::{Category, CategoryId, CategoryMode, Safeguarding};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Path;
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
use crate::volunteers::CredentialKindView;

/// Endpoints of the `service-categories` resource.
pub struct CategoriesApi {
    /// Shared state.
    pub state: AppState,
}

/// Who delivers help of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CategoryModeView {
    /// Volunteers only.
    Volunteer,
    /// Paid providers only.
    Paid,
    /// Either.
    Both,
}

impl From<CategoryMode> for CategoryModeView {
    fn from(mode: CategoryMode) -> Self {
        match mode {
            CategoryMode::Volunteer => Self::Volunteer,
            CategoryMode::Paid => Self::Paid,
            CategoryMode::Both => Self::Both,
        }
    }
}

impl From<CategoryModeView> for CategoryMode {
    fn from(mode: CategoryModeView) -> Self {
        match mode {
            CategoryModeView::Volunteer => Self::Volunteer,
            CategoryModeView::Paid => Self::Paid,
            CategoryModeView::Both => Self::Both,
        }
    }
}

/// What a helper must have to take a need of the category.
#[derive(Debug, Clone, Object)]
pub struct SafeguardingView {
    /// Credential kinds the helper must hold verified and unexpired.
    #[oai(default)]
    pub required_credentials: Vec<CredentialKindView>,
    /// Whether the helper's real name must be verified (实名认证).
    #[oai(default)]
    pub requires_verified_real_name: bool,
}

/// A service category.
#[derive(Debug, Clone, Object)]
pub struct ServiceCategoryView {
    /// Its id.
    pub id: i64,
    /// Stable code, e.g. `elder_care`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Who delivers it.
    pub mode: CategoryModeView,
    /// Multiplier on points per hour, as a decimal string (`"1.5"`).
    pub points_weight: String,
    /// Gates for helpers.
    pub safeguarding: SafeguardingView,
}

impl From<&Category> for ServiceCategoryView {
    fn from(category: &Category) -> Self {
        Self {
            id: category.id.0,
            code: category.code.clone(),
            name_zh: category.name_zh.clone(),
            name_en: category.name_en.clone(),
            mode: category.mode.into(),
            points_weight: category.points_weight.to_string(),
            safeguarding: SafeguardingView {
                required_credentials: category
                    .safeguarding
                    .required_credentials
                    .iter()
                    .map(|k| (*k).into())
                    .collect(),
                requires_verified_real_name: category.safeguarding.requires_verified_real_name,
            },
        }
    }
}

/// A category definition.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CategoryRequest {
    /// Stable code (only when creating; 2–40 lowercase letters, digits or underscores).
    pub code: Option<String>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Who delivers it.
    pub mode: CategoryModeView,
    /// Multiplier on points per hour, a decimal string between 0 and 10 (`"1.5"`).
    pub points_weight: String,
    /// Gates for helpers.
    pub safeguarding: SafeguardingView,
}

impl Example for CategoryRequest {
    fn example() -> Self {
        Self {
            code: Some("elder_bathing".into()),
            name_zh: "助浴".into(),
            name_en: "Bathing assistance".into(),
            mode: CategoryModeView::Volunteer,
            points_weight: "1.5".into(),
            safeguarding: SafeguardingView {
                required_credentials: vec![CredentialKindView::Training],
                requires_verified_real_name: true,
            },
        }
    }
}

/// Responses of the category operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CategoryOperationError {
    /// Only platform admins manage categories (`not_platform_admin`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such category (`category_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The code is taken (`category_code_taken`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// Fields break a rule (`validation_failed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CategoryOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: CategoryError) -> CategoryOperationError {
    match error {
        CategoryError::NotAdmin => CategoryOperationError::Forbidden(
            Problem::new(
                StatusCode::FORBIDDEN,
                "not_platform_admin",
                error.to_string(),
            )
            .into(),
        ),
        CategoryError::NotFound => CategoryOperationError::NotFound(
            Problem::new(
                StatusCode::NOT_FOUND,
                "category_not_found",
                error.to_string(),
            )
            .into(),
        ),
        CategoryError::CodeTaken => CategoryOperationError::Conflict(
            Problem::new(
                StatusCode::CONFLICT,
                "category_code_taken",
                error.to_string(),
            )
            .into(),
        ),
        CategoryError::Store(e) => rejected(from_store_error(&e)),
    }
}

fn invalid(errors: &[CategoryInputError]) -> CategoryOperationError {
    CategoryOperationError::Invalid(
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

fn checked(
    body: &CategoryRequest,
) -> Result<linli_domain::categories::CategoryInput, Vec<CategoryInputError>> {
    check_category(
        &body.name_zh,
        &body.name_en,
        body.mode.into(),
        &body.points_weight,
        Safeguarding {
            required_credentials: body
                .safeguarding
                .required_credentials
                .iter()
                .map(|k| (*k).into())
                .collect(),
            requires_verified_real_name: body.safeguarding.requires_verified_real_name,
        },
    )
}

#[OpenApi(tag = "ApiTags::Categories")]
impl CategoriesApi {
    /// List service categories
    ///
    /// Every kind of help with its mode, points weight and safeguarding gates.
    #[oai(
        path = "/service-categories",
        method = "get",
        operation_id = "list_service_categories"
    )]
    async fn list_service_categories(
        &self,
        _auth: SessionAuth,
    ) -> Result<Json<Vec<ServiceCategoryView>>, CategoryOperationError> {
        let categories = usecases::list(&self.state.db).await.map_err(map_error)?;
        Ok(Json(
            categories.iter().map(ServiceCategoryView::from).collect(),
        ))
    }

    /// Create a service category
    ///
    /// Platform admins only. Audited.
    #[oai(
        path = "/service-categories",
        method = "post",
        operation_id = "create_service_category"
    )]
    async fn create_service_category(
        &self,
        auth: SessionAuth,
        body: JsonBody<CategoryRequest>,
    ) -> Result<Created<ServiceCategoryView>, CategoryOperationError> {
        let body = body.0;
        let code = body.code.clone().unwrap_or_default();
        let input = checked(&body);
        let input = match (check_code(&code), input) {
            (Ok(()), Ok(input)) => input,
            (Err(e), Ok(_)) => return Err(invalid(&[e])),
            (_, Err(errors)) => return Err(invalid(&errors)),
        };
        let category = usecases::create(&self.state.db, auth.0.principal, code, input, now_utc())
            .await
            .map_err(map_error)?;
        Ok(Created::Created(Json(ServiceCategoryView::from(&category))))
    }

    /// Update a service category
    ///
    /// Replaces names, mode, weight and gates (the code stays). Platform admins only. Audited.
    #[oai(
        path = "/service-categories/:category_id",
        method = "put",
        operation_id = "update_service_category"
    )]
    async fn update_service_category(
        &self,
        auth: SessionAuth,
        category_id: Path<i64>,
        body: JsonBody<CategoryRequest>,
    ) -> Result<Json<ServiceCategoryView>, CategoryOperationError> {
        let input = checked(&body.0).map_err(|errors| invalid(&errors))?;
        let category = usecases::update(
            &self.state.db,
            auth.0.principal,
            CategoryId(category_id.0),
            input,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(Json(ServiceCategoryView::from(&category)))
    }
}
