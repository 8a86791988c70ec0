//! A person's own notifications and their notification preferences.

use chrono::{DateTime, Utc};
use linli_domain::notifications::usecases::{self, NotificationError};
use linli_domain::notifications::{Category, Notification, NotificationFilter, Preference};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{
    FieldError, Problem, ProblemJson, Rejection, from_store_error, reject, rejected,
};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `notifications` resource.
pub struct NotificationsApi {
    /// Shared state.
    pub state: AppState,
}

/// Groups of notices one can switch on or off per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CategoryView {
    /// About one's own account: welcome, security.
    Account,
    /// Volunteer verification and credentials.
    Volunteering,
    /// Who may act on one's behalf, and for whom one acts.
    Proxies,
    /// Needs one posted or helps with: reminders, offers, escalations.
    Needs,
    /// One's points: what is about to expire.
    Points,
}

impl From<Category> for CategoryView {
    fn from(category: Category) -> Self {
        match category {
            Category::Account => Self::Account,
            Category::Volunteering => Self::Volunteering,
            Category::Proxies => Self::Proxies,
            Category::Needs => Self::Needs,
            Category::Points => Self::Points,
        }
    }
}

impl From<CategoryView> for Category {
    fn from(category: CategoryView) -> Self {
        match category {
            CategoryView::Account => Self::Account,
            CategoryView::Volunteering => Self::Volunteering,
            CategoryView::Proxies => Self::Proxies,
            CategoryView::Needs => Self::Needs,
            CategoryView::Points => Self::Points,
        }
    }
}

/// One notification.
#[derive(Debug, Clone, Object)]
pub struct NotificationView {
    /// Its id.
    pub id: i64,
    /// Event name, e.g. `volunteer.verified`.
    pub topic: String,
    /// Preference category.
    pub category: CategoryView,
    /// Urgent notices are shown whatever the preferences say.
    pub urgent: bool,
    /// Title, in the language the person had when it was written.
    pub title: String,
    /// The text.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was marked read; none while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            topic: n.topic,
            category: n.category.into(),
            urgent: n.urgent,
            title: n.title,
            body: n.body,
            created_at: n.created_at.and_utc(),
            read_at: n.read_at.map(|t| t.and_utc()),
        }
    }
}

/// A page of the caller's notifications.
#[derive(Debug, Clone, Object)]
pub struct NotificationPage {
    /// Newest first.
    pub notifications: Vec<NotificationView>,
    /// How many of all the caller's notifications are unread.
    pub unread_count: i64,
}

/// How many notifications were marked read.
#[derive(Debug, Clone, Object)]
pub struct MarkedRead {
    /// Notifications that were unread and are read now.
    pub marked: u64,
}

/// A choice for one category.
#[derive(Debug, Clone, Object)]
pub struct NotificationPreferenceView {
    /// The category.
    pub category: CategoryView,
    /// Show in the app (urgent notices are shown regardless).
    pub in_app: bool,
    /// Send by email, when the account has an address (urgent ones too).
    pub email: bool,
}

impl From<Preference> for NotificationPreferenceView {
    fn from(p: Preference) -> Self {
        Self {
            category: p.category.into(),
            in_app: p.in_app,
            email: p.email,
        }
    }
}

/// New choices; categories left out keep theirs.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateNotificationPreferencesRequest {
    /// One entry per category to change, each category at most once.
    #[oai(validator(max_items = 16))]
    pub preferences: Vec<NotificationPreferenceView>,
}

impl poem_openapi::types::Example for UpdateNotificationPreferencesRequest {
    fn example() -> Self {
        Self {
            preferences: vec![NotificationPreferenceView {
                category: CategoryView::Volunteering,
                in_app: true,
                email: false,
            }],
        }
    }
}

/// Responses of the notification operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum NotificationOperationError {
    /// No such notification of yours (`notification_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for NotificationOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Responses of the preference operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum PreferencesError {
    /// A category given twice (`validation_failed`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for PreferencesError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Notifications")]
impl NotificationsApi {
    /// List my notifications
    ///
    /// The caller's own in-app notifications, newest first, with the unread count; `unread`
    /// keeps only unread ones, `before` (the last id of the previous page) pages.
    #[oai(
        path = "/me/notifications",
        method = "get",
        operation_id = "list_notifications"
    )]
    async fn list_notifications(
        &self,
        auth: SessionAuth,
        /// Only unread notifications.
        #[oai(default)]
        unread: Query<bool>,
        /// Only notifications older than this id.
        before: Query<Option<i64>>,
        /// Page size, 1–100 (default 20).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<NotificationPage>, NotificationOperationError> {
        let filter = NotificationFilter {
            unread_only: unread.0,
            before: before.0,
            limit: limit.0,
        };
        let (notifications, unread_count) =
            usecases::list(&self.state.db, auth.0.principal.user.id, filter)
                .await
                .map_err(|e| rejected::<NotificationOperationError>(from_store_error(&e)))?;
        Ok(Json(NotificationPage {
            notifications: notifications.into_iter().map(Into::into).collect(),
            unread_count,
        }))
    }

    /// Mark a notification read
    ///
    /// Marks one of the caller's notifications read; marking it again keeps the first time.
    /// Another person's notification is not found.
    #[oai(
        path = "/me/notifications/:notification_id/read",
        method = "post",
        operation_id = "mark_notification_read"
    )]
    async fn mark_notification_read(
        &self,
        auth: SessionAuth,
        /// The notification's id.
        notification_id: Path<i64>,
    ) -> Result<Json<NotificationView>, NotificationOperationError> {
        let notification = usecases::mark_read(
            &self.state.db,
            auth.0.principal.user.id,
            notification_id.0,
            now_utc(),
        )
        .await
        .map_err(|error| match error {
            NotificationError::NotFound => NotificationOperationError::NotFound(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "notification_not_found",
                    "no such notification of yours",
                )
                .into(),
            ),
            NotificationError::Store(e) => rejected(from_store_error(&e)),
        })?;
        Ok(Json(notification.into()))
    }

    /// Mark all my notifications read
    ///
    /// Marks every unread notification of the caller read and says how many changed.
    #[oai(
        path = "/me/notifications/read",
        method = "post",
        operation_id = "mark_all_notifications_read"
    )]
    async fn mark_all_notifications_read(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<MarkedRead>, NotificationOperationError> {
        let marked = usecases::mark_all_read(&self.state.db, auth.0.principal.user.id, now_utc())
            .await
            .map_err(|e| rejected::<NotificationOperationError>(from_store_error(&e)))?;
        Ok(Json(MarkedRead {
            marked: u64::try_from(marked).unwrap_or(u64::MAX),
        }))
    }

    /// Get my notification preferences
    ///
    /// For each category, whether the caller gets notices in the app and by email. Urgent
    /// notices always appear in the app.
    #[oai(
        path = "/me/notification-preferences",
        method = "get",
        operation_id = "get_notification_preferences"
    )]
    async fn get_notification_preferences(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<Vec<NotificationPreferenceView>>, PreferencesError> {
        let preferences = usecases::preferences(&self.state.db, auth.0.principal.user.id)
            .await
            .map_err(|e| rejected::<PreferencesError>(from_store_error(&e)))?;
        Ok(Json(preferences.into_iter().map(Into::into).collect()))
    }

    /// Update my notification preferences
    ///
    /// Changes the channels of the categories given; the others keep theirs. Returns every
    /// category. Urgent notices still appear in the app whatever is chosen here.
    #[oai(
        path = "/me/notification-preferences",
        method = "put",
        operation_id = "update_notification_preferences"
    )]
    async fn update_notification_preferences(
        &self,
        auth: SessionAuth,
        body: JsonBody<UpdateNotificationPreferencesRequest>,
    ) -> Result<Json<Vec<NotificationPreferenceView>>, PreferencesError> {
        let mut seen = Vec::new();
        let mut changes = Vec::new();
        for (index, p) in body.0.preferences.iter().enumerate() {
            let category = Category::from(p.category);
            if seen.contains(&category) {
                return Err(PreferencesError::Invalid(
                    Problem::validation(vec![FieldError {
                        field: format!("preferences[{index}].category"),
                        code: "duplicate".into(),
                        message: format!("{} is given more than once", category.as_str()),
                    }])
                    .into(),
                ));
            }
            seen.push(category);
            changes.push(Preference {
                category,
                in_app: p.in_app,
                email: p.email,
            });
        }
        let preferences = usecases::update_preferences(
            &self.state.db,
            auth.0.principal.user.id,
            changes,
            now_utc(),
        )
        .await
        .map_err(|e| rejected::<PreferencesError>(from_store_error(&e)))?;
        Ok(Json(preferences.into_iter().map(Into::into).collect()))
    }
}

fn default_limit() -> i64 {
    20
}
