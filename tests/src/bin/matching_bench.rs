//! Matching figures against the real server on loopback: `list_need_candidates` for needs
//! among `volunteers` verified volunteers (default 100,000, all in the demo street so every
//! street-radius volunteer is scored for every need), p50/p99 over `requests` sequential
//! requests; the first request (which builds the index) and the first after a profile change
//! (which rebuilds it); and the straight-from-the-store ranking in process as the baseline.
//! Seeds only the throwaway database the harness made for this run. Bounded; stops by itself.
//!
//! `matching_bench [sqlite|postgres] [volunteers] [requests]` (defaults: sqlite 100000 2000).

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use linli_domain::access::Role;
use linli_domain::accounts::UserId;
use linli_domain::db::{AnyConnection, StoreError};
use linli_domain::matching::usecases::need_candidates_from_store;
use linli_domain::needs::NeedId;
use linli_domain::time::now_utc;
use linli_tests::{Engine, TestApp, spawn_app};
use serde_json::{Value, json};

const GRIDS: [&str; 12] = [
    "dongguan-g1",
    "dongguan-g2",
    "dongguan-g3",
    "dongguan-g4",
    "beiguan-g1",
    "beiguan-g2",
    "beiguan-g3",
    "beiguan-g4",
    "caoba-g1",
    "caoba-g2",
    "caoba-g3",
    "caoba-g4",
];

const SKILLS: [&str; 6] = [
    "companionship",
    "elder_care",
    "errands",
    "repairs",
    "tutoring",
    "meal_delivery",
];

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

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "p50 {} p99 {} max {} (n={})",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
        times.len()
    )
}

/// Inserts `count` verified volunteers living in `grid` with set-based statements: two skills,
/// three weekly slots and a radius each, spread by id.
fn seed_grid(
    conn: &mut AnyConnection,
    engine: Engine,
    grid: i64,
    count: usize,
) -> Result<(), StoreError> {
    let at = match engine {
        Engine::Postgres => "TIMESTAMP '2026-11-01 00:00:00'",
        Engine::Sqlite => "'2026-11-01 00:00:00'",
    };
    let mine = format!("FROM users WHERE phone LIKE 'bench-{grid}-%'");
    let skill = |offset: &str| {
        let cases: String = SKILLS
            .iter()
            .enumerate()
            .map(|(i, s)| format!(" WHEN {i} THEN '{s}'"))
            .collect();
        format!("CASE ({offset}) %6{cases} END")
    };
    let mut statements = vec![
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             INSERT INTO users (phone, password_hash, display_name, home_grid_id, locale, status, \
             created_at, updated_at) SELECT 'bench-{grid}-' || i, 'x', 'volunteer', {grid}, \
             'zh-CN', 'active', {at}, {at} FROM n"
        ),
        format!(
            "INSERT INTO volunteer_profiles (user_id, service_radius, languages, \
             real_name_verified_at, updated_at) SELECT id, CASE id % 3 WHEN 0 THEN 'grid' \
             WHEN 1 THEN 'community' ELSE 'street' END, '[]', {at}, {at} {mine}"
        ),
        format!(
            "INSERT INTO role_grants (user_id, role, area_id, created_at) \
             SELECT id, 'volunteer', home_grid_id, {at} {mine}"
        ),
        format!(
            "INSERT INTO volunteer_skills (user_id, skill_code) SELECT id, {} {mine}",
            skill("id")
        ),
        format!(
            "INSERT INTO volunteer_skills (user_id, skill_code) SELECT id, {} {mine}",
            skill("id % 6 + 1 + (id / 6) % 5")
        ),
    ];
    for k in 1..=3 {
        statements.push(format!(
            "INSERT INTO availability_slots (user_id, weekday, start_minute, end_minute) \
             SELECT id, 1 + (id * {k} + {k}) % 7, ((id * {m}) % 20) * 60, ((id * {m}) % 20) * 60 + 180 {mine}",
            m = 7 * k + 3
        ));
    }
    for statement in statements {
        diesel::sql_query(statement)
            .execute(conn)
            .map_err(StoreError::from)?;
    }
    Ok(())
}

async fn timed_get(app: &TestApp, token: &str, path: &str) -> (Duration, Value) {
    let started = Instant::now();
    let reply = app.get_as(token, path).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 200, "{}", reply.text);
    (took, reply.json)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let engine = match args.next().as_deref() {
        Some("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    };
    let volunteers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);

    let app = spawn_app(engine).await;
    let (staff_id, staff) = app
        .staff("13900000001", Role::StreetAdmin, Some("-dongdajie"))
        .await;
    let mut grids = Vec::new();
    for grid in GRIDS {
        grids.push(app.area(grid).await);
    }
    let seeding = Instant::now();
    let db = app.db();
    let per_grid = volunteers / GRIDS.len();
    let rest = volunteers - per_grid * GRIDS.len();
    let seeded_grids = grids.clone();
    db.run(move |conn| {
        linli_domain::db::write(conn, |conn| {
            for (i, grid) in seeded_grids.iter().enumerate() {
                let count = per_grid + usize::from(i < rest);
                seed_grid(conn, engine, *grid, count)?;
            }
            Ok::<_, StoreError>(())
        })
    })
    .await
    .expect("volunteers seeded");
    say(format!(
        "{}: seeded {volunteers} volunteers in {:.1} s",
        db.engine(),
        seeding.elapsed().as_secs_f64()
    ));

    // One need per community, posted by a resident of its first grid.
    let mut needs = Vec::new();
    for (i, grid) in ["dongguan-g1", "beiguan-g2", "caoba-g3"].iter().enumerate() {
        let (_, resident) = app.resident(&format!("1370000000{i}"), grid).await;
        let start = chrono::Utc::now() + chrono::Duration::hours(24);
        let reply = app
            .post_as(
                &resident,
                "/api/v1/needs",
                &json!({
                    "category_code": "companionship",
                    "description": "基准测试",
                    "window_start": start.to_rfc3339(),
                    "window_end": (start + chrono::Duration::hours(2)).to_rfc3339(),
                    "duration_minutes": 60,
                    "headcount": 1,
                }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        needs.push(reply.json["id"].as_i64().expect("a need id"));
    }
    let path = |need: i64| format!("/api/v1/needs/{need}/candidates?limit=20");

    let (cold, first) = timed_get(&app, &staff, &path(needs[0])).await;
    say(format!(
        "first request (builds the index): {}; {} candidates returned",
        ms(cold),
        first.as_array().map_or(0, Vec::len)
    ));
    for need in &needs {
        timed_get(&app, &staff, &path(*need)).await;
    }
    let mut times = Vec::with_capacity(requests);
    let started = Instant::now();
    for i in 0..requests {
        let (took, _) = timed_get(&app, &staff, &path(needs[i % needs.len()])).await;
        times.push(took);
    }
    say(format!(
        "list_need_candidates over HTTP, index warm: {} ({:.0} requests/s, one client)",
        summary(times),
        requests as f64 / started.elapsed().as_secs_f64()
    ));

    let mut rebuilds = Vec::new();
    for round in 0..3 {
        let who = first[round]["volunteer_id"].as_i64().expect("an id");
        db.run(move |conn| {
            diesel::sql_query(format!(
                "INSERT INTO volunteer_skills (user_id, skill_code) VALUES ({who}, 'legal_aid')"
            ))
            .execute(conn)
            .map_err(StoreError::from)
        })
        .await
        .expect("a skill added");
        let (took, _) = timed_get(&app, &staff, &path(needs[0])).await;
        rebuilds.push(took);
    }
    say(format!(
        "first request after a profile change (rebuilds the index): {}",
        summary(rebuilds)
    ));

    let principal = db
        .run(move |conn| {
            let user = linli_domain::accounts::store::get(conn, UserId(staff_id))?
                .expect("the staff member");
            linli_domain::access::store::principal(conn, user)
        })
        .await
        .expect("a principal");
    let mut baseline = Vec::new();
    for i in 0..10 {
        let started = Instant::now();
        need_candidates_from_store(
            &db,
            principal.clone(),
            NeedId(needs[i % needs.len()]),
            20,
            chrono_tz::Asia::Shanghai,
            now_utc(),
        )
        .await
        .expect("ranked from the store");
        baseline.push(started.elapsed());
    }
    say(format!(
        "baseline: the same ranking gathered from the store per request, in process: {}",
        summary(baseline)
    ));
}

#[expect(clippy::print_stdout, reason = "the figures are this program's output")]
fn say(line: String) {
    println!("{line}");
}
