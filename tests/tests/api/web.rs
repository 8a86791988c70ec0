//! The web front end as the binary serves it: the shell, versioned assets with their caching,
//! compression and security headers, and the routes it must never shadow. It touches no store,
//! so it runs on SQLite only, through the real server.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use linli_tests::{Engine, TestApp, spawn_app};
use serde_json::Value;

fn header<'a>(reply: &'a linli_tests::Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn assert_secure(reply: &linli_tests::Reply, what: &str) {
    let csp = header(reply, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(header(reply, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(reply, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(reply, "referrer-policy"), "no-referrer", "{what}");
}

/// The `/static/<version>` prefix the shell points at.
fn static_base(shell: &str) -> String {
    let start = shell.find("/static/").expect("the shell links its assets");
    let rest = &shell[start + "/static/".len()..];
    let version: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(version.len(), 12, "a 12-digit version: {rest}");
    format!("/static/{version}")
}

async fn shell_and_base(app: &TestApp) -> (linli_tests::Reply, String) {
    let shell = app.get("/").await;
    let base = static_base(&shell.text);
    (shell, base)
}

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_is_served_at_the_root_uncached_with_strict_headers() {
    let app = spawn_app(Engine::Sqlite).await;
    let (shell, base) = shell_and_base(&app).await;
    assert_eq!(shell.status, 200);
    assert!(shell.content_type().starts_with("text/html"));
    assert_eq!(header(&shell, "cache-control"), "no-store");
    assert_secure(&shell, "shell");
    assert!(shell.text.contains(&format!("{base}/js/app.js")));
    assert!(shell.text.contains(&format!("{base}/css/app.css")));
    assert!(!shell.text.contains("{{static}}"));
    assert!(
        !shell.text.contains(" style=") && !shell.text.contains("<style"),
        "no inline style in the shell"
    );
    for script in shell.text.split("<script").skip(1) {
        assert!(
            script.trim_start().starts_with("type=\"module\" src="),
            "every script is an external module: <script{script}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_cached_for_a_year_and_revalidated_by_etag() {
    let app = spawn_app(Engine::Sqlite).await;
    let (_, base) = shell_and_base(&app).await;
    for (path, mime) in [
        ("/js/app.js", "text/javascript"),
        ("/js/views/need-detail.js", "text/javascript"),
        ("/css/app.css", "text/css"),
        ("/i18n/zh-CN.json", "application/json"),
        ("/i18n/en.json", "application/json"),
        ("/icon.svg", "image/svg+xml"),
    ] {
        let reply = app.get(&format!("{base}{path}")).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.content_type().starts_with(mime),
            "{path}: {}",
            reply.content_type()
        );
        assert_eq!(
            header(&reply, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_secure(&reply, path);
        let etag = header(&reply, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let again = app
            .send(
                app.client
                    .get(format!("{}{base}{path}", app.address))
                    .header("if-none-match", &etag),
            )
            .await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text.is_empty());
        assert_eq!(header(&again, "etag"), etag);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_gzipped_for_browsers_that_take_it() {
    let app = spawn_app(Engine::Sqlite).await;
    let (_, base) = shell_and_base(&app).await;
    let url = format!("{}{base}/css/app.css", app.address);
    let plain = app.client.get(&url).send().await.expect("answers");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.expect("a body");
    let packed = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("answers");
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert_eq!(packed.headers()["vary"], "Accept-Encoding");
    let packed = packed.bytes().await.expect("a body");
    assert!(
        packed.len() < plain.len() / 2,
        "{} vs {}",
        packed.len(),
        plain.len()
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut unpacked)
        .expect("valid gzip");
    assert_eq!(unpacked, plain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_version_is_served_uncached_and_unknown_files_are_problems() {
    let app = spawn_app(Engine::Sqlite).await;
    let stale = app.get("/static/000000000000/js/app.js").await;
    assert_eq!(stale.status, 200);
    assert_eq!(header(&stale, "cache-control"), "no-cache");
    let (_, base) = shell_and_base(&app).await;
    let missing = app.get(&format!("{base}/js/nothing-here.js")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type(), "application/problem+json");
    assert_eq!(missing.json["code"], "not_found");
    let tests = app.get(&format!("{base}/tests/package.json")).await;
    assert_eq!(tests.status, 404, "the browser tests are not embedded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_front_end_shadows_no_api_docs_health_or_metrics_route() {
    let app = spawn_app(Engine::Sqlite).await;
    let areas = app.get("/api/v1/areas").await;
    assert_eq!(areas.status, 200);
    assert!(areas.json.is_array());
    let unknown = app.get("/api/v1/no-such-thing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.content_type(), "application/problem+json");
    let spec = app.get("/api/v1/openapi.json").await;
    assert_eq!(spec.json["info"]["title"], "Linli");
    let (_, base) = shell_and_base(&app).await;
    let docs = app.get("/docs").await;
    assert_eq!(docs.status, 200);
    assert!(
        !docs.text.contains(&format!("{base}/js/app.js")),
        "the docs are not the shell"
    );
    assert_eq!(app.get("/healthz").await.json["status"], "ok");
    assert_eq!(app.get("/readyz").await.status, 200);
    let metrics = app.get("/metrics").await;
    assert!(metrics.content_type().starts_with("text/plain"));
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.content_type(), "application/problem+json");
}

fn keys(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(web_dir().join(path)).expect("a translation file");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    let object = json.as_object().expect("an object of messages");
    for (key, value) in object {
        assert!(
            value.as_str().is_some_and(|s| !s.trim().is_empty()),
            "{path}: {key} is empty"
        );
    }
    object.keys().cloned().collect()
}

#[test]
fn both_languages_translate_the_same_messages() {
    let zh = keys("i18n/zh-CN.json");
    let en = keys("i18n/en.json");
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only zh-CN: {only_zh:?}; only en: {only_en:?}"
    );
}

fn scripts(dir: PathBuf, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            scripts(path, found);
        } else if path.extension().is_some_and(|e| e == "js") {
            found.push(path);
        }
    }
}

#[test]
fn no_script_parses_html_or_evaluates_strings() {
    let mut found = Vec::new();
    scripts(web_dir().join("js"), &mut found);
    assert!(found.len() > 5, "the scripts were found");
    for path in found {
        let text = std::fs::read_to_string(&path).expect("a readable script");
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            ".style.",
        ] {
            assert!(!text.contains(banned), "{} uses {banned}", path.display());
        }
    }
}
