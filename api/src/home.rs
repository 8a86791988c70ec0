//! The home screen's data in one read: what a person sees first after signing in. The app
//! shell sends a signed-in browser (one holding the session cookie) this same view inside the
//! page, so a phone on a slow network draws its home without another round trip.

use linli_domain::access::Principal;
use linli_domain::categories::usecases as categories;
use linli_domain::db::Db;
use linli_domain::ledger::usecases::{self as ledger, PointsError};
use linli_domain::needs::NeedStatus;
use linli_domain::needs::posting::{self, Listing, NeedError};
use linli_domain::notifications::NotificationFilter;
use linli_domain::notifications::usecases as notifications;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::categories::ServiceCategoryView;
use crate::needs::views::NeedView;
use crate::points::PointsBalanceView;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
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

/// What the home shows `principal`: their points, unread count, active needs and the
/// categories, read at once on separate pooled connections.
pub async fn read_home(db: &Db, principal: Principal) -> Result<HomeView, HomeError> {
    let me = principal.user.id;
    let active: Vec<&'static str> = NeedStatus::ALL
        .into_iter()
        .filter(|status| !status.is_terminal())
        .map(NeedStatus::as_str)
        .collect();
    let unread_only = NotificationFilter {
        unread_only: true,
        before: None,
        limit: 1,
    };
    let (points, notes, needs, kinds) = tokio::join!(
        ledger::balance(db, principal.clone(), me),
        notifications::list(db, me, unread_only),
        posting::list(
            db,
            principal,
            Listing::Mine,
            active,
            false,
            None,
            ACTIVE_NEEDS_SHOWN
        ),
        categories::list(db),
    );
    let points = points.map_err(|e| match &e {
        PointsError::Store(store) => failed(&e, Some(store)),
        _ => failed(&e, None),
    })?;
    let (_, unread_notifications) =
        notes.map_err(|e| rejected::<HomeError>(from_store_error(&e)))?;
    let needs = needs.map_err(|e| match &e {
        NeedError::Store(store) => failed(&e, Some(store)),
        _ => failed(&e, None),
    })?;
    let kinds = kinds.map_err(|e| match &e {
        categories::CategoryError::Store(store) => failed(&e, Some(store)),
        _ => failed(&e, None),
    })?;
    Ok(HomeView {
        points: points.into(),
        unread_notifications,
        active_needs: needs.iter().map(NeedView::from).collect(),
        categories: kinds.iter().map(ServiceCategoryView::from).collect(),
    })
}

/// Storage failures keep their meaning; nothing else can go wrong reading one's own data.
fn failed(
    cause: &(dyn std::error::Error + 'static),
    store: Option<&linli_domain::db::StoreError>,
) -> HomeError {
    rejected(store.map_or_else(|| Problem::internal(&cause), from_store_error))
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
