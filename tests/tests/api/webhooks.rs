//! Partner webhooks: endpoints registered by admins and partner systems, refused targets, scope
//! checks, and deliveries to a real receiver on loopback, verified with an independent
//! implementation of the Standard Webhooks signature.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use linli_domain::access::Role;
use linli_tests::{TestApp, engine_tests};
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
        let state = Arc::new(ReceiverState {
            hooks: Mutex::default(),
            failures_left: Mutex::new(failures),
        });
        let acceptor = TcpListener::bind("127.0.0.1:0")
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
            url: format!("http://127.0.0.1:{port}/hooks"),
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
        app.post_as(&admin, &path(&id, "/webhooks"), &json!({"url": "http://127.0.0.1/h", "events": ["need.claimed"]}))
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
        let rotated = app.post_as(key_a, &format!("{one}/secret"), &json!({})).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        assert_eq!(app.get_as(key_a, &format!("{one}/deliveries")).await.json, json!([]));
        assert_eq!(app.delete_as(key_a, &one).await.status, 204);
        app.get_as(key_a, &one).await.assert_problem(404, "webhook_endpoint_not_found");
        app.get_as("lk_nothing", "/api/v1/partner/webhooks").await.assert_problem(401, "invalid_api_key");
    }
}
