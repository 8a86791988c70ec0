//! The home screen's data in one read: what a person sees first after signing in. The app
//! shell sends a signed-in browser (one holding the session cookie) this same view inside the
//! page, so a phone on a slow network draws its home without another round trip.

use linli_domain::access::Principal;
use linli_domain::db::Db;
use linli_domain::home;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::categories::ServiceCategoryView;
use crate::needs::views::NeedView;
use crate::points::PointsBalanceView;
use crate::problem::{ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// How many of one's active needs the home shows.
const ACTIVE_NEEDS_SHOWN: i64 = 20;

/// Endpoints of the `home` resource.
pub struct HomeApi {
    /// Shared state.
    pub state: AppState,
}

/// What the home screen shows.
#[derive(Debug, Clone, Object)]
pub struct HomeView {
    /// The caller's points (as `get_points_balance`).
    pub points: PointsBalanceView,
    /// How many of the caller's notifications are unread.
    pub unread_notifications: i64,
    /// The caller's needs that are not yet over (at most 20, newest first; as `list_needs`
    /// with `listing=mine`).
    pub active_needs: Vec<NeedView>,
    /// Every service category, to name the needs' kinds (as `list_service_categories`).
    pub categories: Vec<ServiceCategoryView>,
}

/// Responses of `get_home`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum HomeError {
    /// Refused: no or invalid token (401), or the service failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for HomeError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// What the home shows `principal`, in one store hop.
pub async fn read_home(db: &Db, principal: Principal) -> Result<HomeView, HomeError> {
    let home = home::read(db, principal.user.id, ACTIVE_NEEDS_SHOWN)
        .await
        .map_err(|e| rejected::<HomeError>(from_store_error(&e)))?;
    Ok(HomeView {
        points: home.points.into(),
        unread_notifications: home.unread_notifications,
        active_needs: home.active_needs.iter().map(NeedView::from).collect(),
        categories: home
            .categories
            .iter()
            .map(ServiceCategoryView::from)
            .collect(),
    })
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl HomeApi {
    /// Show my home
    ///
    /// The caller's points, unread notification count, active needs and the service
    /// categories, in one read. The web front end's shell carries the same view for a browser
    /// holding the session cookie (see `login`'s `cookie`).
    #[oai(path = "/me/home", method = "get", operation_id = "get_home")]
    async fn get_home(&self, auth: SessionAuth) -> Result<Json<HomeView>, HomeError> {
        Ok(Json(read_home(&self.state.db, auth.0.principal).await?))
    }
}
