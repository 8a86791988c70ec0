//! Scheduled jobs: each slot runs once however many instances fire it, a lease lets a dead
//! runner's slot be taken over, housekeeping purges what nobody may use, admins see every run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use linli_domain::access::Role;
use linli_domain::db::{self, DatabaseUrl, Db};
use linli_domain::job_runs::{Claim, Granularity, RunFilter, RunOutcome, Slot, rules, store};
use linli_domain::schema::sessions;
use linli_domain::time::now_utc;
use linli_tests::{TestApp, engine_tests};

use crate::cli::{Served, binary, http_get};

const JOB: &str = "purge_expired_sessions";
const LEASE: Duration = Duration::from_secs(10);

fn day(raw: &str) -> Slot {
    rules::parse_slot(raw, Granularity::Day).expect("a day slot")
}

/// `instance` claims `slot` as if the clock read `ahead` later than now.
async fn claim(db: &Db, job: &'static str, slot: &Slot, instance: &str, ahead: Duration) -> Claim {
    let (slot, instance) = (slot.clone(), instance.to_owned());
    db.run(move |conn| {
        db::write(conn, |conn| {
            store::claim_slot(conn, job, &slot, &instance, now_utc() + ahead, LEASE)
        })
    })
    .await
    .expect("the claim is answered")
}

/// `instance` records the end of its `attempt` at `slot`; false when it no longer holds it.
async fn finish(db: &Db, job: &'static str, slot: &Slot, instance: &str, attempt: i32) -> bool {
    let (slot, instance) = (slot.clone(), instance.to_owned());
    db.run(move |conn| {
        db::write(conn, |conn| {
            store::finish(
                conn,
                job,
                &slot,
                &instance,
                attempt,
                now_utc(),
                RunOutcome::Succeeded,
                &serde_json::json!({"done": 1}),
            )
        })
    })
    .await
    .expect("the end is recorded")
}

fn url_of(database: &DatabaseUrl) -> String {
    match database {
        DatabaseUrl::Postgres(raw) => raw.clone(),
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
    }
}

/// `linli jobs run ARGS` against `app`'s database: (exit code, stdout, stderr).
async fn jobs_run(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let output = tokio::process::Command::new(binary())
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url_of(&app.database_url))
        .env("LINLI_LOG_LEVEL", "warn")
        .args(["jobs", "run"])
        .args(args)
        .output()
        .await
        .expect("linli runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Moves the expiry of the session behind `token` into the past by `ago`.
async fn expire(db: &Db, token: &str, ago: Duration) {
    let hash = linli_domain::sessions::hash_token(token);
    let changed = db
        .run(move |conn| {
            diesel::update(sessions::table.filter(sessions::token_hash.eq(hash)))
                .set(sessions::expires_at.eq(now_utc() - ago))
                .execute(conn)
                .map_err(linli_domain::db::StoreError::from)
        })
        .await
        .expect("the session is updated");
    assert_eq!(changed, 1);
}

engine_tests! {
    async fn eight_concurrent_claimers_of_a_slot_yield_exactly_one_runner(app: TestApp) {
        let db = app.db();
        let slots = [day("2026-11-26"), day("2026-11-27"), day("2026-11-28")];
        let attempts = slots.iter().flat_map(|slot| {
            let db = &db;
            (0..8).map(move |i| async move {
                (slot.clone(), claim(db, JOB, slot, &format!("claimer-{i}"), Duration::ZERO).await)
            })
        });
        let claims = futures_util::future::join_all(attempts).await;
        for slot in &slots {
            let of_slot: Vec<&Claim> = claims.iter().filter(|(s, _)| s == slot).map(|(_, c)| c).collect();
            let winners = of_slot.iter().filter(|c| matches!(c, Claim::Claimed { attempt: 1 })).count();
            let held = of_slot.iter().filter(|c| matches!(c, Claim::HeldByOther { .. })).count();
            assert_eq!((winners, held), (1, 7), "{slot}: {of_slot:?}");
            let row = db
                .run({
                    let slot = slot.clone();
                    move |conn| store::find(conn, JOB, &slot)
                })
                .await
                .expect("the row is read")
                .expect("the winner's row");
            assert!(
                of_slot.iter().all(|c| match c {
                    Claim::HeldByOther { instance, .. } => *instance == row.instance,
                    Claim::Claimed { .. } | Claim::AlreadyDone { .. } => true,
                }),
                "the losers name the winner {}: {of_slot:?}",
                row.instance
            );
        }
    }

    async fn an_expired_lease_is_taken_over_and_a_live_one_is_not(app: TestApp) {
        let db = app.db();
        let slot = day("2026-11-28");
        assert_eq!(claim(&db, JOB, &slot, "a", Duration::ZERO).await, Claim::Claimed { attempt: 1 });
        assert!(
            matches!(claim(&db, JOB, &slot, "b", LEASE / 2).await, Claim::HeldByOther { ref instance, .. } if instance == "a"),
            "a live lease is respected"
        );
        let after_lease = LEASE + Duration::from_secs(1);
        assert_eq!(
            claim(&db, JOB, &slot, "b", after_lease).await,
            Claim::Claimed { attempt: 2 },
            "a lease that ran out is taken over"
        );
        assert!(
            matches!(claim(&db, JOB, &slot, "c", after_lease).await, Claim::HeldByOther { ref instance, .. } if instance == "b"),
            "the new holder's lease is respected"
        );
        assert!(!finish(&db, JOB, &slot, "a", 1).await, "the dead runner cannot record over the new one");
        assert!(finish(&db, JOB, &slot, "b", 2).await);
        assert!(
            matches!(
                claim(&db, JOB, &slot, "c", after_lease * 3).await,
                Claim::AlreadyDone { ref instance, outcome: RunOutcome::Succeeded, .. } if instance == "b"
            ),
            "a finished slot never runs again, however late"
        );
        let renewed = db
            .run({
                let slot = slot.clone();
                move |conn| store::renew_lease(conn, JOB, &slot, "b", 2, now_utc(), LEASE)
            })
            .await
            .expect("renewal answers");
        assert!(!renewed, "a finished run holds no lease");
    }

    async fn purge_expired_sessions_removes_long_expired_sessions_and_keeps_the_rest(app: TestApp) {
        let phone = "13800138001";
        let (user_id, live) = app.resident(phone, "dongguan-g1").await;
        let recently_expired = app.login(phone).await;
        let long_expired = app.login(phone).await;
        let db = app.db();
        expire(&db, &recently_expired, Duration::from_secs(86_400)).await;
        expire(&db, &long_expired, Duration::from_secs(8 * 86_400)).await;

        let (code, stdout, stderr) = jobs_run(&app, &[JOB]).await;
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("succeeded") && stdout.contains(r#"{"sessions_purged":1}"#), "{stdout}");

        let kept: BTreeSet<String> = db
            .run(move |conn| {
                sessions::table
                    .filter(sessions::user_id.eq(user_id))
                    .select(sessions::token_hash)
                    .load::<String>(conn)
                    .map_err(linli_domain::db::StoreError::from)
            })
            .await
            .expect("sessions are read")
            .into_iter()
            .collect();
        let hash = |token: &str| linli_domain::sessions::hash_token(token);
        assert_eq!(kept, BTreeSet::from([hash(&live), hash(&recently_expired)]));
        assert_eq!(app.get_as(&live, "/api/v1/me").await.status, 200);
        app.get_as(&long_expired, "/api/v1/me").await.assert_problem(401, "invalid_token");

        let (code, stdout, stderr) = jobs_run(&app, &[JOB]).await;
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("already succeeded"), "the slot runs once: {stdout}");

        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let runs = app.get_as(&admin, "/api/v1/job-runs?job=purge_expired_sessions").await;
        assert_eq!(runs.status, 200, "{}", runs.text);
        let runs = runs.json.as_array().expect("a list").clone();
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["job"], JOB);
        assert_eq!(runs[0]["state"], "succeeded");
        assert_eq!(runs[0]["outcome"], "succeeded");
        assert_eq!(runs[0]["attempt"], 1);
        assert_eq!(runs[0]["detail"]["sessions_purged"], 1);
        assert!(runs[0]["finished_at"].is_string() && runs[0]["started_at"].is_string());
        app.get_as(&live, "/api/v1/job-runs").await.assert_problem(403, "forbidden");
    }

    async fn list_job_runs_pages_newest_first_filters_by_job_and_checks_its_parameters(app: TestApp) {
        let db = app.db();
        for (job, slot) in [(JOB, "2026-11-01"), ("another_job", "2026-11-01"), (JOB, "2026-11-02"), (JOB, "2026-11-03")] {
            let slot = day(slot);
            assert_eq!(claim(&db, job, &slot, "a", Duration::ZERO).await, Claim::Claimed { attempt: 1 });
            if slot.as_str() != "2026-11-03" {
                assert!(finish(&db, job, &slot, "a", 1).await);
            }
        }
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let page = app.get_as(&admin, "/api/v1/job-runs?job=purge_expired_sessions&limit=2").await;
        assert_eq!(page.status, 200, "{}", page.text);
        let slots: Vec<(&str, &str)> = page.json.as_array().expect("a list").iter()
            .map(|r| (r["slot"].as_str().unwrap_or_default(), r["state"].as_str().unwrap_or_default()))
            .collect();
        assert_eq!(slots, [("2026-11-03", "running"), ("2026-11-02", "succeeded")]);
        let all = app.get_as(&admin, "/api/v1/job-runs").await;
        assert_eq!(all.json.as_array().map(Vec::len), Some(4), "{}", all.text);
        app.get_as(&admin, "/api/v1/job-runs?limit=0").await.assert_problem(400, "invalid_parameter");
        app.get_as(&admin, "/api/v1/job-runs?limit=201").await.assert_problem(400, "invalid_parameter");
        app.get_as(&admin, "/api/v1/job-runs?limit=ten").await.assert_problem(400, "invalid_parameter");
        app.get("/api/v1/job-runs").await.assert_problem(401, "unauthenticated");
        let (_, resident) = app.resident("13800138002", "dongguan-g1").await;
        app.get_as(&resident, "/api/v1/job-runs").await.assert_problem(403, "forbidden");
    }
}

#[test]
fn an_unknown_job_or_a_malformed_slot_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/linli.db", dir.path().display());
    let run = |args: &[&str]| {
        let output = std::process::Command::new(binary())
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .args(["jobs", "run"])
            .args(args)
            .output()
            .expect("linli runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["no_such_job"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("unknown job `no_such_job`") && stderr.contains(JOB),
        "{stderr}"
    );
    let (code, stderr) = run(&[JOB, "--slot", "2026-1-1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--slot") && stderr.contains("YYYY-MM-DD"),
        "{stderr}"
    );
    assert!(!dir.path().join("linli.db").exists(), "nothing was opened");
}

/// What one `linli serve` logged about a job: its instance, the slots it ran, the slots it
/// fired but found done or held by the other.
#[derive(Debug, Default)]
struct Firings {
    instance: String,
    ran: Vec<String>,
    skipped: BTreeSet<String>,
}

impl Firings {
    fn from_log(log: &str) -> Self {
        let mut firings = Self::default();
        for event in log
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            // Other catalogue jobs fire in the same processes; only this job's slots count.
            .filter(|e| e["job"].as_str().is_none_or(|job| job == JOB))
        {
            let slot = event["slot"].as_str().unwrap_or_default().to_owned();
            match event["message"].as_str().unwrap_or_default() {
                "job scheduler started" => {
                    firings.instance = event["instance"].as_str().unwrap_or_default().to_owned();
                }
                "job run succeeded" | "job run failed" => firings.ran.push(slot),
                "slot already done" | "slot held elsewhere" => {
                    firings.skipped.insert(slot);
                }
                _ => {}
            }
        }
        firings
    }

    fn fired(&self) -> BTreeSet<String> {
        self.ran
            .iter()
            .cloned()
            .chain(self.skipped.iter().cloned())
            .collect()
    }
}

/// The primary key alone cannot show a double run (a second insert just fails), so the proof
/// is in what each process did: every execution is logged by the process that performed it.
/// Both processes fire every second; the executions they logged, taken together, must cover
/// each recorded slot exactly once, and the slots both fired show they really contended.
#[test]
#[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
fn two_serve_processes_on_one_postgres_run_each_slot_exactly_once() {
    if std::env::var("LINLI_TEST_POSTGRES_URL").is_err() {
        eprintln!("skipped: LINLI_TEST_POSTGRES_URL is unset");
        return;
    }
    let database = linli_tests::postgres::TestDatabase::create();
    let url = url_of(&database.url);
    let envs = [
        ("DATABASE_URL", url.as_str()),
        ("LINLI_JOBS__PURGE_EXPIRED_SESSIONS", "* * * * * *"),
        ("LINLI_LOG_FORMAT", "json"),
        ("LINLI_LOG_LEVEL", "linli_jobs=debug,warn"),
    ];
    let started = Instant::now();
    let mut first = Served::start(&envs);
    let mut second = Served::start(&envs);
    let together = Instant::now();
    std::thread::sleep(Duration::from_secs(4));
    let overlap = together.elapsed();
    let (first_code, first_log) = first.stop();
    let (second_code, second_log) = second.stop();
    let elapsed = started.elapsed();
    assert_eq!(
        (first_code, second_code),
        (0, 0),
        "{first_log}\n{second_log}"
    );

    let mut conn =
        linli_domain::db::ConnectionManager::new(database.url.clone(), Default::default())
            .open()
            .expect("the database opens");
    let runs = store::list(
        &mut conn,
        &RunFilter {
            job: Some(JOB.into()),
            limit: 1000,
        },
    )
    .expect("runs are listed");
    let recorded: BTreeMap<String, String> = runs
        .iter()
        .map(|r| (r.slot.to_string(), r.instance.clone()))
        .collect();
    assert!(
        runs.iter()
            .all(|r| r.attempt == 1 && r.outcome == Some(RunOutcome::Succeeded)),
        "every slot ran to success on its first attempt: {runs:?}"
    );

    let processes = [
        Firings::from_log(&first_log),
        Firings::from_log(&second_log),
    ];
    let mut executed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for process in &processes {
        assert!(!process.instance.is_empty(), "{processes:?}");
        for slot in &process.ran {
            executed
                .entry(slot.clone())
                .or_default()
                .push(process.instance.clone());
        }
    }
    let twice: Vec<_> = executed.iter().filter(|(_, who)| who.len() > 1).collect();
    assert!(twice.is_empty(), "slots executed more than once: {twice:?}");
    let executed: BTreeMap<String, String> = executed
        .into_iter()
        .map(|(slot, mut who)| (slot, who.remove(0)))
        .collect();
    assert_eq!(
        executed, recorded,
        "the logged executions are exactly the recorded runs"
    );

    let contended: BTreeSet<_> = processes[0]
        .fired()
        .intersection(&processes[1].fired())
        .cloned()
        .collect();
    assert!(
        contended.len() >= 2,
        "both processes fired the same slots ({contended:?}); first {:?}, second {:?}",
        processes[0],
        processes[1]
    );
    let slots = runs.len() as u64;
    assert!(
        slots + 1 >= overlap.as_secs() && slots <= elapsed.as_secs() + 1,
        "{slots} slots in {overlap:?} together, {elapsed:?} overall"
    );
    eprintln!(
        "{slots} slots in {elapsed:?}: first ran {}, second ran {}, {} slots fired by both",
        processes[0].ran.len(),
        processes[1].ran.len(),
        contended.len()
    );
}

/// A runner that died leaves its slots unfinished under a lease. An instance that fired those
/// slots waits for the lease to run out, then takes each slot over and runs it (attempt 2).
#[test]
fn a_firing_instance_takes_over_the_slots_of_a_dead_runner_once_its_lease_runs_out() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = DatabaseUrl::Sqlite(dir.path().join("linli.db"));
    let mut conn = linli_domain::db::ConnectionManager::new(database.clone(), Default::default())
        .open()
        .expect("the database opens");
    linli_domain::db::migrate::run_pending(&mut conn).expect("the database migrates");
    let base = now_utc();
    let dead_lease = Duration::from_secs(5);
    let slots: Vec<Slot> = [3, 4]
        .into_iter()
        .map(|ahead| {
            let at = (base + Duration::from_secs(ahead))
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string();
            rules::parse_slot(&at, Granularity::Second).expect("a second slot")
        })
        .collect();
    for slot in &slots {
        let claimed = db::write(&mut conn, |conn| {
            store::claim_slot(conn, JOB, slot, "dead-runner", base, dead_lease)
        })
        .expect("the dead runner claims");
        assert_eq!(claimed, Claim::Claimed { attempt: 1 });
    }

    let url = url_of(&database);
    let mut served = Served::start(&[
        ("DATABASE_URL", url.as_str()),
        ("LINLI_TIME_ZONE", "UTC"),
        ("LINLI_JOBS__PURGE_EXPIRED_SESSIONS", "* * * * * *"),
        ("LINLI_LOG_FORMAT", "json"),
        ("LINLI_LOG_LEVEL", "linli_jobs=debug,warn"),
    ]);
    let until_taken_over = (base + dead_lease + Duration::from_secs(3)) - now_utc();
    std::thread::sleep(until_taken_over.to_std().unwrap_or_default());
    let metrics = http_get(served.port, "/metrics");
    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    for series in [
        r#"linli_job_runs_total{job="purge_expired_sessions",outcome="succeeded"}"#,
        r#"linli_job_duration_seconds_bucket{job="purge_expired_sessions""#,
        r#"linli_job_last_success_timestamp_seconds{job="purge_expired_sessions"}"#,
        r#"linli_job_slots_skipped_total{job="purge_expired_sessions",reason="held_by_other"}"#,
    ] {
        assert!(
            metrics.contains(series),
            "{series} missing from /metrics:\n{metrics}"
        );
    }
    let instance = Firings::from_log(&log).instance;
    for slot in &slots {
        let run = store::find(&mut conn, JOB, slot)
            .expect("the run is read")
            .expect("the run exists");
        assert_eq!(
            (run.attempt, run.instance.as_str(), run.outcome),
            (2, instance.as_str(), Some(RunOutcome::Succeeded)),
            "{slot} was taken over and run: {log}"
        );
    }
}
