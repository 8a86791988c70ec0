//! The real `linli serve` process: it prints where it listens, and SIGTERM lets in-flight
//! requests finish before it exits cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(crate::cli::binary())
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LINLI_BIND", "127.0.0.1:0")
        .env("LINLI_JOBS_ENABLED", "false")
        .env("LINLI_LOG_LEVEL", "warn")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("linli starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (found, url) = tokio::sync::oneshot::channel();
    // Keeps reading to the end, so the service never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.split(" on ").nth(1)
                && let Some(found) = found.take()
            {
                let _ignored = found.send(url.trim().to_owned());
            }
        }
    });
    let base = url.await.expect("linli prints the URL it serves on");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz answers");
    assert_eq!(ready.status(), 200);
    linli_domain::seed::demo_areas(
        &mut linli_domain::db::ConnectionManager::new(
            linli_domain::db::DatabaseUrl::Sqlite(dir.path().join("data/linli.db")),
            Default::default(),
        )
        .open()
        .expect("the database the service created opens"),
        linli_domain::time::now_utc(),
    )
    .expect("areas load");
    let grid = client
        .get(format!("{base}/api/v1/areas"))
        .send()
        .await
        .expect("areas answer")
        .json::<serde_json::Value>()
        .await
        .expect("JSON")
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["level"] == "grid")
        .expect("a grid")["id"]
        .clone();
    // Registrations hash passwords (tens of milliseconds each), so several are in flight
    // when the signal arrives.
    let registrations: Vec<_> = (0..12)
        .map(|i| {
            let client = client.clone();
            let url = format!("{base}/api/v1/accounts");
            let body = json!({"phone": format!("1380013{i:04}"), "password": linli_tests::PASSWORD, "display_name": "居民", "home_grid_id": grid});
            tokio::spawn(async move { client.post(url).json(&body).send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let mut completed = 0;
    for registration in registrations {
        let status = registration
            .await
            .expect("the task finishes")
            .expect("an in-flight request is answered, not dropped");
        assert_eq!(status, 201);
        completed += 1;
    }
    assert_eq!(completed, 12);
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("waited")
        .expect("an exit status");
    assert!(exit.success(), "linli exited with {exit}");
}
