//! The area tree over HTTP.

use chrono::{DateTime, Utc};
use linli_domain::areas::{Area, AreaId, AreaLevel, NewArea, changes, store, usecases};
use linli_domain::db::StoreError;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::{Created, NoContent};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `areas` resource.
pub struct AreasApi {
    /// Shared state.
    pub state: AppState,
}

/// An area's level in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AreaLevelView {
    /// 区县
    District,
    /// 街道
    Street,
    /// 社区
    Community,
    /// 网格
    Grid,
}

impl From<AreaLevel> for AreaLevelView {
    fn from(level: AreaLevel) -> Self {
        match level {
            AreaLevel::District => Self::District,
            AreaLevel::Street => Self::Street,
            AreaLevel::Community => Self::Community,
            AreaLevel::Grid => Self::Grid,
        }
    }
}

/// One area of the tree.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AreaView {
    /// Its id.
    pub id: i64,
    /// The enclosing area; absent for a district.
    pub parent_id: Option<i64>,
    /// Its level.
    pub level: AreaLevelView,
    /// Stable unique code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for AreaView {
    fn example() -> Self {
        Self {
            id: 7,
            parent_id: Some(3),
            level: AreaLevelView::Grid,
            code: "610702-dongdajie-dongguan-g1".into(),
            name_zh: "东关社区第一网格".into(),
            name_en: "Dongguan Community Grid 1".into(),
            created_at: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
        }
    }
}

impl From<Area> for AreaView {
    fn from(area: Area) -> Self {
        Self {
            id: area.id.0,
            parent_id: area.parent_id.map(|p| p.0),
            level: area.level.into(),
            code: area.code,
            name_zh: area.name_zh,
            name_en: area.name_en,
            created_at: area.created_at.and_utc(),
        }
    }
}

/// Errors of `list_areas`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListAreasError {
    /// The `root` area does not exist.
    #[oai(status = 404)]
    RootNotFound(ProblemJson),
    /// The request was refused before reaching the operation (malformed parameters: 400),
    /// or the service could not answer (503, 500).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListAreasError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

impl From<StoreError> for ListAreasError {
    fn from(error: StoreError) -> Self {
        rejected(from_store_error(&error))
    }
}

/// A new area.
#[derive(Debug, Clone, Object)]
pub struct CreateAreaRequest {
    /// The enclosing area; omit only for a district.
    pub parent_id: Option<i64>,
    /// One level below the parent's.
    pub level: AreaLevelView,
    /// Stable unique code (administrative code or slug).
    #[oai(validator(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$"))]
    pub code: String,
    /// Chinese name.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub name_zh: String,
    /// English name.
    #[oai(validator(min_length = 1, max_length = 128))]
    pub name_en: String,
}

impl From<AreaLevelView> for AreaLevel {
    fn from(level: AreaLevelView) -> Self {
        match level {
            AreaLevelView::District => Self::District,
            AreaLevelView::Street => Self::Street,
            AreaLevelView::Community => Self::Community,
            AreaLevelView::Grid => Self::Grid,
        }
    }
}

/// Responses of `create_area`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum CreateAreaError {
    /// The caller holds no admin role over the parent (`area_not_held`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Another area has this code (`area_code_taken`).
    #[oai(status = 409)]
    CodeTaken(ProblemJson),
    /// The parent does not exist or has the wrong level (`unknown_parent`, `wrong_parent_level`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for CreateAreaError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_create_error(error: store::CreateAreaError) -> CreateAreaError {
    match error {
        store::CreateAreaError::NotHeld => CreateAreaError::Forbidden(
            Problem::new(StatusCode::FORBIDDEN, "area_not_held", error.to_string()).into(),
        ),
        store::CreateAreaError::ParentNotFound(_) => CreateAreaError::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_parent",
                error.to_string(),
            )
            .into(),
        ),
        store::CreateAreaError::Placement(placement) => CreateAreaError::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong_parent_level",
                placement.to_string(),
            )
            .into(),
        ),
        store::CreateAreaError::CodeTaken(_) => CreateAreaError::CodeTaken(
            Problem::new(StatusCode::CONFLICT, "area_code_taken", error.to_string()).into(),
        ),
        store::CreateAreaError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// Changes to an area; absent fields stay as they are.
#[derive(Debug, Clone, Object)]
pub struct UpdateAreaRequest {
    /// New Chinese name.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub name_zh: Option<String>,
    /// New English name.
    #[oai(validator(min_length = 1, max_length = 128))]
    pub name_en: Option<String>,
    /// New parent, of the same level as the current one; the whole subtree moves with it.
    pub parent_id: Option<i64>,
}

/// Responses of `update_area` and `delete_area`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ChangeAreaError {
    /// The caller administers neither the area's parent nor the new parent (`area_not_held`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such area (`area_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The area still holds areas, residents, roles or records (`area_in_use`).
    #[oai(status = 409)]
    InUse(ProblemJson),
    /// The new parent is unknown or of the wrong level (`unknown_parent`, `wrong_parent_level`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ChangeAreaError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_change_error(error: changes::ChangeAreaError) -> ChangeAreaError {
    use changes::ChangeAreaError as Domain;
    match error {
        Domain::NotFound(_) => ChangeAreaError::NotFound(
            Problem::new(StatusCode::NOT_FOUND, "area_not_found", error.to_string()).into(),
        ),
        Domain::ParentNotFound(_) => ChangeAreaError::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_parent",
                error.to_string(),
            )
            .into(),
        ),
        Domain::NotHeld => ChangeAreaError::Forbidden(
            Problem::new(StatusCode::FORBIDDEN, "area_not_held", error.to_string()).into(),
        ),
        Domain::Placement(_) => ChangeAreaError::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong_parent_level",
                error.to_string(),
            )
            .into(),
        ),
        Domain::InUse(_) => ChangeAreaError::InUse(
            Problem::new(StatusCode::CONFLICT, "area_in_use", error.to_string()).into(),
        ),
        Domain::Store(e) => rejected(from_store_error(&e)),
    }
}

#[OpenApi(tag = "ApiTags::Areas")]
impl AreasApi {
    /// List the area tree
    ///
    /// Returns every area (district → street → community → grid), or the subtree under
    /// `root`, parents before children. Area names are public information.
    #[oai(path = "/areas", method = "get", operation_id = "list_areas")]
    async fn list_areas(
        &self,
        /// Only this area and everything below it.
        root: Query<Option<i64>>,
    ) -> Result<Json<Vec<AreaView>>, ListAreasError> {
        let root_id = root.0;
        let areas = self
            .state
            .db
            .run(move |conn| store::list(conn, root_id.map(AreaId)))
            .await?
            .ok_or_else(|| {
                ListAreasError::RootNotFound(
                    Problem::new(
                        StatusCode::NOT_FOUND,
                        "area_not_found",
                        format!("area {} does not exist", root_id.unwrap_or_default()),
                    )
                    .into(),
                )
            })?;
        Ok(Json(areas.into_iter().map(AreaView::from).collect()))
    }

    /// Create an area
    ///
    /// Adds a district (platform admins), or a street, community or grid below an area the
    /// caller administers (street admins within their street). Audited.
    #[oai(path = "/areas", method = "post", operation_id = "create_area")]
    async fn create_area(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateAreaRequest>,
    ) -> Result<Created<AreaView>, CreateAreaError> {
        let body = body.0;
        let new = NewArea {
            parent_id: body.parent_id.map(AreaId),
            level: body.level.into(),
            code: body.code.trim().to_owned(),
            name_zh: body.name_zh.trim().to_owned(),
            name_en: body.name_en.trim().to_owned(),
        };
        let area = usecases::create(&self.state.db, auth.0.principal, new, now_utc())
            .await
            .map_err(map_create_error)?;
        Ok(Created::Created(Json(area.into())))
    }

    /// Rename or move an area
    ///
    /// Renames an area, or moves it (with its whole subtree) under another parent of the same
    /// level. The caller must administer the current parent and the new one. Audited.
    #[oai(
        path = "/areas/:area_id",
        method = "patch",
        operation_id = "update_area"
    )]
    async fn update_area(
        &self,
        auth: SessionAuth,
        area_id: Path<i64>,
        body: JsonBody<UpdateAreaRequest>,
    ) -> Result<Json<AreaView>, ChangeAreaError> {
        let body = body.0;
        let changes = changes::AreaChanges {
            name_zh: body.name_zh.map(|n| n.trim().to_owned()),
            name_en: body.name_en.map(|n| n.trim().to_owned()),
            parent_id: body.parent_id.map(AreaId),
        };
        let area = changes::update(
            &self.state.db,
            auth.0.principal,
            AreaId(area_id.0),
            changes,
            now_utc(),
        )
        .await
        .map_err(map_change_error)?;
        Ok(Json(area.into()))
    }

    /// Delete an area
    ///
    /// Deletes an area that holds nothing: no child areas, residents, roles or other records
    /// (409 `area_in_use` otherwise). Audited.
    #[oai(
        path = "/areas/:area_id",
        method = "delete",
        operation_id = "delete_area"
    )]
    async fn delete_area(
        &self,
        auth: SessionAuth,
        area_id: Path<i64>,
    ) -> Result<NoContent, ChangeAreaError> {
        changes::delete(
            &self.state.db,
            auth.0.principal,
            AreaId(area_id.0),
            now_utc(),
        )
        .await
        .map_err(map_change_error)?;
        Ok(NoContent::Done)
    }
}
