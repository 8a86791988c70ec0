//! The outbox as platform admins see it: messages waiting, delivered or dead, and retrying a
//! dead one.

use chrono::{DateTime, Utc};
use linli_domain::outbox::usecases::{self, OutboxError};
use linli_domain::outbox::{Channel, Message, MessageFilter, MessageId, Status};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `outbox_messages` resource.
pub struct OutboxApi {
    /// Shared state.
    pub state: AppState,
}

/// How a message leaves Linli.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ChannelView {
    /// An email to a person.
    Email,
    /// A partner webhook delivery.
    Webhook,
}

impl From<Channel> for ChannelView {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Email => Self::Email,
            Channel::Webhook => Self::Webhook,
        }
    }
}

impl From<ChannelView> for Channel {
    fn from(channel: ChannelView) -> Self {
        match channel {
            ChannelView::Email => Self::Email,
            ChannelView::Webhook => Self::Webhook,
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusView {
    /// Waiting for its (next) attempt.
    Pending,
    /// Handed over to its receiver.
    Delivered,
    /// Given up on; may be retried.
    Dead,
}

impl From<Status> for StatusView {
    fn from(status: Status) -> Self {
        match status {
            Status::Pending => Self::Pending,
            Status::Delivered => Self::Delivered,
            Status::Dead => Self::Dead,
        }
    }
}

impl From<StatusView> for Status {
    fn from(status: StatusView) -> Self {
        match status {
            StatusView::Pending => Self::Pending,
            StatusView::Delivered => Self::Delivered,
            StatusView::Dead => Self::Dead,
        }
    }
}

/// One outbox message (without its payload, which may hold personal data).
#[derive(Debug, Clone, Object)]
pub struct OutboxMessageView {
    /// UUID v7; also the email Message-ID and the webhook-id.
    pub id: String,
    /// How it leaves.
    pub channel: ChannelView,
    /// Event name, e.g. `account.welcome`.
    pub topic: String,
    /// Email: the user id; webhook: the endpoint id.
    pub recipient: String,
    /// Where it stands.
    pub status: StatusView,
    /// Attempts made so far.
    pub attempts: i32,
    /// Not before this instant (the next retry, or the end of quiet hours).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Message> for OutboxMessageView {
    fn from(message: Message) -> Self {
        Self {
            id: message.id.0,
            channel: message.channel.into(),
            topic: message.topic,
            recipient: message.recipient,
            status: message.status.into(),
            attempts: message.attempts,
            next_attempt_at: message.next_attempt_at.and_utc(),
            last_error: message.last_error,
            created_at: message.created_at.and_utc(),
            delivered_at: message.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// Responses of `list_outbox_messages`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum ListOutboxMessagesError {
    /// Only platform admins see the outbox (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for ListOutboxMessagesError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

/// Responses of `retry_outbox_message`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum RetryOutboxMessageError {
    /// Only platform admins retry messages (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such message (`outbox_message_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Only dead messages can be retried (`outbox_message_not_dead`).
    #[oai(status = 409)]
    NotDead(ProblemJson),
    /// Refused before the operation ran (400, 401) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for RetryOutboxMessageError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn forbidden() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "only platform admins manage the outbox",
    )
}

#[OpenApi(tag = "ApiTags::Outbox")]
impl OutboxApi {
    /// List outbox messages
    ///
    /// Emails and webhooks waiting, delivered or dead, newest first; filter by status and
    /// channel, page with `before` (the last id of the previous page). Platform admins only.
    #[oai(
        path = "/outbox-messages",
        method = "get",
        operation_id = "list_outbox_messages"
    )]
    async fn list_outbox_messages(
        &self,
        auth: SessionAuth,
        /// Only messages in this state.
        status: Query<Option<StatusView>>,
        /// Only messages on this channel.
        channel: Query<Option<ChannelView>>,
        /// Only messages older than this id (the last id of the previous page).
        #[oai(validator(min_length = 1, max_length = 64))]
        before: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OutboxMessageView>>, ListOutboxMessagesError> {
        let filter = MessageFilter {
            status: status.0.map(Status::from),
            channel: channel.0.map(Channel::from),
            before: before.0.map(MessageId),
            limit: limit.0,
        };
        let messages = usecases::list(&self.state.db, auth.0.principal, filter)
            .await
            .map_err(|error| match error {
                OutboxError::Forbidden => ListOutboxMessagesError::Forbidden(forbidden().into()),
                OutboxError::NotFound | OutboxError::NotDead => rejected(Problem::internal(&error)),
                OutboxError::Store(e) => rejected(from_store_error(&e)),
            })?;
        Ok(Json(messages.into_iter().map(Into::into).collect()))
    }

    /// Retry a dead outbox message
    ///
    /// Puts a dead message back in the queue with its attempts reset, due now; the delivery
    /// worker sends it with the same id (receivers can drop a duplicate). Platform admins
    /// only; a message that is not dead answers 409. Audited.
    #[oai(
        path = "/outbox-messages/:message_id/retry",
        method = "post",
        operation_id = "retry_outbox_message"
    )]
    async fn retry_outbox_message(
        &self,
        auth: SessionAuth,
        /// The message's id.
        #[oai(validator(min_length = 1, max_length = 64))]
        message_id: Path<String>,
    ) -> Result<Json<OutboxMessageView>, RetryOutboxMessageError> {
        let message = usecases::retry(
            &self.state.db,
            auth.0.principal,
            MessageId(message_id.0),
            now_utc(),
        )
        .await
        .map_err(|error| match error {
            OutboxError::Forbidden => RetryOutboxMessageError::Forbidden(forbidden().into()),
            OutboxError::NotFound => RetryOutboxMessageError::NotFound(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "outbox_message_not_found",
                    "no such outbox message",
                )
                .into(),
            ),
            OutboxError::NotDead => RetryOutboxMessageError::NotDead(
                Problem::new(
                    StatusCode::CONFLICT,
                    "outbox_message_not_dead",
                    "only dead messages can be retried",
                )
                .into(),
            ),
            OutboxError::Store(e) => rejected(from_store_error(&e)),
        })?;
        Ok(Json(message.into()))
    }
}

fn default_limit() -> i64 {
    50
}
