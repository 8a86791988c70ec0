//! Partner webhooks: endpoints registered by admins and partner systems, refused targets, scope
//! checks, and deliveries to a real receiver on loopback, verified with an independent
//! implementation of the Standard Webhooks signature.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use diesel::prelude::*;
use linli_domain::access::Role;
use linli_domain::schema::{notifications, outbox, webhook_endpoints};
use linli_tests::{Engine, TestApp, engine_tests, spawn_app_with};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Route, Server, handler};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::organizations::{create_key, found, path, verified_team, verify_as_dongguan_staff};

/// HMAC-SHA256 written from RFC 2104, independent of the production code and its crates.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Verifies a delivery the way the Standard Webhooks specification tells receivers to: the
/// secret's base64 part decoded is the key, the signed content is `id.timestamp.body`, and
/// any of the space-separated `v1,` signatures may match.
fn verify_standard_webhook(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64 secret");
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, &content));
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[test]
fn the_independent_verifier_accepts_the_reference_vector() {
    assert!(verify_standard_webhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
        br#"{"test": 2432232314}"#,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    ));
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hook {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct ReceiverState {
    hooks: Mutex<Vec<Hook>>,
    /// Answer 503 to this many requests first.
    failures_left: Mutex<u32>,
}

/// A webhook receiver on an ephemeral loopback port.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

#[handler]
async fn receive(
    request: &Request,
    body: Vec<u8>,
    state: Data<&Arc<ReceiverState>>,
) -> poem::http::StatusCode {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.hooks.lock().expect("hooks").push(Hook {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let mut failures = state.failures_left.lock().expect("failures");
    if *failures > 0 {
        *failures -= 1;
        poem::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        poem::http::StatusCode::NO_CONTENT
    }
}

impl Receiver {
    async fn start(failures: u32) -> Self {
        Self::start_on("127.0.0.1", failures).await
    }

    async fn start_on(address: &str, failures: u32) -> Self {
        let state = Arc::new(ReceiverState {
            hooks: Mutex::default(),
            failures_left: Mutex::new(failures),
        });
        let acceptor = TcpListener::bind(format!("{address}:0"))
            .into_acceptor()
            .await
            .expect("the receiver binds");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a socket address")
            .port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Route::new()
            .at("/hooks", poem::post(receive))
            .data(state.clone());
        tokio::spawn(
            Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
                app,
                async move {
                    let _ = stopped.await;
                },
                None,
            ),
        );
        Self {
            url: format!("http://{address}:{port}/hooks"),
            state,
            _stop: stop,
        }
    }

    fn hooks(&self) -> Vec<Hook> {
        self.state.hooks.lock().expect("hooks").clone()
    }

    /// Waits until at least `count` requests arrived.
    async fn wait_for(&self, count: usize) -> Vec<Hook> {
        for _ in 0..300 {
            let hooks = self.hooks();
            if hooks.len() >= count {
                return hooks;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} of {count} deliveries",
            self.hooks().len()
        );
    }
}

/// Registers an endpoint as an organization admin; returns the answer's JSON.
async fn register(app: &TestApp, token: &str, id: &Value, url: &str, events: &[&str]) -> Value {
    let reply = app
        .post_as(
            token,
            &path(id, "/webhooks"),
            &json!({"url": url, "description": "派单系统", "events": events}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

fn secret_bytes(secret: &str) -> usize {
    base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64")
        .len()
}

engine_tests! {
    async fn an_admin_registers_lists_changes_rotates_and_removes_an_endpoint(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = register(&app, &admin, &id, "http://127.0.0.1:9/hooks", &["organization.updated", "api_key.created", "api_key.created"]).await;
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        assert!(secret.starts_with("whsec_") && secret_bytes(&secret) >= 24, "{secret}");
        assert_eq!((created["enabled"].as_bool(), created["events"].clone()), (Some(true), json!(["organization.updated", "api_key.created"])));
        let endpoint = created["id"].clone();
        let one = |rest: &str| path(&id, &format!("/webhooks/{endpoint}{rest}"));
        let listed = app.get_as(&admin, &path(&id, "/webhooks")).await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        assert!(!listed.text.contains(&secret[6..]) && !listed.text.contains("secret"), "{}", listed.text);
        let shown = app.get_as(&admin, &one("")).await;
        assert_eq!((shown.status, shown.json["url"].as_str()), (200, Some("http://127.0.0.1:9/hooks")), "{}", shown.text);
        assert!(!shown.text.contains("secret"));
        let changed = app.patch_as(&admin, &one(""), &json!({"events": ["organization.verified"], "enabled": false, "description": "新系统"})).await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_eq!((changed.json["enabled"].as_bool(), changed.json["disabled_reason"].as_str(), changed.json["events"].clone()), (Some(false), Some("manual"), json!(["organization.verified"])));
        let resumed = app.patch_as(&admin, &one(""), &json!({"enabled": true})).await;
        assert_eq!((resumed.json["enabled"].as_bool(), &resumed.json["disabled_reason"]), (Some(true), &Value::Null), "{}", resumed.text);
        let rotated = app.post_as(&admin, &one("/secret"), &json!({})).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        let new_secret = rotated.json["secret"].as_str().expect("a new secret");
        assert!(new_secret.starts_with("whsec_") && new_secret != secret);
        let deliveries = app.get_as(&admin, &one("/deliveries")).await;
        assert_eq!((deliveries.status, deliveries.json.clone()), (200, json!([])), "{}", deliveries.text);
        assert_eq!(app.delete_as(&admin, &one("")).await.status, 204);
        app.get_as(&admin, &one("")).await.assert_problem(404, "webhook_endpoint_not_found");
        app.delete_as(&admin, &one("")).await.assert_problem(404, "webhook_endpoint_not_found");
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        let actions: Vec<&str> = events.json.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).filter(|a| a.starts_with("webhook_endpoint.")).collect();
        for action in ["webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.secret_rotated", "webhook_endpoint.deleted"] {
            assert!(actions.contains(&action), "{action} missing from {actions:?}");
        }
        assert!(!events.text.contains(&secret[6..]) && !events.text.contains(&new_secret[6..]), "no secret in the audit log");
    }

    async fn private_and_malformed_targets_are_refused_and_nothing_is_registered(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        for url in [
            "http://10.0.0.1/h",
            "http://192.168.1.10/h",
            "http://172.16.5.4/h",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/h",
            "http://0.0.0.0/h",
            "http://224.0.0.1/h",
            "http://[fd00::1]/h",
            "http://[fe80::1]/h",
            "http://[::ffff:10.0.0.1]/h",
        ] {
            let reply = app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": url, "events": ["organization.updated"]})).await;
            reply.assert_problem(422, "webhook_target_refused");
        }
        app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": "http://linli-nowhere.invalid/h", "events": ["organization.updated"]}))
            .await
            .assert_problem(422, "webhook_target_unresolvable");
        let reply = app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": "ftp://example.com/h", "events": []})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        let errors: Vec<(&str, &str)> = problem["errors"].as_array().expect("errors").iter().map(|e| (e["field"].as_str().unwrap_or_default(), e["code"].as_str().unwrap_or_default())).collect();
        assert_eq!(errors, [("url", "scheme_not_allowed"), ("events", "too_few")]);
        let reply = app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": "https://u:p@example.com/h", "events": ["webhook.test"]})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!(problem["errors"].as_array().map(Vec::len), Some(2), "{}", reply.text);
        app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": "http://127.0.0.1/h", "events": ["order.created"]}))
            .await
            .assert_problem(422, "validation_failed");
        app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": 5}))
            .await
            .assert_problem(422, "validation_failed");
        let listed = app.get_as(&admin, &path(&id, "/webhooks")).await;
        assert_eq!(listed.json, json!([]), "{}", listed.text);
        let created = register(&app, &admin, &id, "http://localhost:9/h", &["organization.updated"]).await;
        let one = path(&id, &format!("/webhooks/{}", created["id"]));
        app.patch_as(&admin, &one, &json!({"url": "http://10.1.2.3/h"})).await.assert_problem(422, "webhook_target_refused");
        app.patch_as(&admin, &one, &json!({"url": "gopher://x/"})).await.assert_problem(422, "validation_failed");
        let shown = app.get_as(&admin, &one).await;
        assert_eq!(shown.json["url"].as_str(), Some("http://localhost:9/h"), "{}", shown.text);
    }

    async fn concurrent_registrations_never_pass_the_limit_of_twenty(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let attempts = (0..26).map(|n| {
            let (app, admin, id) = (&app, admin.clone(), id.clone());
            async move {
                app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": format!("http://127.0.0.1:9/h{n}"), "events": ["organization.updated"]}))
                    .await
            }
        });
        let replies = futures_util::future::join_all(attempts).await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        for reply in replies.iter().filter(|r| r.status != 201) {
            reply.assert_problem(409, "too_many_webhook_endpoints");
        }
        assert_eq!(created, 20);
        let listed = app.get_as(&admin, &path(&id, "/webhooks")).await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(20));
    }

    async fn only_admins_of_verified_organizations_manage_endpoints(app: TestApp) {
        let (_, admin) = app.resident("13800138000", "dongguan-g1").await;
        let (member_id, member) = app.resident("13800138001", "dongguan-g1").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        let id = team["id"].clone();
        app.post_as(&admin, &path(&id, "/members"), &json!({"user_id": member_id, "role": "leader"})).await;
        let body = json!({"url": "http://127.0.0.1:9/h", "events": ["organization.verified"]});
        app.post_as(&admin, &path(&id, "/webhooks"), &body).await.assert_problem(409, "organization_not_verified");
        verify_as_dongguan_staff(&app, &id, "13900000003").await;
        app.post_as(&member, &path(&id, "/webhooks"), &body).await.assert_problem(403, "not_organization_admin");
        let private = json!({"url": "http://10.0.0.1/h", "events": ["organization.verified"]});
        app.post_as(&member, &path(&id, "/webhooks"), &private).await.assert_problem(403, "not_organization_admin");
        app.get_as(&member, &path(&id, "/webhooks")).await.assert_problem(403, "not_organization_admin");
        app.post_as(&admin, "/api/v1/organizations/987654/webhooks", &body).await.assert_problem(404, "organization_not_found");
        let created = register(&app, &admin, &id, "http://127.0.0.1:9/h", &["organization.verified"]).await;
        let one = path(&id, &format!("/webhooks/{}", created["id"]));
        app.patch_as(&member, &one, &json!({"enabled": false})).await.assert_problem(403, "not_organization_admin");
        app.delete_as(&member, &one).await.assert_problem(403, "not_organization_admin");
        app.post_as(&member, &format!("{one}/secret"), &json!({})).await.assert_problem(403, "not_organization_admin");
        app.get_as(&member, &format!("{one}/deliveries")).await.assert_problem(403, "not_organization_admin");
        app.get(&format!("{one}/deliveries")).await.assert_problem(401, "unauthenticated");
    }

    async fn partners_need_webhooks_manage_and_reach_only_their_own_endpoints(app: TestApp) {
        let (team_a, admin_a) = verified_team(&app, "13800138000", "13900000003").await;
        let (_, admin_b) = app.resident("13800138001", "dongguan-g2").await;
        let team_b = found(&app, &admin_b, "东关社区第二志愿服务队", &["dongguan"]).await["id"].clone();
        verify_as_dongguan_staff(&app, &team_b, "13900000013").await;
        let reader = create_key(&app, &admin_a, &team_a, &["organization:read"]).await;
        let reader = reader["secret"].as_str().expect("a secret");
        let body = json!({"url": "http://127.0.0.1:9/h", "events": ["organization.updated"]});
        app.post_as(reader, "/api/v1/partner/webhooks", &body).await.assert_problem(403, "missing_scope");
        app.get_as(reader, "/api/v1/partner/webhooks").await.assert_problem(403, "missing_scope");
        let key_a = create_key(&app, &admin_a, &team_a, &["webhooks:manage"]).await;
        let key_a = key_a["secret"].as_str().expect("a secret");
        let key_b = create_key(&app, &admin_b, &team_b, &["webhooks:manage"]).await;
        let key_b = key_b["secret"].as_str().expect("a secret");
        let created = app.post_as(key_a, "/api/v1/partner/webhooks", &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert!(created.json["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")));
        assert_eq!(created.json["organization_id"], team_a);
        let endpoint = created.json["id"].clone();
        let listed = app.get_as(key_a, "/api/v1/partner/webhooks").await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        let by_admin = app.get_as(&admin_a, &path(&team_a, "/webhooks")).await;
        assert_eq!(by_admin.json[0]["id"], endpoint, "the admin sees what the partner registered");
        let one = format!("/api/v1/partner/webhooks/{endpoint}");
        app.get_as(key_b, &one).await.assert_problem(404, "webhook_endpoint_not_found");
        app.patch_as(key_b, &one, &json!({"enabled": false})).await.assert_problem(404, "webhook_endpoint_not_found");
        app.delete_as(key_b, &one).await.assert_problem(404, "webhook_endpoint_not_found");
        app.post_as(key_b, &format!("{one}/secret"), &json!({})).await.assert_problem(404, "webhook_endpoint_not_found");
        app.get_as(key_b, &format!("{one}/deliveries")).await.assert_problem(404, "webhook_endpoint_not_found");
        app.get_as(&admin_b, &path(&team_a, &format!("/webhooks/{endpoint}"))).await.assert_problem(403, "not_organization_admin");
        app.get_as(&admin_b, &path(&team_b, &format!("/webhooks/{endpoint}"))).await.assert_problem(404, "webhook_endpoint_not_found");
        app.post_as(key_a, "/api/v1/partner/webhooks", &json!({"url": "http://192.168.0.1/h", "events": ["organization.updated"]}))
            .await
            .assert_problem(422, "webhook_target_refused");
        let patched = app.patch_as(key_a, &one, &json!({"events": ["api_key.revoked"]})).await;
        assert_eq!((patched.status, patched.json["events"].clone()), (200, json!(["api_key.revoked"])), "{}", patched.text);
        let ping = app.post_as(key_a, &format!("{one}/test"), &json!({})).await;
        assert_eq!(ping.status, 202, "{}", ping.text);
        app.post_as(key_b, &format!("{one}/test"), &json!({})).await.assert_problem(404, "webhook_endpoint_not_found");
        let rotated = app.post_as(key_a, &format!("{one}/secret"), &json!({})).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        assert_eq!(app.get_as(key_a, &format!("{one}/deliveries")).await.json, json!([]));
        assert_eq!(app.delete_as(key_a, &one).await.status, 204);
        app.get_as(key_a, &one).await.assert_problem(404, "webhook_endpoint_not_found");
        app.get_as("lk_nothing", "/api/v1/partner/webhooks").await.assert_problem(401, "invalid_api_key");
    }
}

/// A test server that delivers at once and retries fast: polls every 50 ms, first retry after
/// 50–100 ms, at most a second between attempts; a failure window of `window_secs`.
async fn delivering_app(engine: Engine, window_secs: u64, allowed: &str) -> TestApp {
    let allowed = allowed.to_owned();
    spawn_app_with(engine, move |config| {
        linli_tests::delivery(config);
        config.delivery_max_attempts = 50;
        config.webhook_timeout_ms = 3_000;
        config.webhook_failure_window_secs = window_secs;
        config.webhook_allowed_targets = allowed;
    })
    .await
}

/// Declares a delivery case on both engines with [`delivering_app`].
macro_rules! delivery_tests {
    ($(async fn $name:ident($app:ident, $window:literal, $allowed:literal) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn case($app: TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    case(delivering_app(Engine::Sqlite, $window, $allowed).await).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
                async fn postgres() {
                    case(delivering_app(Engine::Postgres, $window, $allowed).await).await
                }
            }
        )*
    };
}

/// The endpoint's delivery log once it holds `count` attempts.
async fn log_of(app: &TestApp, token: &str, endpoint_path: &str, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let reply = app
            .get_as(token, &format!("{endpoint_path}/deliveries"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let log = reply.json.as_array().cloned().unwrap_or_default();
        if log.len() >= count {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery log never held {count} attempts");
}

fn body_json(hook: &Hook) -> Value {
    serde_json::from_slice(&hook.body).expect("a JSON body")
}

delivery_tests! {
    async fn deliveries_are_signed_retried_under_one_id_and_logged(app, 86_400, "127.0.0.0/8") {
        let receiver = Receiver::start(2).await;
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = register(&app, &admin, &id, &receiver.url, &["organization.updated", "organization.member_added"]).await;
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        let endpoint_path = path(&id, &format!("/webhooks/{}", created["id"]));
        let changed = app.patch_as(&admin, &path(&id, ""), &json!({"description": "助老服务"})).await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        let hooks = receiver.wait_for(3).await;
        assert!(hooks.iter().all(|h| h.id == hooks[0].id), "one webhook-id across retries: {hooks:?}");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
        for hook in &hooks {
            assert!(verify_standard_webhook(&secret, &hook.id, &hook.timestamp, &hook.body, &hook.signature), "bad signature on {hook:?}");
            let sent: u64 = hook.timestamp.parse().expect("unix seconds");
            assert!(now.abs_diff(sent) < 300, "timestamp {sent} vs now {now}");
            assert_eq!(hook.body, hooks[0].body, "the same bytes on every attempt");
        }
        let body = body_json(&hooks[0]);
        assert_eq!((body["type"].as_str(), &body["organization_id"], &body["data"]["organization_id"]), (Some("organization.updated"), &id, &id), "{body}");
        assert_eq!(body["data"]["verification_cleared"], false);
        let log = log_of(&app, &admin, &endpoint_path, 3).await;
        let attempts: Vec<(i64, i64, bool)> = log.iter().map(|d| (d["attempt"].as_i64().unwrap_or(0), d["status_code"].as_i64().unwrap_or(0), d["succeeded"].as_bool().unwrap_or(false))).collect();
        assert_eq!(attempts, [(3, 204, true), (2, 503, false), (1, 503, false)], "{log:?}");
        assert!(log.iter().all(|d| d["message_id"].as_str() == Some(hooks[0].id.as_str()) && d["duration_ms"].as_i64().is_some()));
        let shown = app.get_as(&admin, &endpoint_path).await;
        assert!(shown.json["last_success_at"].is_string() && shown.json["failing_since"].is_null(), "{}", shown.text);

        let ping = app.post_as(&admin, &format!("{endpoint_path}/test"), &json!({})).await;
        assert_eq!(ping.status, 202, "{}", ping.text);
        let hooks = receiver.wait_for(4).await;
        assert_eq!(Some(hooks[3].id.as_str()), ping.json["message_id"].as_str());
        assert_eq!(body_json(&hooks[3])["type"], "webhook.test");
        assert!(verify_standard_webhook(&secret, &hooks[3].id, &hooks[3].timestamp, &hooks[3].body, &hooks[3].signature));

        let rotated = app.post_as(&admin, &format!("{endpoint_path}/secret"), &json!({})).await;
        let new_secret = rotated.json["secret"].as_str().expect("a new secret").to_owned();
        let (member_id, _) = app.resident("13800138001", "dongguan-g1").await;
        app.post_as(&admin, &path(&id, "/members"), &json!({"user_id": member_id, "role": "member"})).await;
        let hooks = receiver.wait_for(5).await;
        let added = &hooks[4];
        assert_eq!((body_json(added)["type"].as_str(), &body_json(added)["data"]["user_id"]), (Some("organization.member_added"), &json!(member_id)));
        assert!(verify_standard_webhook(&new_secret, &added.id, &added.timestamp, &added.body, &added.signature), "signed with the new secret");
        assert!(!verify_standard_webhook(&secret, &added.id, &added.timestamp, &added.body, &added.signature), "not with the old one");

        app.patch_as(&admin, &endpoint_path, &json!({"enabled": false})).await;
        app.post_as(&admin, &format!("{endpoint_path}/test"), &json!({})).await.assert_problem(409, "webhook_endpoint_disabled");
        app.patch_as(&admin, &path(&id, ""), &json!({"description": "停用后"})).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.hooks().len(), 5, "a disabled endpoint receives nothing");
    }

    async fn an_endpoint_failing_for_the_whole_window_is_disabled_and_its_admins_are_told(app, 2, "127.0.0.0/8") {
        let receiver = Receiver::start(u32::MAX).await;
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let me = app.patch_as(&admin, "/api/v1/me", &json!({"email": "admin@example.org"})).await;
        assert_eq!(me.status, 200, "{}", me.text);
        let admin_id = me.json["id"].as_i64().expect("an id");
        let created = register(&app, &admin, &id, &receiver.url, &["organization.updated"]).await;
        let endpoint_id = created["id"].as_i64().expect("an id");
        let endpoint_path = path(&id, &format!("/webhooks/{endpoint_id}"));
        let mut shown = Value::Null;
        for _ in 0..60 {
            shown = app.get_as(&admin, &endpoint_path).await.json;
            if shown["enabled"] == false {
                break;
            }
            let ping = app.post_as(&admin, &format!("{endpoint_path}/test"), &json!({})).await;
            assert!(ping.status == 202 || ping.status == 409, "{}", ping.text);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert_eq!((shown["enabled"].as_bool(), shown["disabled_reason"].as_str()), (Some(false), Some("failing")), "{shown}");
        assert!(shown["failing_since"].is_string() && shown["last_success_at"].is_null(), "{shown}");
        let log = log_of(&app, &admin, &endpoint_path, 2).await;
        assert!(log.iter().all(|d| d["succeeded"] == false && d["status_code"] == 503), "{log:?}");
        let db = app.db();
        let (told, emails) = db
            .run(move |conn| {
                let told: i64 = notifications::table
                    .filter(notifications::user_id.eq(admin_id))
                    .filter(notifications::topic.eq("webhook_endpoint.disabled"))
                    .count()
                    .get_result(conn)?;
                let emails: i64 = outbox::table
                    .filter(outbox::channel.eq("email"))
                    .filter(outbox::recipient.eq(admin_id.to_string()))
                    .filter(outbox::topic.eq("webhook_endpoint.disabled"))
                    .count()
                    .get_result(conn)?;
                Ok::<_, linli_domain::db::StoreError>((told, emails))
            })
            .await
            .expect("the notices are readable");
        assert_eq!((told, emails), (1, 1), "the admin is told once, in the app and by email");
        let received = receiver.hooks().len();
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(receiver.hooks().len(), received, "nothing more is sent to a disabled endpoint");
        let resumed = app.patch_as(&admin, &endpoint_path, &json!({"enabled": true})).await;
        assert_eq!((resumed.json["enabled"].as_bool(), &resumed.json["failing_since"]), (Some(true), &Value::Null), "{}", resumed.text);
    }

    async fn a_host_that_now_resolves_to_a_refused_address_is_not_reached(app, 86_400, "127.0.0.2") {
        let receiver = Receiver::start_on("127.0.0.2", 0).await;
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = register(&app, &admin, &id, &receiver.url, &["organization.updated"]).await;
        app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": receiver.url.replace("127.0.0.2", "localhost"), "events": ["organization.updated"]}))
            .await
            .assert_problem(422, "webhook_target_refused");
        let endpoint_id = created["id"].as_i64().expect("an id");
        let endpoint_path = path(&id, &format!("/webhooks/{endpoint_id}"));
        let ping = app.post_as(&admin, &format!("{endpoint_path}/test"), &json!({})).await;
        assert_eq!(ping.status, 202, "{}", ping.text);
        receiver.wait_for(1).await;
        // The name now leads elsewhere: `localhost` resolves to loopback addresses that are not
        // allow-listed (as a rebound DNS name would), and an IP literal in a private range.
        for (n, url) in [receiver.url.replace("127.0.0.2", "localhost"), "http://10.255.255.1:9/hooks".to_owned()].into_iter().enumerate() {
            let db = app.db();
            db.run(move |conn| {
                diesel::update(webhook_endpoints::table.find(endpoint_id))
                    .set(webhook_endpoints::url.eq(url))
                    .execute(conn)
                    .map_err(linli_domain::db::StoreError::from)
            })
            .await
            .expect("the URL is changed behind the guard's back");
            let ping = app.post_as(&admin, &format!("{endpoint_path}/test"), &json!({})).await;
            assert_eq!(ping.status, 202, "{}", ping.text);
            let log = log_of(&app, &admin, &endpoint_path, 2 + n).await;
            let error = log[0]["error"].as_str().unwrap_or_default();
            assert!(error.contains("loopback") || error.contains("private"), "{log:?}");
            assert!(log[0]["status_code"].is_null() && log[0]["succeeded"] == false);
        }
        assert_eq!(receiver.hooks().len(), 1, "the refused addresses were never reached");
    }
}

mod relay;
