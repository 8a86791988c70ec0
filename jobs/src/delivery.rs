//! The outbox delivery worker `linli serve` runs beside the scheduler: it claims due messages
//! (several instances share the queue: SKIP LOCKED on PostgreSQL, guarded claims on SQLite),
//! hands each to its channel's sender, and records the outcome: delivered, retried after an
//! exponential backoff with jitter, or dead after too many attempts. A message committed just
//! before a crash is still pending after the restart, and is delivered then.
//!
//! The work is a pipeline, so that neither the database nor the network waits for the other.
//! One loop keeps up to `batch_size` sends in flight, each its own task so posts spread over
//! every core, from a local queue of claimed messages; the queue is refilled by claims of many
//! messages at once, asked for while it still holds work, so sends never wait for a claim. The
//! claim size adapts: it doubles while the queue runs dry before a claim returns and halves
//! when claimed messages wait too long, so a slow receiver never keeps messages claimed for
//! long. All writing goes through one keeper task: each round it records every outcome that
//! arrived meanwhile (delivery-log lines, endpoint state, the outbox rows) and makes the claim
//! asked for, in one transaction — one commit per round instead of two per message, and on
//! SQLite no waiting between a worker's own claim and settle for the write lock. On
//! PostgreSQL the claim runs beside the round, on its own connection.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use futures_util::stream::{FuturesUnordered, StreamExt};
use linli_domain::db::{self, AnyConnection, Db, StoreError};
use linli_domain::notifications::{self, Urgency, rules as notice_rules};
use linli_domain::outbox::{self, AfterFailure, Channel, Message, RetryPolicy, store};
use linli_domain::time::now_utc;
use linli_domain::webhooks::store::{self as webhook_store, Recorded};
use linli_domain::webhooks::{EndpointId, usecases as webhook_usecases};
use tokio::sync::{Notify, mpsc, oneshot, watch};

use crate::email::EmailSender;
use crate::webhooks::{self, PreparedTarget, Sent, WebhookSender};

/// Why one attempt failed, as a sender reports it: `permanent` makes the message dead at once.
pub type DeliveryFailure = outbox::Failure;

/// What the worker needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an idle worker waits before looking for due messages again.
    pub poll_interval: Duration,
    /// Most messages being sent at once (claims may hold more, queued, see the module docs).
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
    pub async fn dispatch(&self, message: &Message, target: Option<&PreparedTarget>) -> Sent {
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
    Released,
    Lost,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Dead => "dead",
            Self::Deferred => "deferred",
            Self::Released => "released",
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

    /// Stops claiming, hands claimed messages not yet sent back to the queue, and lets the
    /// sends in progress finish within `grace`. A message cut off keeps its claim until the
    /// lease runs out; then any instance delivers it.
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

/// Most messages one claim takes.
const MAX_CLAIM: usize = 1000;

/// Longest a claimed message should wait in the local queue: a claim that waited longer
/// halves the claim size.
const QUEUE_WAIT: Duration = Duration::from_millis(500);

/// A claimed message with what its sender needs.
struct Claimed {
    message: Message,
    target: Option<Arc<PreparedTarget>>,
    claimed_at: Instant,
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
    /// Claimed but not sent (the worker is stopping, or the message waited so long that its
    /// claim might lapse during the send): handed back, due at once, the attempt not counted.
    Released { message: Message, started: Instant },
}

impl Settlement {
    fn message(&self) -> &Message {
        match self {
            Self::Sent { message, .. }
            | Self::Deferred { message, .. }
            | Self::Released { message, .. } => message,
        }
    }

    fn started(&self) -> Instant {
        match self {
            Self::Sent { started, .. }
            | Self::Deferred { started, .. }
            | Self::Released { started, .. } => *started,
        }
    }
}

/// How many messages the next claim asks for: starts at the send concurrency, doubles while
/// sends wait for claims, halves when claimed messages wait in the queue too long.
struct ClaimSize {
    size: usize,
    least: usize,
    starved: bool,
    /// The claim whose slow queue last halved the size (once per claim).
    halved_for: Option<Instant>,
}

impl ClaimSize {
    fn new(concurrency: usize) -> Self {
        let least = concurrency.clamp(1, MAX_CLAIM);
        Self {
            size: least,
            least,
            starved: false,
            halved_for: None,
        }
    }

    /// Claim again once the queue is down to this.
    fn low_water(&self) -> usize {
        self.size / 2
    }

    /// A send slot was free, the queue empty and a claim on its way.
    fn starve(&mut self) {
        self.starved = true;
    }

    /// A claim came back full: it was too small if sends waited for it.
    fn filled(&mut self) {
        if std::mem::take(&mut self.starved) {
            self.size = (self.size * 2).min(MAX_CLAIM);
        }
    }

    /// A message of the claim made at `claimed_at` waited `waited` in the queue.
    fn waited(&mut self, claimed_at: Instant, waited: Duration) {
        if waited > QUEUE_WAIT && self.halved_for != Some(claimed_at) {
            self.halved_for = Some(claimed_at);
            self.size = (self.size / 2).max(self.least);
        }
    }
}

type Pending<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Awaits `future` when there is one; never completes otherwise (a disabled `select!` arm).
async fn maybe<T>(future: &mut Option<Pending<T>>) -> T {
    match future {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

/// Awaits the claim asked for, when there is one (an empty claim if the keeper is gone);
/// never completes otherwise.
async fn maybe_reply(
    claiming: &mut Option<(usize, oneshot::Receiver<Vec<Claimed>>)>,
) -> Vec<Claimed> {
    match claiming {
        Some((_, claimed)) => claimed.await.unwrap_or_default(),
        None => std::future::pending().await,
    }
}

async fn run(inner: Arc<Inner>, mut stopped: watch::Receiver<bool>) {
    let concurrency = usize::try_from(inner.settings.batch_size)
        .unwrap_or(1)
        .max(1);
    let (store, work) = mpsc::unbounded_channel();
    let keeper = tokio::spawn(keep_store(inner.clone(), work));
    let mut queue: VecDeque<Claimed> = VecDeque::new();
    let mut sending = FuturesUnordered::new();
    // The claim asked of the keeper: its room and where the claimed messages will come.
    let mut claiming: Option<(usize, oneshot::Receiver<Vec<Claimed>>)> = None;
    // Set while the queue is drained: the next claim waits for it (the poll or a wake-up).
    let mut idle: Option<Pending<()>> = None;
    let mut claim_size = ClaimSize::new(concurrency);
    let mut backlog_refreshed: Option<Instant> = None;
    let mut stopping = *stopped.borrow();
    // Half the lease: a message queued longer is handed back rather than sent late.
    let stale = inner.settings.lease / 2;
    loop {
        while !stopping && sending.len() < concurrency {
            let Some(claimed) = queue.pop_front() else {
                if claiming.is_some() {
                    claim_size.starve();
                }
                break;
            };
            let waited = claimed.claimed_at.elapsed();
            claim_size.waited(claimed.claimed_at, waited);
            if waited > stale {
                let _ = store.send(Work::Settle(Settlement::Released {
                    message: claimed.message,
                    started: Instant::now(),
                }));
                continue;
            }
            // A task per send, so signing, building and reading the posts of one worker
            // spread over every core instead of sharing this task's.
            sending.push(tokio::spawn(deliver(inner.clone(), claimed)));
        }
        if !stopping
            && claiming.is_none()
            && idle.is_none()
            && queue.len() <= claim_size.low_water()
        {
            let room = claim_size.size.saturating_sub(queue.len()).max(1);
            let (reply, claimed) = oneshot::channel();
            if store.send(Work::Claim { room, reply }).is_ok() {
                claiming = Some((room, claimed));
            }
            if backlog_refreshed.is_none_or(|at| at.elapsed() >= BACKLOG_INTERVAL) {
                tokio::spawn(refresh_backlog(inner.clone()));
                backlog_refreshed = Some(Instant::now());
            }
        }
        if stopping && claiming.is_none() && sending.is_empty() {
            break;
        }
        tokio::select! {
            Some(sent) = sending.next(), if !sending.is_empty() => match sent {
                // The keeper outlives every send; a closed channel means the process is going.
                Ok(settlement) => { let _ = store.send(Work::Settle(settlement)); }
                Err(error) => tracing::error!(%error, "a delivery task failed; its message is sent again once its claim lapses"),
            },
            claimed = maybe_reply(&mut claiming) => {
                let room = claiming.take().map_or(0, |(room, _)| room);
                if claimed.len() < room {
                    // Fewer due than there was room for: the queue is drained, wait for news.
                    idle = Some(Box::pin(tokio::time::sleep(inner.settings.poll_interval)));
                } else {
                    claim_size.filled();
                }
                queue.extend(claimed);
            }
            () = maybe(&mut idle) => idle = None,
            () = inner.wake.0.notified(), if idle.is_some() => {
                idle = Some(Box::pin(tokio::time::sleep(WAKE_SPACING)));
            }
            _ = stopped.changed(), if !stopping => stopping = true,
        }
    }
    // Hand back what was claimed but not sent, so any instance may send it at once.
    for claimed in queue {
        let _ = store.send(Work::Settle(Settlement::Released {
            message: claimed.message,
            started: Instant::now(),
        }));
    }
    drop(store);
    let _ = keeper.await;
}

/// Refreshes the backlog gauge (pending messages) for `/metrics`.
async fn refresh_backlog(inner: Arc<Inner>) {
    match inner.db.run(store::pending_count).await {
        #[expect(clippy::cast_precision_loss, reason = "a backlog fits a float")]
        Ok(pending) => metrics::gauge!("linli_outbox_pending").set(pending as f64),
        Err(error) => tracing::warn!(%error, "cannot count pending outbox messages"),
    }
}

/// Claims up to `room` due messages and reads the webhook endpoints they go to, each prepared
/// once for all its messages. Call inside a write transaction.
fn claim_in(
    conn: &mut AnyConnection,
    instance: &str,
    lease: Duration,
    room: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let limit = i64::try_from(room).unwrap_or(i64::MAX);
    let messages = store::claim_due(conn, now_utc(), instance, lease, limit)?;
    let endpoint = |message: &Message| {
        (message.channel == Channel::Webhook)
            .then(|| webhooks::endpoint_of(message).ok())
            .flatten()
    };
    let mut wanted: Vec<EndpointId> = messages.iter().filter_map(endpoint).collect();
    wanted.sort_unstable_by_key(|id| id.0);
    wanted.dedup();
    let targets: HashMap<EndpointId, Arc<PreparedTarget>> = webhook_store::targets(conn, &wanted)?
        .into_iter()
        .map(|(id, target)| (id, Arc::new(PreparedTarget::new(&target))))
        .collect();
    let claimed_at = Instant::now();
    Ok(messages
        .into_iter()
        .map(|message| Claimed {
            target: endpoint(&message).and_then(|id| targets.get(&id).cloned()),
            message,
            claimed_at,
        })
        .collect())
}

async fn deliver(inner: Arc<Inner>, claimed: Claimed) -> Settlement {
    let started = Instant::now();
    let Claimed {
        message, target, ..
    } = claimed;
    if let Some(until) = hold_for_quiet_hours(&inner, &message) {
        return Settlement::Deferred {
            message,
            until,
            started,
        };
    }
    let sent = inner.senders.dispatch(&message, target.as_deref()).await;
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
    let urgent = message
        .payload_json()
        .as_ref()
        .and_then(notifications::notice_of)
        .is_some_and(|notice| notice.urgency() == Urgency::Urgent);
    if urgent {
        return None;
    }
    notice_rules::quiet_until(now_utc(), inner.settings.zone)
}

/// What the send loop asks of the keeper of the store.
#[expect(
    clippy::large_enum_variant,
    reason = "settlements are nearly every item; boxing them would allocate once per message"
)]
enum Work {
    /// Record how a delivery ended.
    Settle(Settlement),
    /// Claim up to `room` due messages and hand them back.
    Claim {
        room: usize,
        reply: oneshot::Sender<Vec<Claimed>>,
    },
}

/// What settling one message recorded.
#[derive(Debug, Clone, Copy)]
struct Settled {
    outcome: Outcome,
    endpoint_disabled: bool,
}

/// The one task that writes: everything asked of it meanwhile goes into one transaction —
/// the outcomes that arrived (delivery-log lines, endpoint state, outbox rows) and the claim
/// the send loop waits for. One writer per worker means settling and claiming never wait for
/// each other's lock, and a round costs one commit instead of two.
async fn keep_store(inner: Arc<Inner>, mut work: mpsc::UnboundedReceiver<Work>) {
    let concurrent_claims = inner.db.engine() == "postgres";
    let mut asked = Vec::new();
    while work.recv_many(&mut asked, SETTLE_GROUP).await > 0 {
        let mut group = Vec::with_capacity(asked.len());
        let mut claim = None;
        for item in asked.drain(..) {
            match item {
                Work::Settle(settlement) => group.push(settlement),
                // PostgreSQL runs the claim beside the settling round instead of inside it:
                // its rows are locked only by the claim (SKIP LOCKED), and the server works
                // on both at once.
                Work::Claim { room, reply } if concurrent_claims => {
                    let inner = inner.clone();
                    tokio::spawn(async move {
                        let (_, claimed) = write_round(&inner, Vec::new(), Some(room)).await;
                        let _ = reply.send(claimed);
                    });
                }
                Work::Claim { room, reply } => claim = Some((room, reply)),
            }
        }
        if group.is_empty() && claim.is_none() {
            continue;
        }
        let room = claim.as_ref().map(|(room, _)| *room);
        let (settled, claimed) = write_round(&inner, group, room).await;
        if let Some((_, reply)) = claim {
            // A dropped reply means the send loop has stopped; the claims lapse.
            let _ = reply.send(claimed);
        }
        for (settlement, settled) in &settled {
            report(settlement, *settled);
        }
    }
}

/// One round of the keeper: settles `group` and claims `room` messages in one transaction.
/// A claim alone is not flushed (lost in a crash, its messages are simply due again). When the
/// round fails as a whole, each outcome is settled on its own and the claim after them, so one
/// bad message never holds back the others.
async fn write_round(
    inner: &Arc<Inner>,
    group: Vec<Settlement>,
    room: Option<usize>,
) -> (Vec<(Settlement, Settled)>, Vec<Claimed>) {
    let (instance, policy, lease) = (
        inner.instance.clone(),
        inner.settings.retry,
        inner.settings.lease,
    );
    let window = inner.senders.webhook.failure_window();
    let written = inner
        .db
        .run(move |conn| {
            let round = |conn: &mut AnyConnection| {
                let settled = apply_group(conn, &group, &instance, &policy, window)?;
                let claimed = match room {
                    Some(room) => claim_in(conn, &instance, lease, room)?,
                    None => Vec::new(),
                };
                Ok::<_, StoreError>((settled, claimed))
            };
            let result = if group.is_empty() {
                db::write_unflushed(conn, round)
            } else {
                db::write(conn, round)
            };
            let (settled, claimed) = result.unwrap_or_else(|error| {
                tracing::warn!(%error, outcomes = group.len(), claim = room.is_some(), "cannot write the delivery round at once; settling each outcome on its own, then claiming");
                settle_each(conn, &group, &instance, &policy, window, room.map(|room| (room, lease)))
            });
            Ok::<_, StoreError>((group.into_iter().zip(settled).collect(), claimed))
        })
        .await;
    written.unwrap_or_else(|error| {
        if room.is_some() {
            metrics::counter!("linli_outbox_claim_errors_total").increment(1);
        }
        tracing::error!(%error, "cannot reach the store to record delivery outcomes or claim; claims will lapse");
        (Vec::new(), Vec::new())
    })
}

/// The fallback of a failed round: each outcome in its own transaction, then the claim.
fn settle_each(
    conn: &mut AnyConnection,
    group: &[Settlement],
    instance: &str,
    policy: &RetryPolicy,
    window: chrono::TimeDelta,
    claim: Option<(usize, Duration)>,
) -> (Vec<Settled>, Vec<Claimed>) {
    let settled = group
        .iter()
        .map(|settlement| {
            db::write(conn, |conn| apply(conn, settlement, instance, policy, window))
                .unwrap_or_else(|error| {
                    tracing::error!(id = %settlement.message().id, %error, "cannot record a delivery outcome; its claim will lapse and it will be tried again");
                    Settled { outcome: Outcome::Lost, endpoint_disabled: false }
                })
        })
        .collect();
    let claimed = claim.map_or_else(Vec::new, |(room, lease)| {
        db::write_unflushed(conn, |conn| claim_in(conn, instance, lease, room)).unwrap_or_else(
            |error| {
                metrics::counter!("linli_outbox_claim_errors_total").increment(1);
                tracing::warn!(%error, "cannot claim outbox messages");
                Vec::new()
            },
        )
    });
    (settled, claimed)
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
        Settlement::Deferred { .. } | Settlement::Released { .. } => false,
    };
    let successes: Vec<(EndpointId, &linli_domain::webhooks::Attempt)> = group
        .iter()
        .filter(|settlement| delivered(settlement))
        .filter_map(|settlement| match settlement {
            Settlement::Sent { sent, .. } => sent.log.as_ref(),
            Settlement::Deferred { .. } | Settlement::Released { .. } => None,
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
        Settlement::Released { message, .. } => {
            let outcome = if store::defer(conn, &message.id, instance, now)? {
                Outcome::Released
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
        Settlement::Deferred { .. } | Settlement::Released { .. } => None,
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
        (Outcome::Released, _) => {
            tracing::info!(id = %message.id, topic = %message.topic, "claimed message handed back unsent");
        }
        (Outcome::Lost, _) => {
            tracing::warn!(id = %message.id, "the claim was taken over before the outcome was recorded; the message may be delivered again");
        }
        (Outcome::Retry | Outcome::Dead, None) => {}
    }
}
