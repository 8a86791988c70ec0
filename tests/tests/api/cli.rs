//! The `linli` binary refuses bad configuration before binding, with one line naming the setting.

use std::process::Command;

/// The `linli` binary under test (built by cargo for this test, see `src/bin/linli-under-test.rs`).
pub(crate) fn binary() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_linli-under-test"))
}

fn linli(envs: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(binary())
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .expect("linli runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_database_scheme_stops_with_a_line_naming_the_setting() {
    let (code, _, stderr) = linli(
        &[("DATABASE_URL", "mysql://root@localhost/linli")],
        &["serve"],
    );
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("unknown scheme"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_setting_stops_the_service() {
    let (code, _, stderr) = linli(&[("LINLI_BINDD", "127.0.0.1:1")], &["serve"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bindd"), "{stderr}");
}

#[test]
fn a_five_field_cron_expression_is_refused() {
    let (code, _, stderr) = linli(
        &[("LINLI_JOBS__PURGE_EXPIRED_SESSIONS", "0 3 * * *")],
        &["serve"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("jobs.purge_expired_sessions"), "{stderr}");
}

#[test]
fn an_unparseable_bind_address_is_refused() {
    let (code, _, stderr) = linli(&[("LINLI_BIND", "localhost")], &["serve"]);
    assert_eq!(code, 2);
    assert!(stderr.to_lowercase().contains("bind"), "{stderr}");
}

#[test]
fn an_unreachable_postgres_is_a_clear_error_not_a_panic() {
    let (code, _, stderr) = linli(
        &[("DATABASE_URL", "postgres://linli:secret@127.0.0.1:1/linli")],
        &["migrate"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
    assert!(!stderr.contains("secret"), "the password leaked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unwritable_sqlite_path_is_a_clear_error() {
    let (code, _, stderr) = linli(
        &[("DATABASE_URL", "sqlite:///proc/linli/linli.db")],
        &["migrate"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot open SQLite database"), "{stderr}");
}

#[test]
fn help_lists_the_configuration_settings() {
    let (code, stdout, _) = linli(&[], &["serve", "--help"]);
    assert_eq!(code, 0);
    for variable in [
        "LINLI_BIND",
        "DATABASE_URL",
        "LINLI_SQLITE_SYNCHRONOUS",
        "LINLI_TIME_ZONE",
    ] {
        assert!(
            stdout.contains(variable),
            "{variable} missing from help:\n{stdout}"
        );
    }
}

#[test]
fn migrate_then_seed_twice_reports_nothing_new_the_second_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/linli.db", dir.path().display());
    let (code, stdout, stderr) = linli(&[("DATABASE_URL", &url)], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("applied"), "{stdout}");
    let (code, stdout, _) = linli(&[("DATABASE_URL", &url)], &["seed", "--demo"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("17 areas (17 new), 9 new people, 7 organizations (7 new)"),
        "{stdout}"
    );
    assert!(stdout.contains("13900000001"), "{stdout}");
    let (_, stdout, _) = linli(&[("DATABASE_URL", &url)], &["seed", "--demo"]);
    assert!(
        stdout.contains("17 areas (0 new), 0 new people, 7 organizations (0 new)"),
        "{stdout}"
    );
}

#[test]
fn a_database_from_a_newer_linli_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/linli.db", dir.path().display());
    let (code, _, stderr) = linli(&[("DATABASE_URL", &url)], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    let path = dir.path().join("linli.db");
    let mut conn =
        <diesel::SqliteConnection as diesel::Connection>::establish(&path.display().to_string())
            .expect("the database opens");
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
    )
    .expect("a future migration is recorded");
    let (code, _, stderr) = linli(&[("DATABASE_URL", &url)], &["migrate"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("newer than this linli"), "{stderr}");
}

/// A `linli serve` this test started, stopped with SIGTERM (or killed if the test panics).
pub(crate) struct Served {
    child: Option<std::process::Child>,
    /// The port it bound (LINLI_BIND=127.0.0.1:0).
    pub(crate) port: u16,
    stderr: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Starts `linli serve` with `envs` on an ephemeral port and waits until it serves.
    pub(crate) fn start(envs: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let stdout = dir.path().join("stdout.log");
        let stderr = dir.path().join("stderr.log");
        let child = Command::new(binary())
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LINLI_BIND", "127.0.0.1:0")
            .envs(envs.iter().copied())
            .arg("serve")
            .stdout(std::fs::File::create(&stdout).expect("a log file"))
            .stderr(std::fs::File::create(&stderr).expect("a log file"))
            .spawn()
            .expect("linli starts");
        let mut served = Self {
            child: Some(child),
            port: 0,
            stderr,
            _dir: dir,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let banner = std::fs::read_to_string(&stdout).unwrap_or_default();
            let port = banner
                .lines()
                .find(|line| line.starts_with("Linli is serving"))
                .and_then(|line| line.rsplit(':').next())
                .and_then(|port| port.trim().parse().ok());
            // Ready once it answers: by then it also listens for SIGTERM.
            if let Some(port) = port
                && http_get(port, "/readyz").starts_with("HTTP/1.1 200")
            {
                served.port = port;
                return served;
            }
            let exited = served
                .child
                .as_mut()
                .is_none_or(|c| c.try_wait().ok().flatten().is_some());
            if exited {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let (code, log) = served.stop();
        panic!("linli serve did not start (exit {code}): {log}");
    }

    /// Kills the process with SIGKILL (a crash: nothing runs after it) and returns its log.
    pub(crate) fn kill_hard(&mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends SIGTERM, waits, and returns the exit code and everything it logged.
    pub(crate) fn stop(&mut self) -> (i32, String) {
        let Some(mut child) = self.child.take() else {
            return (-1, String::new());
        };
        let signalled = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !signalled {
            let _ = child.kill();
        }
        let code = child.wait().expect("linli exits").code().unwrap_or(-1);
        (
            code,
            std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        )
    }
}

/// A plain HTTP/1.1 GET on loopback, for tests without an async runtime; empty when refused.
pub(crate) fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let mut response = String::new();
    let sent = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    if sent.is_ok() {
        let _ = stream.read_to_string(&mut response);
    }
    response
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_second_serve_on_the_same_sqlite_file_is_refused_until_the_first_stops() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/linli.db", dir.path().display());
    let envs = [
        ("DATABASE_URL", url.as_str()),
        ("LINLI_JOBS_ENABLED", "false"),
    ];
    let mut first = Served::start(&envs);
    let (code, stdout, stderr) = linli(
        &[
            ("DATABASE_URL", url.as_str()),
            ("LINLI_BIND", "127.0.0.1:0"),
        ],
        &["serve"],
    );
    let (first_code, _) = first.stop();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("another linli serve") && stderr.contains("linli.db"),
        "{stderr}"
    );
    assert!(!stdout.contains("Linli is serving"), "{stdout}");
    assert_eq!(
        first_code, 0,
        "the first serve shuts down cleanly on SIGTERM"
    );
    let mut again = Served::start(&envs);
    assert_eq!(again.stop().0, 0, "the lock died with the first process");
}
