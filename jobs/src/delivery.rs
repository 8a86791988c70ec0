//! The outbox delivery worker `linli serve` runs beside the scheduler: it claims due messages
//! (several instances share the queue: SKIP LOCKED on PostgreSQL, guarded claims on SQLite),
//! hands each to its channel's sender, and records the outcome: delivered, retried after an
//! exponential backoff with jitter, or dead after too many attempts. A message committed just
//! before a crash is still pending after the restart, and is delivered then.
//!
//! The work is a pipeline, so that neither the database nor the network waits for the other:
//! the claimer keeps up to `batch_size` sends in flight and claims again, in one transaction,
//! once half of them are done; each finished send hands its outcome to the settler, which
//! writes every outcome that has arrived meanwhile (delivery-log lines, endpoint state and the
//! outbox rows) in one transaction — one commit per group instead of two per message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use linli_domain::db::{self, AnyConnection, Db, StoreError};
use linli_domain::notifications::{self, Urgency, rules as notice_rules};
use linli_domain::outbox::{self, AfterFailure, Channel, Message, RetryPolicy, store};
use linli_domain::time::now_utc;
use linli_domain::webhooks::store::{self as webhook_store, Recorded, Target};
use linli_domain::webhooks::{EndpointId, usecases as webhook_usecases};
use tokio::sync::{Notify, Semaphore, mpsc, watch};

use crate::email::EmailSender;
use crate::webhooks::{self, Sent, WebhookSender};

/// Why one attempt failed, as a sender reports it: `permanent` makes the message dead at once.
pub type DeliveryFailure = outbox::Failure;

/// What the worker needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an idle worker waits before looking for due messages again.
    pub poll_interval: Duration,
    /// Most messages in flight (claimed and being sent) at once.
    pub batch_size: i64,
    /// How long a claim holds a message; a worker that dies releases its messages after it.
    pub lease: Duration,
    /// Backoff and the attempts after which a message is dead.
    pub retry: RetryPolicy,
    /// The zone quiet hours are read in.
    pub zone: Tz,
}

/// One sender per channel.
pub struct Senders {
    /// Emails.
    pub email: EmailSender,
    /// Partner webhooks.
    pub webhook: WebhookSender,
}

impl Senders {
    /// Hands `message` to its channel's sender; `target` is the webhook endpoint read with
    /// the claim.
    pub async fn dispatch(&self, message: &Message, target: Option<Target>) -> Sent {
        match message.channel {
            Channel::Email => Sent::unlogged(self.email.send(message).await),
            Channel::Webhook => self.webhook.send(message, target).await,
        }
    }
}

/// How one claimed message ended, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Retry,
    Dead,
    Deferred,
    Lost,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Dead => "dead",
            Self::Deferred => "deferred",
            Self::Lost => "claim_lost",
        }
    }
}

/// How long a woken worker waits before claiming, so a burst of commits is claimed together
/// and wake-ups never cost more than one claim per this interval.
const WAKE_SPACING: Duration = Duration::from_millis(20);

/// The running worker.
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    wake: Waker,
}

/// Tells an idle worker to look for due messages now instead of at its next poll; cheap (no
/// I/O), so the HTTP edge calls it after every successful change, one of which may have
/// written an outbox message.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    /// Wakes the worker (at most one pending wake-up is kept).
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

struct Inner {
    db: Db,
    settings: Settings,
    senders: Senders,
    instance: String,
    wake: Waker,
}

impl DeliveryWorker {
    /// Starts polling for due messages on the current runtime.
    pub fn start(db: Db, settings: Settings, senders: Senders, instance: String) -> Self {
        let (stop, stopped) = watch::channel(false);
        tracing::info!(
            instance = %instance,
            poll_ms = settings.poll_interval.as_millis() as u64,
            max_attempts = settings.retry.max_attempts,
            "outbox delivery worker started"
        );
        let wake = Waker::default();
        let inner = Arc::new(Inner {
            db,
            settings,
            senders,
            instance,
            wake: wake.clone(),
        });
        let task = tokio::spawn(run(inner, stopped));
        Self { stop, task, wake }
    }

    /// A handle that wakes this worker.
    pub fn waker(&self) -> Waker {
        self.wake.clone()
    }

    /// Stops claiming, lets the batch in progress finish within `grace`. A message cut off
    /// keeps its claim until the lease runs out; then any instance delivers it.
    pub async fn shutdown(self, grace: Duration) {
        self.stop.send_replace(true);
        match tokio::time::timeout(grace, self.task).await {
            Ok(_) => tracing::info!("outbox delivery worker stopped"),
            Err(_) => tracing::warn!("outbox deliveries still in progress at shutdown"),
        }
    }
}

/// Most outcomes written in one settling transaction.
const SETTLE_GROUP: usize = 1000;

/// How often the backlog gauge is refreshed while the worker is busy.
const BACKLOG_INTERVAL: Duration = Duration::from_secs(1);

/// A claimed message with what its sender needs.
struct Claimed {
    message: Message,
    target: Option<Target>,
}

/// What a finished delivery leaves for the settler.
enum Settlement {
    Sent {
        message: Message,
        sent: Sent,
        jitter: f64,
        started: Instant,
    },
    Deferred {
        message: Message,
        until: NaiveDateTime,
        started: Instant,
    },
}

impl Settlement {
    fn message(&self) -> &Message {
        match self {
            Self::Sent { message, .. } | Self::Deferred { message, .. } => message,
        }
    }

    fn started(&self) -> Instant {
        match self {
            Self::Sent { started, .. } | Self::Deferred { started, .. } => *started,
        }
    }
}

async fn run(inner: Arc<Inner>, mut stopped: watch::Receiver<bool>) {
    let capacity = usize::try_from(inner.settings.batch_size)
        .unwrap_or(1)
        .clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(capacity));
    // Claim again once half the slots are free, so claims stay batched under load.
    let refill = u32::try_from(capacity.div_ceil(2)).unwrap_or(1);
    let (settled, outcomes) = mpsc::unbounded_channel();
    let settler = tokio::spawn(settle_loop(inner.clone(), outcomes));
    let mut backlog_refreshed: Option<Instant> = None;
    loop {
        let mut permits = tokio::select! {
            permits = slots.clone().acquire_many_owned(refill) => match permits {
                Ok(permits) => permits,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        if *stopped.borrow() {
            break;
        }
        let free = u32::try_from(slots.available_permits()).unwrap_or(0);
        if free > 0
            && let Ok(more) = slots.clone().try_acquire_many_owned(free)
        {
            permits.merge(more);
        }
        let room = permits.num_permits();
        let claimed = match claim(&inner, room).await {
            Ok(claimed) => claimed,
            Err(error) => {
                metrics::counter!("linli_outbox_claim_errors_total").increment(1);
                tracing::warn!(%error, "cannot claim outbox messages");
                Vec::new()
            }
        };
        let count = claimed.len();
        for item in claimed {
            let permit = permits.split(1);
            let (inner, settled) = (inner.clone(), settled.clone());
            tokio::spawn(async move {
                let settlement = deliver(&inner, item).await;
                // The settler outlives every send; a closed channel means the process is going.
                let _ = settled.send(settlement);
                drop(permit);
            });
        }
        drop(permits);
        if backlog_refreshed.is_none_or(|at| at.elapsed() >= BACKLOG_INTERVAL) {
            refresh_backlog(&inner).await;
            backlog_refreshed = Some(Instant::now());
        }
        // Fewer due than there was room for: the queue is drained, wait for news.
        if count < room {
            tokio::select! {
                () = tokio::time::sleep(inner.settings.poll_interval) => {}
                () = inner.wake.0.notified() => tokio::time::sleep(WAKE_SPACING).await,
                _ = stopped.changed() => break,
            }
        }
    }
    // Let the sends in flight finish, then settle what they left.
    let all = u32::try_from(capacity).unwrap_or(u32::MAX);
    let _in_flight_done = slots.acquire_many(all).await;
    drop(settled);
    let _ = settler.await;
}

async fn refresh_backlog(inner: &Inner) {
    match inner.db.run(store::pending_count).await {
        #[expect(clippy::cast_precision_loss, reason = "a backlog fits a float")]
        Ok(pending) => metrics::gauge!("linli_outbox_pending").set(pending as f64),
        Err(error) => tracing::warn!(%error, "cannot count pending outbox messages"),
    }
}

/// Claims up to `room` due messages and, in the same transaction, reads the webhook endpoints
/// they go to.
async fn claim(inner: &Arc<Inner>, room: usize) -> Result<Vec<Claimed>, StoreError> {
    let (instance, lease) = (inner.instance.clone(), inner.settings.lease);
    let limit = i64::try_from(room).unwrap_or(i64::MAX);
    inner
        .db
        .run(move |conn| {
            // A claim lost in a crash only makes its messages due again: no flush needed.
            db::write_unflushed(conn, |conn| {
                let messages = store::claim_due(conn, now_utc(), &instance, lease, limit)?;
                let endpoint = |message: &Message| {
                    (message.channel == Channel::Webhook)
                        .then(|| webhooks::endpoint_of(message).ok())
                        .flatten()
                };
                let wanted: Vec<EndpointId> = messages.iter().filter_map(endpoint).collect();
                let targets = webhook_store::targets(conn, &wanted)?;
                Ok(messages
                    .into_iter()
                    .map(|message| Claimed {
                        target: endpoint(&message).and_then(|id| targets.get(&id).cloned()),
                        message,
                    })
                    .collect())
            })
        })
        .await
}

async fn deliver(inner: &Inner, claimed: Claimed) -> Settlement {
    let started = Instant::now();
    let Claimed { message, target } = claimed;
    if let Some(until) = hold_for_quiet_hours(inner, &message) {
        return Settlement::Deferred {
            message,
            until,
            started,
        };
    }
    let sent = inner.senders.dispatch(&message, target).await;
    Settlement::Sent {
        message,
        sent,
        jitter: rand::random(),
        started,
    }
}

/// Non-urgent emails wait through quiet hours (22:00–08:00 in the configured zone).
fn hold_for_quiet_hours(inner: &Inner, message: &Message) -> Option<NaiveDateTime> {
    if message.channel != Channel::Email {
        return None;
    }
    let urgent = notifications::notice_of(&message.payload)
        .is_some_and(|notice| notice.urgency() == Urgency::Urgent);
    if urgent {
        return None;
    }
    notice_rules::quiet_until(now_utc(), inner.settings.zone)
}

/// Writes outcomes as they arrive, everything that arrived meanwhile in one transaction.
async fn settle_loop(inner: Arc<Inner>, mut outcomes: mpsc::UnboundedReceiver<Settlement>) {
    let mut group = Vec::new();
    while outcomes.recv_many(&mut group, SETTLE_GROUP).await > 0 {
        settle_group(&inner, std::mem::take(&mut group)).await;
    }
}

/// What settling one message recorded.
#[derive(Debug, Clone, Copy)]
struct Settled {
    outcome: Outcome,
    endpoint_disabled: bool,
}

async fn settle_group(inner: &Arc<Inner>, group: Vec<Settlement>) {
    let (instance, policy) = (inner.instance.clone(), inner.settings.retry);
    let window = inner.senders.webhook.failure_window();
    let written = inner
        .db
        .run(move |conn| {
            let result = db::write(conn, |conn| {
                apply_group(conn, &group, &instance, &policy, window)
            });
            match result {
                Ok(settled) => Ok::<_, StoreError>((group, settled)),
                // One message must not hold back the others: settle each on its own.
                Err(error) => {
                    tracing::warn!(%error, "cannot settle a group of deliveries at once; settling each");
                    let settled = group
                        .iter()
                        .map(|settlement| {
                            db::write(conn, |conn| apply(conn, settlement, &instance, &policy, window))
                                .unwrap_or_else(|error| {
                                    tracing::error!(id = %settlement.message().id, %error, "cannot record a delivery outcome; its claim will lapse and it will be tried again");
                                    Settled { outcome: Outcome::Lost, endpoint_disabled: false }
                                })
                        })
                        .collect();
                    Ok((group, settled))
                }
            }
        })
        .await;
    match written {
        Ok((group, settled)) => {
            for (settlement, settled) in group.iter().zip(settled) {
                report(settlement, settled);
            }
        }
        Err(error) => {
            tracing::error!(%error, "cannot reach the store to record delivery outcomes; their claims will lapse");
        }
    }
}

/// Records a group of outcomes inside one transaction: the deliveries (the bulk of them)
/// set-based, the failures and deferrals one by one.
fn apply_group(
    conn: &mut AnyConnection,
    group: &[Settlement],
    instance: &str,
    policy: &RetryPolicy,
    window: chrono::TimeDelta,
) -> Result<Vec<Settled>, StoreError> {
    let delivered = |settlement: &Settlement| match settlement {
        Settlement::Sent { sent, .. } => sent.result.is_ok(),
        Settlement::Deferred { .. } => false,
    };
    let successes: Vec<(EndpointId, &linli_domain::webhooks::Attempt)> = group
        .iter()
        .filter(|settlement| delivered(settlement))
        .filter_map(|settlement| match settlement {
            Settlement::Sent { sent, .. } => sent.log.as_ref(),
            Settlement::Deferred { .. } => None,
        })
        .map(|log| (log.endpoint, &log.attempt))
        .collect();
    webhook_store::record_successes(conn, &successes)?;
    let ids: Vec<outbox::MessageId> = group
        .iter()
        .filter(|settlement| delivered(settlement))
        .map(|settlement| settlement.message().id.clone())
        .collect();
    let recorded = store::mark_all_delivered(conn, &ids, instance, now_utc())?;
    group
        .iter()
        .map(|settlement| {
            if !delivered(settlement) {
                return apply(conn, settlement, instance, policy, window);
            }
            let outcome = if recorded.contains(settlement.message().id.as_str()) {
                Outcome::Delivered
            } else {
                Outcome::Lost
            };
            Ok(Settled {
                outcome,
                endpoint_disabled: false,
            })
        })
        .collect()
}

/// Records one outcome inside the settling transaction.
fn apply(
    conn: &mut AnyConnection,
    settlement: &Settlement,
    instance: &str,
    policy: &RetryPolicy,
    window: chrono::TimeDelta,
) -> Result<Settled, StoreError> {
    let now = now_utc();
    let (message, sent, jitter) = match settlement {
        Settlement::Deferred { message, until, .. } => {
            let outcome = if store::defer(conn, &message.id, instance, *until)? {
                Outcome::Deferred
            } else {
                Outcome::Lost
            };
            return Ok(Settled {
                outcome,
                endpoint_disabled: false,
            });
        }
        Settlement::Sent {
            message,
            sent,
            jitter,
            ..
        } => (message, sent, *jitter),
    };
    let mut endpoint_disabled = false;
    if let Some(log) = &sent.log {
        let recorded = webhook_usecases::record_attempt(conn, log.endpoint, &log.attempt, window)?;
        endpoint_disabled = recorded == Recorded::Disabled;
    }
    let outcome = match &sent.result {
        Ok(()) => {
            if store::mark_delivered(conn, &message.id, instance, now)? {
                Outcome::Delivered
            } else {
                Outcome::Lost
            }
        }
        Err(failure) => {
            match store::mark_failed(conn, &message.id, instance, now, failure, policy, jitter)? {
                Some(AfterFailure::Retry(_)) => Outcome::Retry,
                Some(AfterFailure::Dead) => Outcome::Dead,
                None => Outcome::Lost,
            }
        }
    };
    Ok(Settled {
        outcome,
        endpoint_disabled,
    })
}

/// Logs and counts one settled message.
fn report(settlement: &Settlement, settled: Settled) {
    let message = settlement.message();
    let channel = message.channel.as_str();
    metrics::counter!("linli_outbox_deliveries_total", "channel" => channel, "outcome" => settled.outcome.as_str())
        .increment(1);
    metrics::histogram!("linli_outbox_delivery_duration_seconds", "channel" => channel)
        .record(settlement.started().elapsed().as_secs_f64());
    if settled.endpoint_disabled {
        tracing::warn!(recipient = %message.recipient, "webhook endpoint disabled after failing for the whole failure window");
    }
    let failure = match settlement {
        Settlement::Sent { sent, .. } => sent.result.as_ref().err(),
        Settlement::Deferred { .. } => None,
    };
    match (settled.outcome, failure) {
        (Outcome::Delivered, _) => {
            tracing::info!(id = %message.id, channel, topic = %message.topic, attempt = message.attempts, "outbox message delivered");
        }
        (Outcome::Deferred, _) => {
            tracing::info!(id = %message.id, topic = %message.topic, "email held until quiet hours end");
        }
        (Outcome::Retry, Some(failure)) => {
            tracing::warn!(id = %message.id, topic = %message.topic, attempt = message.attempts, reason = %failure.reason, "outbox delivery failed; will retry");
        }
        (Outcome::Dead, Some(failure)) => {
            tracing::error!(id = %message.id, topic = %message.topic, attempt = message.attempts, permanent = failure.permanent, reason = %failure.reason, "outbox message is dead");
        }
        (Outcome::Lost, _) => {
            tracing::warn!(id = %message.id, "the claim was taken over before the outcome was recorded; the message may be delivered again");
        }
        (Outcome::Retry | Outcome::Dead, None) => {}
    }
}
