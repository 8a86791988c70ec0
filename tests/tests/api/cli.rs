//! The `linli` binary refuses bad configuration before binding, with one line naming the setting.

use std::process::Command;

/// The `linli` binary `cargo test --workspace` built beside this test executable.
fn binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test executable path");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>");
    let binary = dir.join(format!("linli{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test --workspace`",
        binary.display()
    );
    binary
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
        stdout.contains("17 areas (17 new), 9 new people"),
        "{stdout}"
    );
    assert!(stdout.contains("13900000001"), "{stdout}");
    let (_, stdout, _) = linli(&[("DATABASE_URL", &url)], &["seed", "--demo"]);
    assert!(
        stdout.contains("17 areas (0 new), 0 new people"),
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
