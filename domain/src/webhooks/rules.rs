//! Pure rules of webhooks: what a valid endpoint is, the Standard Webhooks signature, what
//! counts as delivered, when a failing endpoint is disabled, and the body every delivery
//! carries. Takes `now` as an argument; no store, no network.

use std::collections::BTreeSet;

use base64::Engine as _;
use chrono::{NaiveDateTime, TimeDelta};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{EndpointChanges, Event, NewEndpoint, Secret};

/// Most endpoints one organization may register.
pub const MAX_ENDPOINTS: i64 = 20;
/// Longest accepted URL.
const MAX_URL_CHARS: usize = 2048;
/// Longest description.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// A checked target: an absolute http(s) URL with a host, no credentials, no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    url: url::Url,
}

impl TargetUrl {
    /// The URL as posted to.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The host as written (no brackets around IPv6 literals).
    pub fn host(&self) -> String {
        match self.url.host() {
            Some(url::Host::Ipv6(v6)) => v6.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        }
    }

    /// The port, the scheme's default when none is written.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    /// The parsed URL, for an HTTP client that would otherwise parse the text again.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The address itself when the host is an IP literal (never resolved, checked as is).
    pub fn ip_literal(&self) -> Option<std::net::IpAddr> {
        match self.url.host() {
            Some(url::Host::Ipv4(v4)) => Some(v4.into()),
            Some(url::Host::Ipv6(v6)) => Some(v6.into()),
            _ => None,
        }
    }
}

/// One rule an endpoint request broke, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not an absolute URL.
    #[error("url: not an absolute URL")]
    UrlMalformed,
    /// A scheme other than http or https.
    #[error("url: only http and https are allowed")]
    UrlScheme,
    /// User name or password in the URL, or a fragment.
    #[error("url: must not carry credentials or a fragment")]
    UrlParts,
    /// Longer than 2048 characters.
    #[error("url: at most 2048 characters")]
    UrlLength,
    /// Longer than 500 characters.
    #[error("description: at most 500 characters")]
    DescriptionLength,
    /// No event was named.
    #[error("events: name at least one event")]
    NoEvents,
    /// `webhook.test` is sent on demand, not subscribed to.
    #[error("events: webhook.test cannot be subscribed to; send it with the test operation")]
    TestEvent,
}

impl InputError {
    /// The request field the error concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UrlMalformed | Self::UrlScheme | Self::UrlParts | Self::UrlLength => "url",
            Self::DescriptionLength => "description",
            Self::NoEvents | Self::TestEvent => "events",
        }
    }

    /// A stable code for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UrlMalformed => "malformed",
            Self::UrlScheme => "scheme_not_allowed",
            Self::UrlParts => "not_allowed",
            Self::UrlLength | Self::DescriptionLength => "length",
            Self::NoEvents => "too_few",
            Self::TestEvent => "not_allowed",
        }
    }
}

/// Checks a target URL.
pub fn check_url(raw: &str) -> Result<TargetUrl, InputError> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(InputError::UrlLength);
    }
    let url = url::Url::parse(raw).map_err(|_| InputError::UrlMalformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(InputError::UrlScheme);
    }
    if url.host().is_none() {
        return Err(InputError::UrlMalformed);
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(InputError::UrlParts);
    }
    Ok(TargetUrl { url })
}

fn check_description(raw: &str) -> Result<String, InputError> {
    let description = raw.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(InputError::DescriptionLength);
    }
    Ok(description.to_owned())
}

fn check_events(events: &[Event]) -> Result<BTreeSet<Event>, InputError> {
    if events.is_empty() {
        return Err(InputError::NoEvents);
    }
    if events.contains(&Event::WebhookTest) {
        return Err(InputError::TestEvent);
    }
    Ok(events.iter().copied().collect())
}

/// Checks an endpoint request: an http(s) URL, a short description, at least one event
/// (duplicates collapse). Every broken rule is reported.
pub fn check_new_endpoint(
    url: &str,
    description: &str,
    events: &[Event],
) -> Result<NewEndpoint, Vec<InputError>> {
    let url = check_url(url);
    let description = check_description(description);
    let events = check_events(events);
    match (url, description, events) {
        (Ok(url), Ok(description), Ok(events)) => Ok(NewEndpoint {
            url,
            description,
            events,
        }),
        (url, description, events) => Err([url.err(), description.err(), events.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Checks changes; absent fields stay as they are.
pub fn check_changes(
    url: Option<&str>,
    description: Option<&str>,
    events: Option<&[Event]>,
    enabled: Option<bool>,
) -> Result<EndpointChanges, Vec<InputError>> {
    let url = url.map(check_url).transpose();
    let description = description.map(check_description).transpose();
    let events = events.map(check_events).transpose();
    match (url, description, events) {
        (Ok(url), Ok(description), Ok(events)) => Ok(EndpointChanges {
            url,
            description,
            events,
            enabled,
        }),
        (url, description, events) => Err([url.err(), description.err(), events.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Events in their stored form: names separated by spaces, in a fixed order.
pub fn events_to_text(events: &BTreeSet<Event>) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses stored events; the unknown name, if any, as the error.
pub fn events_from_text(text: &str) -> Result<BTreeSet<Event>, String> {
    text.split_whitespace()
        .map(|name| Event::parse(name).ok_or_else(|| name.to_owned()))
        .collect()
}

/// The `webhook-signature` value: `v1,` + base64 of HMAC-SHA256 under the secret's key bytes
/// over `{id}.{timestamp}.{body}` (Standard Webhooks).
pub fn sign(secret: &Secret, message_id: &str, timestamp: i64, body: &[u8]) -> String {
    Signer::new(secret).sign(message_id, timestamp, body)
}

/// Signs many deliveries to one endpoint: the secret is decoded and the HMAC key state
/// (the inner and outer padded key blocks) computed once, then cloned for each message.
#[derive(Clone)]
pub struct Signer {
    keyed: Hmac<Sha256>,
}

impl Signer {
    /// A signer for deliveries under `secret`.
    pub fn new(secret: &Secret) -> Self {
        Self {
            keyed: <Hmac<Sha256> as Mac>::new_from_slice(&secret.key_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        }
    }

    /// The `webhook-signature` value for one attempt, as [`sign`] computes it.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = self.keyed.clone();
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let mut signature = String::with_capacity(48);
        signature.push_str("v1,");
        base64::engine::general_purpose::STANDARD
            .encode_string(mac.finalize().into_bytes(), &mut signature);
        signature
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

/// What a receiver's HTTP status means for a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    /// 2xx: delivered.
    Delivered,
    /// Anything else: failed, retried with backoff, counted towards the failure window.
    /// 408, 429 and 5xx are the receiver asking to retry; other 4xx and 3xx (redirects are
    /// never followed) usually mean a misconfigured receiver, which its operator can fix
    /// while Linli keeps retrying, so they are retried the same way.
    Failed,
}

/// How a receiver's status is read.
pub fn status_outcome(status: u16) -> StatusOutcome {
    if (200..300).contains(&status) {
        StatusOutcome::Delivered
    } else {
        StatusOutcome::Failed
    }
}

/// True when an endpoint that has failed without a success since `failing_since` has failed
/// for the whole `window` by `now` and must be disabled.
pub fn failed_too_long(
    failing_since: NaiveDateTime,
    now: NaiveDateTime,
    window: TimeDelta,
) -> bool {
    now - failing_since >= window
}

/// The body of a delivery: `{"type", "timestamp", "organization_id", "data"}`. Built once when
/// the event is published and stored in the outbox, so every attempt sends the same bytes.
pub fn envelope(
    event: Event,
    organization_id: i64,
    data: serde_json::Value,
    now: NaiveDateTime,
) -> serde_json::Value {
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "organization_id": organization_id,
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http_without_credentials() {
        assert!(check_url("https://erp.example.com/hooks/linli?x=1").is_ok());
        assert!(check_url(" http://127.0.0.1:8080/h ").is_ok());
        assert_eq!(
            check_url("erp.example.com/h"),
            Err(InputError::UrlMalformed)
        );
        assert_eq!(check_url("ftp://example.com/"), Err(InputError::UrlScheme));
        assert_eq!(check_url("file:///etc/passwd"), Err(InputError::UrlScheme));
        assert_eq!(
            check_url("https://u:p@example.com/"),
            Err(InputError::UrlParts)
        );
        assert_eq!(
            check_url("https://example.com/#x"),
            Err(InputError::UrlParts)
        );
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(check_url(&long), Err(InputError::UrlLength));
        let v6 = check_url("http://[::1]:9000/h").expect("valid");
        assert_eq!((v6.host(), v6.port()), ("::1".to_owned(), 9000));
        assert_eq!(v6.ip_literal(), Some("::1".parse().expect("ip")));
        assert_eq!(check_url("https://example.com/").map(|u| u.port()), Ok(443));
    }

    #[test]
    fn an_endpoint_request_reports_every_broken_rule() {
        let errors = check_new_endpoint("gopher://x", &"字".repeat(501), &[]).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| (e.field(), e.code())).collect();
        assert_eq!(
            fields,
            [
                ("url", "scheme_not_allowed"),
                ("description", "length"),
                ("events", "too_few")
            ]
        );
        let errors =
            check_new_endpoint("https://x.example", "", &[Event::WebhookTest]).expect_err("test");
        assert_eq!(errors, [InputError::TestEvent]);
        let endpoint = check_new_endpoint(
            "https://x.example/h",
            " ERP ",
            &[Event::OrganizationVerified, Event::OrganizationVerified],
        )
        .expect("valid");
        assert_eq!(
            (endpoint.description.as_str(), endpoint.events.len()),
            ("ERP", 1)
        );
    }

    #[test]
    fn events_round_trip_through_text() {
        let events: BTreeSet<Event> = [Event::ApiKeyRevoked, Event::OrganizationUpdated].into();
        let text = events_to_text(&events);
        assert_eq!(text, "organization.updated api_key.revoked");
        assert_eq!(events_from_text(&text), Ok(events));
        assert_eq!(
            events_from_text("order.created"),
            Err("order.created".to_owned())
        );
    }

    #[test]
    fn the_signature_matches_the_standard_webhooks_reference_vector() {
        // From the Standard Webhooks reference libraries' tests.
        let secret = Secret::from_stored("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let signature = sign(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_reused_signer_signs_each_message_as_a_fresh_one_would() {
        let secret = Secret::generate();
        let signer = Signer::new(&secret);
        for (id, timestamp, body) in [("msg_1", 1, &b"{}"[..]), ("msg_2", 2, b"{\"a\":1}")] {
            assert_eq!(
                signer.sign(id, timestamp, body),
                sign(&secret, id, timestamp, body)
            );
        }
        assert!(!format!("{signer:?}").contains(&secret.expose()[6..]));
    }

    #[test]
    fn fresh_secrets_have_the_standard_form() {
        let secret = Secret::generate();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(secret.key_bytes().len(), super::super::SECRET_BYTES);
        assert_ne!(secret, Secret::generate());
        assert!(!format!("{secret:?}").contains(&secret.expose()[6..]));
    }

    #[test]
    fn only_2xx_counts_as_delivered() {
        for status in [200, 201, 204, 299] {
            assert_eq!(status_outcome(status), StatusOutcome::Delivered);
        }
        for status in [301, 400, 401, 404, 408, 410, 429, 500, 503] {
            assert_eq!(status_outcome(status), StatusOutcome::Failed);
        }
    }

    #[test]
    fn an_endpoint_is_disabled_once_it_failed_for_the_whole_window() {
        let start = NaiveDateTime::default();
        let day = TimeDelta::days(1);
        assert!(!failed_too_long(start, start + TimeDelta::hours(23), day));
        assert!(failed_too_long(start, start + day, day));
    }
}
