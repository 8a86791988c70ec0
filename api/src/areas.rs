//! The area tree over HTTP.

use chrono::{DateTime, Utc};
use linli_domain::areas::{Area, AreaId, AreaLevel, store};
use linli_domain::db::{Db, StoreError};
use poem::http::StatusCode;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;

/// Endpoints of the `areas` resource.
pub struct AreasApi {
    /// The store.
    pub db: Db,
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
}
