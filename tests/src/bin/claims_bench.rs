//! Claim figures against the real server on loopback: exactly k winners among concurrent
//! claimers in every trial, claim latency under that load against the bare guarded UPDATE run
//! the same way — once in process, and once behind the same HTTP server (Linli's connection
//! loop, a one-route poem endpoint, the same client), so the second ratio shows what claiming
//! adds to one write request — and the per-step latency of a whole need → claim → check-in →
//! check-out → confirm loop with one client. Bounded in count; stops by itself.
//!
//! `claims_bench [sqlite|postgres] [trials] [claimers] [loops]` (defaults: sqlite 1000 200 200).

use std::time::{Duration, Instant};

use chrono::Utc;
use linli_domain::db::{self, Db, PoolOptions};
use linli_domain::needs::{NeedId, store};
use linli_tests::{Engine, TestApp, spawn_app};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{EndpointExt, IntoResponse, Route, handler};
use serde_json::{Value, json};

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn need_body(headcount: usize, slot: i64) -> Value {
    let start = Utc::now() + chrono::Duration::hours(1 + 3 * slot);
    json!({
        "category_code": "companionship",
        "description": "基准测试",
        "window_start": start.to_rfc3339(),
        "window_end": (start + chrono::Duration::hours(2)).to_rfc3339(),
        "duration_minutes": 60,
        "headcount": headcount,
    })
}

/// The bare guarded UPDATE as an HTTP operation: 201 when a place was taken, 409 when full.
#[handler]
async fn take_place_bare(Path(id): Path<i64>, db: Data<&Db>) -> poem::Response {
    let id = NeedId(id);
    let taken =
        db.0.run(move |conn| {
            db::write(conn, |conn| {
                store::take_place(conn, id, linli_domain::time::now_utc())
            })
        })
        .await;
    match taken {
        Ok(Some(_)) => StatusCode::CREATED.into_response(),
        Ok(None) => StatusCode::CONFLICT.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Serves `take_place_bare` through Linli's own connection loop on an ephemeral port.
async fn bare_server(db: Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    let endpoint = Route::new()
        .at("/bare/:id", poem::post(take_place_bare))
        .data(db);
    tokio::spawn(linli_api::server::serve(
        listener,
        endpoint,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    address
}

async fn timed(app: &TestApp, request: reqwest::RequestBuilder) -> (Duration, u16, Value) {
    let started = Instant::now();
    let reply = app.send(request).await;
    (started.elapsed(), reply.status, reply.json)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let engine = match args.next().as_deref() {
        Some("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    };
    let trials: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let claimers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let loops: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    let app = spawn_app(engine).await;
    let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
    let volunteers = app.verified_volunteers(claimers + 1, "dongguan-g2").await;
    let (loop_helper, crowd) = volunteers.split_last().expect("volunteers");
    let baseline_db = Db::connect(
        app.database_url.clone(),
        PoolOptions {
            max_size: TestApp::config(app.database_url.clone()).database_pool_size,
            ..PoolOptions::default()
        },
    )
    .expect("the baseline pool opens");

    let bare_address = bare_server(baseline_db.clone()).await;

    let mut claim_latencies = Vec::new();
    let mut baseline_latencies = Vec::new();
    let mut http_baseline_latencies = Vec::new();
    let started = Instant::now();
    for trial in 0..trials {
        let headcount = 1 + (trial as usize * 7) % 10;
        let need = app
            .send_as(
                &resident,
                app.client
                    .post(format!("{}/api/v1/needs", app.address))
                    .json(&need_body(headcount, trial)),
            )
            .await;
        assert_eq!(need.status, 201, "{}", need.text);
        let url = format!("{}/api/v1/needs/{}/claims", app.address, need.json["id"]);
        let replies = futures_util::future::join_all(crowd.iter().map(|(_, token)| {
            timed(
                &app,
                app.client.post(&url).bearer_auth(token).json(&json!({})),
            )
        }))
        .await;
        let winners = replies
            .iter()
            .filter(|(_, status, _)| *status == 201)
            .count();
        let refused = replies
            .iter()
            .filter(|(_, status, body)| *status == 409 && body["code"] == "need_full")
            .count();
        assert_eq!(
            winners, headcount,
            "trial {trial}: {winners} winners for {headcount} places"
        );
        assert_eq!(
            refused,
            claimers - headcount,
            "trial {trial}: every loser is refused as full"
        );
        claim_latencies.extend(replies.iter().map(|(d, _, _)| *d));

        // The same load on the bare guarded UPDATE, one write transaction each.
        let baseline = app
            .send_as(
                &resident,
                app.client
                    .post(format!("{}/api/v1/needs", app.address))
                    .json(&need_body(headcount, trials + trial)),
            )
            .await;
        let id = NeedId(baseline.json["id"].as_i64().expect("an id"));
        let outcomes = futures_util::future::join_all((0..claimers).map(|_| {
            let db = baseline_db.clone();
            async move {
                let started = Instant::now();
                let taken = db
                    .run(move |conn| {
                        db::write(conn, |conn| {
                            store::take_place(conn, id, linli_domain::time::now_utc())
                        })
                    })
                    .await
                    .expect("the update runs");
                (started.elapsed(), taken.is_some())
            }
        }))
        .await;
        assert_eq!(
            outcomes.iter().filter(|(_, taken)| *taken).count(),
            headcount
        );
        baseline_latencies.extend(outcomes.iter().map(|(d, _)| *d));

        // And behind the same HTTP server, from the same client, as many at once.
        let behind_http = app
            .send_as(
                &resident,
                app.client
                    .post(format!("{}/api/v1/needs", app.address))
                    .json(&need_body(headcount, 3 * trials + trial)),
            )
            .await;
        let url = format!("{bare_address}/bare/{}", behind_http.json["id"]);
        let replies = futures_util::future::join_all(
            (0..claimers).map(|_| timed(&app, app.client.post(&url))),
        )
        .await;
        assert_eq!(
            replies
                .iter()
                .filter(|(_, status, _)| *status == 201)
                .count(),
            headcount
        );
        http_baseline_latencies.extend(replies.iter().map(|(d, _, _)| *d));
    }
    let claim_phase = started.elapsed();

    let mut steps: Vec<(&str, Duration)> = Vec::new();
    for i in 0..loops {
        let (d, status, need) = timed(
            &app,
            app.client
                .post(format!("{}/api/v1/needs", app.address))
                .bearer_auth(&resident)
                .json(&need_body(1, 4 * trials + i as i64)),
        )
        .await;
        assert_eq!(status, 201);
        steps.push(("create_need", d));
        let id = &need["id"];
        let code = need["check_code"].as_str().expect("a code").to_owned();
        let token = &loop_helper.1;
        for (name, path, body) in [
            ("claim_need", "claims", json!({})),
            ("check_in", "check-in", json!({"code": code})),
            ("check_out", "check-out", json!({"code": code})),
        ] {
            let (d, status, body) = timed(
                &app,
                app.client
                    .post(format!("{}/api/v1/needs/{id}/{path}", app.address))
                    .bearer_auth(token)
                    .json(&body),
            )
            .await;
            assert!(status == 200 || status == 201, "{name}: {status} {body}");
            steps.push((name, d));
        }
        let (d, status, body) = timed(
            &app,
            app.client
                .post(format!("{}/api/v1/needs/{id}/confirmation", app.address))
                .bearer_auth(&resident)
                .json(&json!({"rating": 5})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        steps.push(("confirm_need", d));
    }

    let mut out = Vec::new();
    claim_latencies.sort();
    baseline_latencies.sort();
    http_baseline_latencies.sort();
    let claim_p99 = percentile(&claim_latencies, 0.99);
    let base_p99 = percentile(&baseline_latencies, 0.99);
    let http_base_p99 = percentile(&http_baseline_latencies, 0.99);
    out.push(format!(
        "engine {engine:?}, {trials} trials x {claimers} concurrent claimers, headcount 1-10"
    ));
    out.push(format!(
        "exact winners in every trial          yes ({trials}/{trials}), {:.1} s",
        claim_phase.as_secs_f64()
    ));
    out.push(format!(
        "claim over HTTP                        p50 {}  p99 {}",
        ms(percentile(&claim_latencies, 0.5)),
        ms(claim_p99)
    ));
    out.push(format!(
        "bare guarded UPDATE (same pool, load)  p50 {}  p99 {}",
        ms(percentile(&baseline_latencies, 0.5)),
        ms(base_p99)
    ));
    out.push(format!(
        "bare UPDATE behind the same HTTP server p50 {}  p99 {}",
        ms(percentile(&http_baseline_latencies, 0.5)),
        ms(http_base_p99)
    ));
    out.push(format!(
        "claim p99 / in-process UPDATE p99      {:.2}",
        claim_p99.as_secs_f64() / base_p99.as_secs_f64().max(1e-9)
    ));
    out.push(format!(
        "claim p99 / UPDATE-over-HTTP p99 (target <= 2) {:.2}",
        claim_p99.as_secs_f64() / http_base_p99.as_secs_f64().max(1e-9)
    ));
    let mut all: Vec<Duration> = steps.iter().map(|(_, d)| *d).collect();
    all.sort();
    out.push(format!(
        "loop of 5 steps x {loops}, one client   median per step {}",
        ms(percentile(&all, 0.5))
    ));
    for name in [
        "create_need",
        "claim_need",
        "check_in",
        "check_out",
        "confirm_need",
    ] {
        let mut of: Vec<Duration> = steps
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, d)| *d)
            .collect();
        of.sort();
        out.push(format!("  {name:<14} median {}", ms(percentile(&of, 0.5))));
    }
    report(&out);
}

#[expect(clippy::print_stdout, reason = "the figures are this program's output")]
fn report(lines: &[String]) {
    for line in lines {
        println!("{line}");
    }
}
