//! The `linli` command: serve, migrate, seed, print the spec, list jobs.

use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use linli_domain::db::{ConnectionManager, migrate};

use crate::app::{Application, open_store};
use crate::config::{Config, settings_help};
use crate::{routes, telemetry};

/// Linli (邻里): smart-community coordination — needs, volunteers, points, paid services.
#[derive(Debug, Parser)]
#[command(name = "linli", version, after_long_help = settings_help(), after_help = "Run `linli --help` for the configuration settings.")]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (migrating the database first unless LINLI_AUTO_MIGRATE=false).
    #[command(after_help = settings_help())]
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo district (汉台区 → 东大街道 → 3 communities → 12 grids); safe to run again.
        #[arg(long)]
        demo: bool,
    },
    /// Print the OpenAPI description (what `openapi/openapi.json` holds).
    Openapi,
    /// Administration without the API.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Scheduled jobs.
    Jobs {
        /// What to do with jobs.
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account holding a role, e.g. the first platform admin. The password is read
    /// from LINLI_ADMIN_PASSWORD, or else from the first line of standard input.
    CreateUser {
        /// Mainland mobile number (the login).
        #[arg(long)]
        phone: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// platform_admin, street_admin, community_staff, social_worker, grid_worker, volunteer or resident.
        #[arg(long, default_value = "platform_admin")]
        role: String,
        /// Code of the area the role is held on (every role but platform_admin needs one).
        #[arg(long)]
        area_code: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List jobs with their schedules and next runs.
    List,
    /// Run one slot of a job now, through the same once-per-slot claim as scheduled runs: a
    /// slot that already ran is not run again. Exits 1 when the run fails or the slot is held.
    Run {
        /// The job, as `linli jobs list` names it.
        name: String,
        /// The business slot, written as the job's slots are (e.g. 2026-11-28 for a daily
        /// job); the current slot in LINLI_TIME_ZONE when omitted.
        #[arg(long)]
        slot: Option<String>,
    },
}

/// Parses arguments, runs the command and turns every failure into one line and an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return print(&routes::spec_json());
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => return fail(2, &format!("configuration error: {error}")),
    };
    telemetry::init(&config);
    if let Command::Jobs {
        command: JobsCommand::Run { name, slot },
    } = &command
        && let Err(error) = config
            .job_settings()
            .map_err(|e| e.to_string())
            .and_then(|settings| {
                linli_jobs::runner::slot_for_hand_run(&settings, name, slot.as_deref())
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
    {
        return fail(2, &format!("jobs run: {error}"));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(1, &format!("cannot start the async runtime: {error}")),
    };
    let outcome = runtime.block_on(async move {
        match command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate_now(config).await,
            Command::Seed { demo } => seed(config, demo).await,
            Command::Jobs {
                command: JobsCommand::List,
            } => list_jobs(&config),
            Command::Jobs {
                command: JobsCommand::Run { name, slot },
            } => run_job(config, name, slot).await,
            Command::Admin {
                command:
                    AdminCommand::CreateUser {
                        phone,
                        name,
                        role,
                        area_code,
                    },
            } => create_user(config, phone, name, role, area_code).await,
            Command::Openapi => Ok(()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(1, &message),
    }
}

#[expect(clippy::print_stdout, reason = "the command's output is its stdout")]
fn print(text: &str) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}

/// Writes lines for the operator; a closed stdout (a supervisor that stopped reading) must not
/// take a running service down, so write errors are ignored rather than panicking as `println!` does.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ignored = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("linli: {message}");
    ExitCode::from(code)
}

async fn serve(config: Config) -> Result<(), String> {
    let shutdown = shutdown_signal()?;
    let app = Application::build(config.clone())
        .await
        .map_err(|e| e.to_string())?;
    let host = match config.bind.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        ip if ip.is_ipv6() => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let base = format!("http://{host}:{}", app.port());
    say(&format!(
        "Linli is serving {} on {base}\n  API docs: {base}/docs\n  spec:     {base}{}/openapi.json\n  ready:    {base}/readyz",
        config.database_url,
        routes::API_PREFIX
    ));
    app.run_until(shutdown)
        .await
        .map_err(|e| format!("server failed: {e}"))?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Listens for SIGINT and SIGTERM from the moment it is called, so a signal that arrives while
/// the service is still starting shuts it down cleanly; the future completes on either.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot listen for SIGINT: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    })
}

/// Completes on Ctrl-C where Unix signals do not exist.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, String> {
    Ok(async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    })
}

async fn migrate_now(config: Config) -> Result<(), String> {
    let url = config.database_url.clone();
    let options = config.pool_options();
    let applied = tokio::task::spawn_blocking(move || {
        let mut conn = ConnectionManager::new(url, options.sqlite)
            .open()
            .map_err(|e| e.to_string())?;
        migrate::run_pending(&mut conn).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    if applied.is_empty() {
        say(&format!("{}: schema is current", config.database_url));
    } else {
        say(&format!(
            "{}: applied {}",
            config.database_url,
            applied.join(", ")
        ));
    }
    Ok(())
}

async fn seed(config: Config, demo: bool) -> Result<(), String> {
    if !demo {
        return Err("nothing to seed: pass --demo".into());
    }
    let db = open_store(&config).await.map_err(|e| e.to_string())?;
    let report = linli_domain::seed::demo(&db, linli_domain::time::now_utc())
        .await
        .map_err(|e| e.to_string())?;
    say(&format!(
        "demo district seeded into {}: {} areas ({} new), {} new people, {} organizations ({} new), {} new paid orders, {} new needs",
        config.database_url,
        report.areas,
        report.areas_created,
        report.people_created,
        report.organizations,
        report.organizations_created,
        report.paid_orders_created,
        report.needs_created
    ));
    say(&format!(
        "demo accounts (password for all: {}):",
        linli_domain::seed::DEMO_PASSWORD
    ));
    for person in linli_domain::seed::DEMO_PEOPLE {
        say(&format!(
            "  {}  {:<6} {}",
            person.phone, person.name, person.title
        ));
    }
    Ok(())
}

fn list_jobs(config: &Config) -> Result<(), String> {
    let schedules = linli_jobs::resolve_schedules(&config.jobs).map_err(|e| e.to_string())?;
    let now = Utc::now().with_timezone(&config.time_zone);
    say(&format!(
        "jobs {} in this instance; times in {}",
        if config.jobs_enabled {
            "run"
        } else {
            "do not run"
        },
        config.time_zone
    ));
    for job in linli_jobs::CATALOGUE {
        let line = match &schedules[job.name] {
            Some(schedule) => format!(
                "{:<26} {:<16} next {}  — {}",
                job.name,
                schedule.expression(),
                schedule.next_after(&now).map_or_else(
                    || "never".into(),
                    |t| t.format("%Y-%m-%d %H:%M:%S").to_string()
                ),
                job.reason
            ),
            None => format!(
                "{:<26} {:<16} disabled  — {}",
                job.name, "(none)", job.reason
            ),
        };
        say(&line);
    }
    Ok(())
}

async fn run_job(config: Config, name: String, slot: Option<String>) -> Result<(), String> {
    use linli_domain::job_runs::RunOutcome;
    use linli_jobs::RunReport;
    let settings = config.job_settings().map_err(|e| e.to_string())?;
    let db = open_store(&config).await.map_err(|e| e.to_string())?;
    let report = linli_jobs::run_once(&db, &settings, &name, slot.as_deref())
        .await
        .map_err(|e| format!("jobs run: {e}"))?;
    match report {
        RunReport::Ran(run) => {
            let line = format!(
                "{name} {}: {} in {:.3}s, attempt {}{}: {}",
                run.slot,
                run.outcome.as_str(),
                run.elapsed.as_secs_f64(),
                run.attempt,
                if run.recorded {
                    ""
                } else {
                    " (not recorded: the slot was taken over)"
                },
                run.detail
            );
            match run.outcome {
                RunOutcome::Succeeded => {
                    say(&line);
                    Ok(())
                }
                RunOutcome::Failed => Err(line),
            }
        }
        RunReport::AlreadyDone {
            slot,
            instance,
            outcome,
            finished_at,
        } => {
            say(&format!(
                "{name} {slot}: already {} at {} UTC by {instance}; nothing to do",
                outcome.as_str(),
                finished_at.format("%Y-%m-%d %H:%M:%S")
            ));
            Ok(())
        }
        RunReport::HeldByOther {
            slot,
            instance,
            lease_until,
        } => Err(format!(
            "{name} {slot}: being run by {instance} (lease until {} UTC); nothing done",
            lease_until.format("%Y-%m-%d %H:%M:%S")
        )),
    }
}

async fn create_user(
    config: Config,
    phone: String,
    name: String,
    role: String,
    area_code: Option<String>,
) -> Result<(), String> {
    use linli_domain::access::Role;
    use linli_domain::accounts::{Locale, rules, usecases};
    let role = Role::parse(&role).ok_or_else(|| format!("--role: unknown role `{role}`"))?;
    let password = match std::env::var("LINLI_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = open_store(&config).await.map_err(|e| e.to_string())?;
    let area = match area_code {
        Some(code) => {
            let lookup = code.clone();
            let area = db
                .run(move |conn| linli_domain::areas::store::find_by_code(conn, &lookup))
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--area-code: no area has code `{code}`"))?;
            Some(area)
        }
        None => None,
    };
    let level = area.as_ref().map(|a| a.level);
    if role.level() != level {
        return Err(format!(
            "--area-code: {} is held on {}",
            role.as_str(),
            role.level()
                .map_or("no area".to_owned(), |l| format!("a {}", l.as_str()))
        ));
    }
    let account = rules::check_registration(&phone, &password, &name, None, Locale::ZhCn, None)
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let user = usecases::bootstrap(
        &db,
        account,
        vec![(role, area.map(|a| a.id))],
        linli_domain::time::now_utc(),
    )
    .await
    .map_err(|e| e.to_string())?;
    say(&format!(
        "created user {} ({}) as {}",
        user.id.0,
        name,
        role.as_str()
    ));
    Ok(())
}
