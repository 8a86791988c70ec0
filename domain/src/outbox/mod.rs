//! The outbox: messages that leave Linli (emails now, partner webhooks next) are rows written
//! inside the transaction of the business change that causes them, so a message exists exactly
//! when its cause committed. The delivery worker (`linli-jobs`) claims due rows after commit,
//! hands each to its channel's sender, and records the outcome: delivered, retried later with
//! exponential backoff and jitter, or dead after too many attempts (admins may retry it).

pub mod rules;
pub mod store;
pub mod usecases;

use std::fmt;
use std::time::Duration;

use chrono::NaiveDateTime;

pub use store::{claim_due, enqueue, mark_delivered, mark_failed};

/// A message's id: a UUID v7 as text, stable across retries; it is also the email
/// `Message-ID` and the webhook `webhook-id`, so a receiver can drop duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub String);

impl MessageId {
    /// A new time-ordered id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// The smallest id a message written at `at` or later can have. A UUIDv7 starts with its
    /// creation time in milliseconds, so ids sort, as text, in the order they were written:
    /// every id below this one was written before `at`. Retention finds old messages with it
    /// through the primary key instead of an index on the creation time.
    pub fn first_at(at: NaiveDateTime) -> Self {
        let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
        Self(
            uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10])
                .into_uuid()
                .to_string(),
        )
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a message leaves Linli; the worker dispatches on it to a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An email to a person; the recipient is their user id.
    Email,
    /// A partner webhook delivery; the recipient is the endpoint id.
    Webhook,
}

impl Channel {
    /// Every channel, for listing and parsing.
    pub const ALL: &'static [Channel] = &[Channel::Email, Channel::Webhook];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == raw)
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Waiting for its (next) attempt.
    Pending,
    /// Handed over to its receiver.
    Delivered,
    /// Given up on after too many attempts or a permanent failure; an admin may retry it.
    Dead,
}

impl Status {
    /// Every status, for parsing.
    pub const ALL: &'static [Status] = &[Status::Pending, Status::Delivered, Status::Dead];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == raw)
    }
}

/// A message to write with [`enqueue`], inside the caller's write transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// How it leaves.
    pub channel: Channel,
    /// Event name, e.g. `account.welcome`.
    pub topic: String,
    /// Email: the user id; webhook: the endpoint id.
    pub recipient: String,
    /// What the channel's sender builds the message from.
    pub payload: serde_json::Value,
    /// Not delivered before this instant (UTC); `now` for at once.
    pub not_before: NaiveDateTime,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// How it leaves.
    pub channel: Channel,
    /// Event name.
    pub topic: String,
    /// Email: the user id; webhook: the endpoint id.
    pub recipient: String,
    /// What the sender builds the message from: the JSON text as stored, so a webhook posts
    /// these very bytes on every attempt and nothing is parsed that is not needed
    /// ([`Message::payload_json`] parses it).
    pub payload: String,
    /// Where it stands.
    pub status: Status,
    /// Attempts made so far (a claim counts as one).
    pub attempts: i32,
    /// Not before this instant.
    pub next_attempt_at: NaiveDateTime,
    /// The worker instance delivering it.
    pub claimed_by: Option<String>,
    /// Until when that worker holds it.
    pub claimed_until: Option<NaiveDateTime>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: NaiveDateTime,
    /// When it was delivered.
    pub delivered_at: Option<NaiveDateTime>,
}

impl Message {
    /// The payload parsed; `None` when the stored text is not JSON.
    pub fn payload_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.payload).ok()
    }
}

/// How failed deliveries are retried: exponential backoff from `base`, capped at `max_delay`,
/// with jitter so many failures do not retry in step; dead after `max_attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure (before jitter).
    pub base: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// Attempts after which a message is dead.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

/// Why an attempt failed, as a sender reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// True when retrying cannot help (no address, refused recipient): dead at once.
    pub permanent: bool,
    /// What went wrong, kept in `last_error` for operators.
    pub reason: String,
}

/// What [`mark_failed`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again at this instant.
    Retry(NaiveDateTime),
    /// Given up on.
    Dead,
}

/// Which messages an admin lists, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only messages created before this one (paging by id, newest first).
    pub before: Option<MessageId>,
    /// At most this many.
    pub limit: i64,
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::MessageId;
    use crate::time::now_utc;

    #[test]
    fn ids_written_before_an_instant_sort_below_its_first_id_and_later_ones_above() {
        let now = now_utc();
        let floor = MessageId::first_at(now);
        let earlier = MessageId::first_at(now - TimeDelta::milliseconds(1));
        let later = MessageId::generate();
        assert!(earlier < floor, "{earlier} < {floor}");
        assert!(floor <= later, "{floor} <= {later}");
        assert_eq!(floor.as_str().len(), later.as_str().len());
        assert_eq!(&floor.as_str()[14..15], "7", "a version 7 UUID: {floor}");
    }
}
