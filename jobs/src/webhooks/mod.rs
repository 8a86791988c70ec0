//! The webhook channel of the outbox: posts one message to its endpoint, signed the Standard
//! Webhooks way, records the attempt in the endpoint's delivery log and tells the worker
//! whether to retry. The address guard runs again here, on the addresses the host resolves to
//! at delivery time, so a name that re-points to a private address (DNS rebinding) is never
//! reached; redirects are never followed.

mod resolver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use linli_domain::outbox::Message;
use linli_domain::time::now_utc;
use linli_domain::webhooks::guard::{self, AllowList};
use linli_domain::webhooks::rules::{Signer, StatusOutcome, TargetUrl, check_url, status_outcome};
use linli_domain::webhooks::store::Target;
use linli_domain::webhooks::{Attempt, EndpointId};

use crate::delivery::DeliveryFailure;

/// Most bytes of a receiver's answer read (and then dropped) so the connection can be reused.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What the webhook channel needs from configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Targets allowed although the guard would refuse them.
    pub allow: AllowList,
    /// How long one attempt may take, connecting included.
    pub timeout: Duration,
    /// How long an endpoint may fail without a success before it is disabled.
    pub failure_window: TimeDelta,
}

/// The endpoint a webhook message is addressed to.
pub fn endpoint_of(message: &Message) -> Result<EndpointId, DeliveryFailure> {
    message
        .recipient
        .parse::<i64>()
        .map(EndpointId)
        .map_err(|_| give_up(format!("`{}` is no endpoint id", message.recipient)))
}

/// An endpoint ready to be posted to, prepared once per claim and shared by every message of
/// the claim that goes to it: the URL parsed and the signing key state computed.
#[derive(Debug)]
pub struct PreparedTarget {
    /// Whether deliveries are sent (a disabled endpoint's messages are dead).
    enabled: bool,
    /// The URL, or why the stored one is unusable.
    url: Result<TargetUrl, String>,
    /// Signs with the endpoint's secret.
    signer: Signer,
}

impl PreparedTarget {
    /// Prepares `target` for posting.
    pub fn new(target: &Target) -> Self {
        Self {
            enabled: target.endpoint.enabled(),
            url: check_url(&target.endpoint.url).map_err(|e| e.to_string()),
            signer: Signer::new(&target.secret),
        }
    }
}

/// One attempt as the endpoint's delivery log keeps it.
#[derive(Debug, Clone)]
pub struct AttemptLog {
    /// The endpoint posted to.
    pub endpoint: EndpointId,
    /// What happened.
    pub attempt: Attempt,
}

/// What one send did: its outcome and, when a post was tried, the log line to write.
#[derive(Debug)]
pub struct Sent {
    /// Delivered, or why not.
    pub result: Result<(), DeliveryFailure>,
    /// The delivery-log line, written when the outcome is settled.
    pub log: Option<AttemptLog>,
}

impl Sent {
    /// An outcome decided before any post (nothing to log).
    pub fn unlogged(result: Result<(), DeliveryFailure>) -> Self {
        Self { result, log: None }
    }
}

/// A failure worth retrying (the receiver may come back).
fn retry(reason: String) -> DeliveryFailure {
    DeliveryFailure {
        permanent: false,
        reason,
    }
}

/// A failure no retry can cure (the endpoint is gone or disabled): the message is dead.
fn give_up(reason: String) -> DeliveryFailure {
    DeliveryFailure {
        permanent: true,
        reason,
    }
}

/// The webhook HTTP client could not be built (no TLS backend, …).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct WebhookSetupError(#[from] reqwest::Error);

/// Sends webhook messages; one per worker, cheap to clone, keeps connections alive.
#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    settings: Arc<WebhookSettings>,
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

impl WebhookSender {
    /// A sender whose client resolves names through the address guard, follows no redirects
    /// and gives each attempt `settings.timeout`.
    pub fn new(settings: WebhookSettings) -> Result<Self, WebhookSetupError> {
        let settings = Arc::new(settings);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver::GuardedResolver::new(
                settings.allow.clone(),
            )))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("Linli-Webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self { client, settings })
    }

    /// Posts `message` to `target` (read and prepared with the claimed batch, see
    /// [`endpoint_of`]) and
    /// describes the attempt for the endpoint's delivery log, which the worker writes together
    /// with the message's outcome. `Ok` when the receiver answered 2xx; a retryable failure for
    /// any other answer, a transport error, a timeout or a refused address; a permanent one when
    /// the endpoint was removed or disabled.
    pub async fn send(&self, message: &Message, target: Option<&PreparedTarget>) -> Sent {
        let endpoint = match endpoint_of(message) {
            Ok(endpoint) => endpoint,
            Err(failure) => return Sent::unlogged(Err(failure)),
        };
        let Some(target) = target else {
            return Sent::unlogged(Err(give_up(format!(
                "webhook endpoint {} was removed",
                endpoint.0
            ))));
        };
        if !target.enabled {
            return Sent::unlogged(Err(give_up(format!(
                "webhook endpoint {} is disabled",
                endpoint.0
            ))));
        }
        let started_at = now_utc();
        let clock = Instant::now();
        let outcome = self.post(target, message, started_at).await;
        let duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match &outcome {
            Ok(status) => (Some(*status), None),
            Err(reason) => (None, Some(reason.clone())),
        };
        let succeeded = matches!(
            status_code.map(status_outcome),
            Some(StatusOutcome::Delivered)
        );
        metrics::counter!(
            "linli_webhook_attempts_total",
            "outcome" => if succeeded { "delivered" } else { "failed" }
        )
        .increment(1);
        metrics::histogram!("linli_webhook_attempt_duration_seconds")
            .record(clock.elapsed().as_secs_f64());
        let result = match (succeeded, status_code, &error) {
            (true, _, _) => Ok(()),
            (false, Some(status), _) => Err(retry(format!("the receiver answered HTTP {status}"))),
            (false, None, reason) => Err(retry(reason.clone().unwrap_or_default())),
        };
        let attempt = Attempt {
            message_id: message.id.as_str().to_owned(),
            event: message.topic.clone(),
            attempt: message.attempts.max(1),
            attempted_at: started_at,
            status_code,
            error,
            duration_ms,
            succeeded,
        };
        Sent {
            result,
            log: Some(AttemptLog { endpoint, attempt }),
        }
    }

    /// How long an endpoint may fail without a success before it is disabled.
    pub fn failure_window(&self) -> TimeDelta {
        self.settings.failure_window
    }

    /// One HTTP post; the receiver's status, or why there was none.
    async fn post(
        &self,
        target: &PreparedTarget,
        message: &Message,
        at: NaiveDateTime,
    ) -> Result<u16, String> {
        let url = target.url.as_ref().map_err(Clone::clone)?;
        if let Some(ip) = url.ip_literal() {
            guard::check(&self.settings.allow, &url.host(), ip).map_err(|e| e.to_string())?;
        }
        let timestamp = at.and_utc().timestamp();
        // The stored JSON text as it is: every attempt of one message sends the same bytes.
        let body = message.payload.clone();
        let signature = target
            .signer
            .sign(message.id.as_str(), timestamp, body.as_bytes());
        let mut response = self
            .client
            .post(url.url().clone())
            .header("content-type", "application/json")
            .header("webhook-id", message.id.as_str())
            .header("webhook-timestamp", timestamp)
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        let mut read = 0;
        while read < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(status)
    }
}
