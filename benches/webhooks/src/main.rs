//! Webhook figures, in one process and one run:
//!
//! 1. **Relay throughput ratio.** A hyper receiver on loopback takes posts. First a plain
//!    reqwest client posts N webhook bodies to it with the delivery worker's concurrency (the
//!    batch size); then N events are published to an endpoint at that receiver, the real
//!    `linli serve` (`Application`, its delivery worker and webhook sender) starts, and the time
//!    until the receiver has all N is taken. Relay rate ÷ plain rate is the figure (≥ 0.5).
//! 2. **Delivery lag.** With the service running, events are published at a fixed rate (500/s
//!    by default) for some seconds, each in its own transaction, stamped with the publish
//!    instant; the receiver records arrival minus stamp. p50, p99 and max (target p99 ≤ 2 s).
//!
//! Settings come from the usual `LINLI_*` variables (e.g. `LINLI_DELIVERY_BATCH_SIZE`,
//! `LINLI_DELIVERY_POLL_INTERVAL_MS`, `DATABASE_URL` for PostgreSQL; a temporary SQLite file
//! otherwise) and `BENCH_WEBHOOK_MESSAGES` (50000: long enough that neither side's start —
//! opening connections, starting the service — weighs in its rate), `BENCH_WEBHOOK_RATE`
//! (500), `BENCH_WEBHOOK_SECONDS` (10).
//!
//! Beside the rates it prints this process's CPU time per message in each phase (user +
//! system, all threads: client or relay, and the receiver, which both phases share), which
//! moves less than rates when other work shares the cores. PostgreSQL's own CPU is not in it.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use linli_api::{Application, Config};
use linli_domain::access::Role;
use linli_domain::accounts::Locale;
use linli_domain::areas::AreaLevel;
use linli_domain::db::{self, DatabaseUrl, Db, StoreError};
use linli_domain::organizations::{OrganizationId, OrganizationKind};
use linli_domain::time::now_utc;
use linli_domain::webhooks::guard::AllowList;
use linli_domain::webhooks::{Actor, Event, rules, usecases};
use tokio::net::TcpListener;

type Fail = Box<dyn std::error::Error + Send + Sync>;

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    count: AtomicU64,
    record_lag: AtomicBool,
    lags_us: Mutex<Vec<i64>>,
}

/// CPU time this process has used (user + system, all threads), from `/proc/self/stat`.
fn process_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = stat.rsplit_once(')')?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    // Linux reports clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

fn unix_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

async fn receive(
    request: Request<hyper::body::Incoming>,
    seen: Arc<Seen>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if seen.record_lag.load(Ordering::Relaxed) {
        let sent = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["data"]["sent_at_us"].as_i64());
        if let Some(sent) = sent.filter(|s| *s > 0) {
            let lag = unix_micros() - sent;
            seen.lags_us.lock().map(|mut l| l.push(lag)).ok();
        }
    }
    seen.count.fetch_add(1, Ordering::Relaxed);
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

/// Starts the receiver; returns its URL.
async fn start_receiver(seen: Arc<Seen>) -> Result<String, Fail> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = service_fn(move |r| receive(r, seen.clone()));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(format!("http://127.0.0.1:{port}/hooks"))
}

async fn wait_for(seen: &Seen, count: u64, limit: Duration) -> Result<Duration, Fail> {
    let start = Instant::now();
    while seen.count.load(Ordering::Relaxed) < count {
        if start.elapsed() > limit {
            return Err(format!(
                "only {} of {count} posts arrived within {limit:?}",
                seen.count.load(Ordering::Relaxed)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(start.elapsed())
}

fn event_data(seq: usize, sent_at_us: i64) -> serde_json::Value {
    serde_json::json!({
        "seq": seq,
        "sent_at_us": sent_at_us,
        "name_zh": "汉台区东大街道东关社区志愿服务队",
        "verification_cleared": false,
    })
}

/// Phase 1a: a plain client posts `bodies` with `concurrency` requests in flight.
async fn plain_client(
    url: &str,
    bodies: Arc<Vec<Vec<u8>>>,
    concurrency: usize,
    seen: &Seen,
) -> Result<Duration, Fail> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let before = seen.count.load(Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, bodies, next) =
            (client.clone(), url.to_owned(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { return };
                let _ = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let n = u64::try_from(bodies.len())?;
    wait_for(seen, before + n, Duration::from_secs(120)).await?;
    Ok(start.elapsed())
}

/// An organization with an endpoint at `url`, made through the use cases.
async fn setup(db: &Db, url: &str) -> Result<OrganizationId, Fail> {
    let now = now_utc();
    db.run(move |conn| {
        Ok::<_, StoreError>(
            linli_domain::seed::demo_areas(conn, now)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        )
    })
    .await??;
    let areas = db
        .run(|conn| linli_domain::areas::store::list(conn, None))
        .await?
        .unwrap_or_default();
    let community = areas
        .iter()
        .find(|a| a.level == AreaLevel::Community)
        .ok_or("no community was seeded")?
        .id;
    let account = linli_domain::accounts::rules::check_registration(
        "13900000001",
        "东关社区的老槐树",
        "基准管理员",
        None,
        Locale::ZhCn,
        None,
    )
    .map_err(|e| format!("{e:?}"))?;
    let user = linli_domain::accounts::usecases::bootstrap(
        db,
        account,
        vec![(Role::PlatformAdmin, None)],
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    let principal = db
        .run(move |conn| linli_domain::access::store::principal(conn, user))
        .await?;
    let new = linli_domain::organizations::rules::check_new_organization(
        OrganizationKind::Provider,
        "基准服务商",
        None,
        None,
        None,
        &[community.0],
    )
    .map_err(|e| format!("{e:?}"))?;
    let viewed = linli_domain::organizations::usecases::create(db, principal.clone(), new, now)
        .await
        .map_err(|e| e.to_string())?;
    let organization = viewed.organization.id;
    linli_domain::organizations::usecases::verify(db, principal.clone(), organization, now)
        .await
        .map_err(|e| e.to_string())?;
    let endpoint = rules::check_new_endpoint(url, "bench", &[Event::OrganizationUpdated])
        .map_err(|e| format!("{e:?}"))?;
    let allow = AllowList::parse(&["127.0.0.0/8"])?;
    usecases::create(
        db,
        &allow,
        Actor::Member(principal),
        organization,
        endpoint,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(organization)
}

/// Publishes events `range` for `organization`, `per_transaction` at a time.
async fn publish_many(db: &Db, organization: OrganizationId, count: usize) -> Result<(), Fail> {
    const PER_TRANSACTION: usize = 200;
    let mut first = 0;
    while first < count {
        let last = (first + PER_TRANSACTION).min(count);
        db.run(move |conn| {
            db::write(conn, |conn| {
                let now = now_utc();
                for seq in first..last {
                    usecases::publish(
                        conn,
                        now,
                        organization,
                        Event::OrganizationUpdated,
                        event_data(seq, 0),
                    )?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
        first = last;
    }
    Ok(())
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    #[expect(clippy::cast_precision_loss, reason = "microseconds to milliseconds")]
    let ms = sorted[index] as f64 / 1000.0;
    ms
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[expect(clippy::print_stdout, reason = "the bench prints its figures")]
#[expect(clippy::cast_precision_loss, reason = "rates and ratios")]
async fn bench() -> Result<(), Fail> {
    let messages = setting("BENCH_WEBHOOK_MESSAGES", 50_000);
    let rate = setting("BENCH_WEBHOOK_RATE", 500);
    let seconds = setting("BENCH_WEBHOOK_SECONDS", 10);
    let seen = Arc::new(Seen::default());
    let url = start_receiver(seen.clone()).await?;

    let dir = tempfile::tempdir()?;
    let mut config = Config::load().map_err(|e| e.to_string())?;
    config.bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    if std::env::var_os("DATABASE_URL").is_none() {
        config.database_url = DatabaseUrl::Sqlite(dir.path().join("linli.db"));
    }
    config.jobs_enabled = false;
    config.webhook_allowed_targets = "127.0.0.0/8".into();
    let concurrency = usize::try_from(config.delivery_batch_size)?;
    let engine = config.database_url.engine();

    // The service is built (migrated, bound) but not run: its worker starts with `run_until`.
    let app = Application::build(config.clone()).await?;
    let db = app.db().clone();
    let organization = setup(&db, &url).await?;

    let bodies: Vec<Vec<u8>> = (0..messages)
        .map(|seq| {
            let body = rules::envelope(
                Event::OrganizationUpdated,
                organization.0,
                event_data(seq, 0),
                now_utc(),
            );
            serde_json::to_vec(&body).unwrap_or_default()
        })
        .collect();
    let body_bytes = bodies.first().map_or(0, Vec::len);
    let cpu = process_cpu();
    let plain = plain_client(&url, Arc::new(bodies), concurrency, &seen).await?;
    let plain_cpu = process_cpu().saturating_sub(cpu);

    publish_many(&db, organization, messages).await?;
    let before = seen.count.load(Ordering::Relaxed);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let cpu = process_cpu();
    let start = Instant::now();
    let served = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    wait_for(
        &seen,
        before + u64::try_from(messages)?,
        Duration::from_secs(300),
    )
    .await?;
    let relay = start.elapsed();
    let relay_cpu = process_cpu().saturating_sub(cpu);

    seen.record_lag.store(true, Ordering::Relaxed);
    let total = rate * seconds;
    let before = seen.count.load(Ordering::Relaxed);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let publish_start = Instant::now();
    let mut publishes = Vec::with_capacity(total);
    for seq in 0..total {
        ticker.tick().await;
        let db = db.clone();
        publishes.push(tokio::spawn(async move {
            db.run(move |conn| {
                db::write(conn, |conn| {
                    let data = event_data(seq, unix_micros());
                    usecases::publish(
                        conn,
                        now_utc(),
                        organization,
                        Event::OrganizationUpdated,
                        data,
                    )
                })
            })
            .await
        }));
    }
    for publish in publishes {
        publish.await??;
    }
    let publish_elapsed = publish_start.elapsed();
    wait_for(
        &seen,
        before + u64::try_from(total)?,
        Duration::from_secs(120),
    )
    .await?;
    let mut lags = seen.lags_us.lock().map(|l| l.clone()).unwrap_or_default();
    lags.sort_unstable();
    let _ = stop.send(());
    let _ = served.await;

    let plain_rate = messages as f64 / plain.as_secs_f64();
    let relay_rate = messages as f64 / relay.as_secs_f64();
    println!("engine                      {engine}");
    println!(
        "body                        {body_bytes} bytes; {messages} posts; concurrency {concurrency} (LINLI_DELIVERY_BATCH_SIZE)"
    );
    println!(
        "plain reqwest client        {plain_rate:.0} posts/s ({:.2} s)",
        plain.as_secs_f64()
    );
    println!(
        "webhook relay               {relay_rate:.0} deliveries/s ({:.2} s, queue → receiver, signed, logged)",
        relay.as_secs_f64()
    );
    println!(
        "relay / plain               {:.2} (target ≥ 0.5)",
        relay_rate / plain_rate
    );
    let per_message = |cpu: Duration| cpu.as_secs_f64() * 1e6 / messages as f64;
    println!(
        "process CPU per message     plain {:.1} µs, relay {:.1} µs (receiver included in both)",
        per_message(plain_cpu),
        per_message(relay_cpu)
    );
    println!(
        "delivery lag at {rate}/s      p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} events, all committed within {:.1} s (target p99 ≤ 2000 ms; poll {} ms)",
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        percentile(&lags, 1.0),
        lags.len(),
        publish_elapsed.as_secs_f64(),
        config.delivery_poll_interval_ms,
    );
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("linli-bench-webhooks: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("linli-bench-webhooks: {error}");
            ExitCode::FAILURE
        }
    }
}
