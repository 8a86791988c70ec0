//! The one typed configuration, loaded once from `linli.toml` (optional) and the environment.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use chrono_tz::Tz;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use linli_domain::db::{DatabaseUrl, PoolOptions, SqliteOptions, SqliteSynchronous};
use linli_domain::webhooks::guard::AllowList;
use serde::{Deserialize, Serialize};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting of `linli`. Field names are the `LINLI_` variables in lower case and the keys
/// of `linli.toml`; [`SETTINGS`] documents each one for `--help` and the README.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Where the store lives: `sqlite://PATH` or `postgres://…`.
    #[serde(with = "database_url_serde")]
    pub database_url: DatabaseUrl,
    /// Most pooled database connections.
    pub database_pool_size: u32,
    /// Seconds a request waits for a database connection before 503.
    pub database_timeout_secs: u64,
    /// SQLite commit durability: `full` or `normal`.
    pub sqlite_synchronous: SqliteSynchronous,
    /// Milliseconds an SQLite writer waits for the lock.
    pub sqlite_busy_timeout_ms: u64,
    /// Apply pending migrations when `serve` starts.
    pub auto_migrate: bool,
    /// `pretty` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `linli_api=debug,info`.
    pub log_level: String,
    /// Zone in which people read dates and in which job schedules are read.
    pub time_zone: Tz,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_grace_secs: u64,
    /// Hours a sign-in session lasts.
    pub session_lifetime_hours: u32,
    /// Failed logins allowed per account within 15 minutes before 429.
    pub login_failures_per_account: u32,
    /// Login attempts allowed per client address per minute before 429.
    pub login_attempts_per_address: u32,
    /// Run scheduled jobs in this instance.
    pub jobs_enabled: bool,
    /// Seconds a job run holds its slot before another instance may take it over; renewed
    /// while the run is alive, so it bounds how long a dead runner's slot waits.
    pub job_lease_secs: u32,
    /// Per-job schedule overrides (6-field cron, seconds first); an empty string disables a job.
    pub jobs: BTreeMap<String, String>,
    /// Webhook targets allowed although private, loopback, link-local…: comma-separated CIDR
    /// networks, addresses or host names.
    pub webhook_allowed_targets: String,
    /// Milliseconds one webhook delivery attempt may take, connecting included.
    pub webhook_timeout_ms: u64,
    /// Seconds an endpoint may fail without a single success before it is disabled.
    pub webhook_failure_window_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: DatabaseUrl::Sqlite("data/linli.db".into()),
            database_pool_size: 8,
            database_timeout_secs: 5,
            sqlite_synchronous: SqliteSynchronous::Full,
            sqlite_busy_timeout_ms: 5_000,
            auto_migrate: true,
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            time_zone: chrono_tz::Asia::Shanghai,
            max_body_bytes: 1024 * 1024,
            shutdown_grace_secs: 30,
            session_lifetime_hours: 24 * 30,
            login_failures_per_account: 5,
            login_attempts_per_address: 30,
            jobs_enabled: true,
            job_lease_secs: 60,
            jobs: BTreeMap::new(),
            webhook_allowed_targets: String::new(),
            webhook_timeout_ms: 10_000,
            webhook_failure_window_secs: 86_400,
        }
    }
}

/// One documented setting: its variable, default and meaning.
pub struct Setting {
    /// Environment variable.
    pub variable: &'static str,
    /// Key in `linli.toml`.
    pub key: &'static str,
    /// Default value.
    pub default: &'static str,
    /// What it does.
    pub meaning: &'static str,
}

/// The documentation of every setting, in the order of [`Config`]; a test keeps them in step.
pub const SETTINGS: &[Setting] = &[
    Setting {
        variable: "LINLI_BIND",
        key: "bind",
        default: "127.0.0.1:8080",
        meaning: "address the HTTP server listens on",
    },
    Setting {
        variable: "DATABASE_URL",
        key: "database_url",
        default: "sqlite://data/linli.db",
        meaning: "sqlite://PATH (directory created) or postgres://USER@HOST/DB",
    },
    Setting {
        variable: "LINLI_DATABASE_POOL_SIZE",
        key: "database_pool_size",
        default: "8",
        meaning: "most pooled database connections",
    },
    Setting {
        variable: "LINLI_DATABASE_TIMEOUT_SECS",
        key: "database_timeout_secs",
        default: "5",
        meaning: "seconds to wait for a connection before answering 503",
    },
    Setting {
        variable: "LINLI_SQLITE_SYNCHRONOUS",
        key: "sqlite_synchronous",
        default: "full",
        meaning: "full (every commit survives power loss) or normal (faster, may lose the last commits)",
    },
    Setting {
        variable: "LINLI_SQLITE_BUSY_TIMEOUT_MS",
        key: "sqlite_busy_timeout_ms",
        default: "5000",
        meaning: "milliseconds an SQLite writer waits for the lock",
    },
    Setting {
        variable: "LINLI_AUTO_MIGRATE",
        key: "auto_migrate",
        default: "true",
        meaning: "apply pending migrations when serve starts",
    },
    Setting {
        variable: "LINLI_LOG_FORMAT",
        key: "log_format",
        default: "pretty",
        meaning: "pretty or json",
    },
    Setting {
        variable: "LINLI_LOG_LEVEL",
        key: "log_level",
        default: "info",
        meaning: "tracing filter, e.g. linli_api=debug,info",
    },
    Setting {
        variable: "LINLI_TIME_ZONE",
        key: "time_zone",
        default: "Asia/Shanghai",
        meaning: "zone for displayed dates and job schedules",
    },
    Setting {
        variable: "LINLI_MAX_BODY_BYTES",
        key: "max_body_bytes",
        default: "1048576",
        meaning: "largest accepted request body",
    },
    Setting {
        variable: "LINLI_SHUTDOWN_GRACE_SECS",
        key: "shutdown_grace_secs",
        default: "30",
        meaning: "seconds in-flight requests get after SIGTERM/SIGINT",
    },
    Setting {
        variable: "LINLI_SESSION_LIFETIME_HOURS",
        key: "session_lifetime_hours",
        default: "720",
        meaning: "hours a sign-in session lasts",
    },
    Setting {
        variable: "LINLI_LOGIN_FAILURES_PER_ACCOUNT",
        key: "login_failures_per_account",
        default: "5",
        meaning: "failed logins per account within 15 minutes before 429",
    },
    Setting {
        variable: "LINLI_LOGIN_ATTEMPTS_PER_ADDRESS",
        key: "login_attempts_per_address",
        default: "30",
        meaning: "login attempts per client address per minute before 429",
    },
    Setting {
        variable: "LINLI_JOBS_ENABLED",
        key: "jobs_enabled",
        default: "true",
        meaning: "run scheduled jobs in this instance",
    },
    Setting {
        variable: "LINLI_JOB_LEASE_SECS",
        key: "job_lease_secs",
        default: "60",
        meaning: "seconds a job run holds its slot before another instance may take over a dead runner's slot (renewed while alive)",
    },
    Setting {
        variable: "LINLI_JOBS__<NAME>",
        key: "jobs.<name>",
        default: "(see `linli jobs list`)",
        meaning: "6-field cron (seconds first) for one job; empty disables it",
    },
    Setting {
        variable: "LINLI_WEBHOOK_ALLOWED_TARGETS",
        key: "webhook_allowed_targets",
        default: "(none)",
        meaning: "comma-separated CIDR networks, addresses or host names webhooks may reach although private, loopback, link-local, CGNAT or unique-local",
    },
    Setting {
        variable: "LINLI_WEBHOOK_TIMEOUT_MS",
        key: "webhook_timeout_ms",
        default: "10000",
        meaning: "milliseconds one webhook delivery attempt may take, connecting included",
    },
    Setting {
        variable: "LINLI_WEBHOOK_FAILURE_WINDOW_SECS",
        key: "webhook_failure_window_secs",
        default: "86400",
        meaning: "seconds an endpoint may fail without a success before it is disabled and its admins are told",
    },
];

/// The settings table as text, for `--help`.
pub fn settings_help() -> String {
    let mut out = String::from(
        "Configuration (environment variable, or key in ./linli.toml or $LINLI_CONFIG):\n",
    );
    for s in SETTINGS {
        out.push_str(&format!(
            "  {:<30} {}\n  {:<30} default: {}\n",
            s.variable, s.meaning, "", s.default
        ));
    }
    out
}

/// A configuration that cannot be used; the message names the setting.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads defaults, then `linli.toml` (or the file `LINLI_CONFIG` names), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("LINLI_CONFIG").unwrap_or_else(|_| "linli.toml".into());
        if std::env::var_os("LINLI_CONFIG").is_some() && !Path::new(&file).exists() {
            return Err(ConfigError(format!(
                "LINLI_CONFIG: file {file} does not exist"
            )));
        }
        Self::from_figment(
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::file(&file))
                .merge(
                    Env::prefixed("LINLI_")
                        .ignore(&["CONFIG", "TEST_POSTGRES_URL"])
                        .split("__"),
                )
                .merge(Env::raw().only(&["DATABASE_URL"])),
        )
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(|e| {
            let first = e
                .into_iter()
                .next()
                .map(|e| e.to_string())
                .unwrap_or_default();
            ConfigError(first.replace('\n', " "))
        })?;
        config.check()?;
        Ok(config)
    }

    /// Checks what serde cannot: ranges, filters and job schedules.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.database_pool_size == 0 {
            return Err(ConfigError(
                "LINLI_DATABASE_POOL_SIZE: must be at least 1".into(),
            ));
        }
        if self.session_lifetime_hours == 0 {
            return Err(ConfigError(
                "LINLI_SESSION_LIFETIME_HOURS: must be at least 1".into(),
            ));
        }
        if self.login_failures_per_account == 0 || self.login_attempts_per_address == 0 {
            return Err(ConfigError(
                "LINLI_LOGIN_*: login limits must be at least 1".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError(
                "LINLI_MAX_BODY_BYTES: must be at least 1024".into(),
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level).map_err(|e| {
            ConfigError(format!(
                "LINLI_LOG_LEVEL: `{}` is not a valid filter: {e}",
                self.log_level
            ))
        })?;
        if !(1..=86_400).contains(&self.job_lease_secs) {
            return Err(ConfigError(
                "LINLI_JOB_LEASE_SECS: must be between 1 and 86400".into(),
            ));
        }
        linli_jobs::resolve_schedules(&self.jobs).map_err(|e| ConfigError(e.to_string()))?;
        self.webhook_allow_list()?;
        if !(100..=600_000).contains(&self.webhook_timeout_ms) {
            return Err(ConfigError(
                "LINLI_WEBHOOK_TIMEOUT_MS: must be between 100 and 600000".into(),
            ));
        }
        if self.webhook_failure_window_secs == 0 {
            return Err(ConfigError(
                "LINLI_WEBHOOK_FAILURE_WINDOW_SECS: must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The parsed webhook allow-list.
    pub fn webhook_allow_list(&self) -> Result<AllowList, ConfigError> {
        let entries: Vec<&str> = self.webhook_allowed_targets.split(',').collect();
        AllowList::parse(&entries)
            .map_err(|e| ConfigError(format!("LINLI_WEBHOOK_ALLOWED_TARGETS: {e}")))
    }

    /// What the job machinery needs: resolved schedules, zone and lease.
    pub fn job_settings(&self) -> Result<linli_jobs::Settings, ConfigError> {
        Ok(linli_jobs::Settings {
            schedules: linli_jobs::resolve_schedules(&self.jobs)
                .map_err(|e| ConfigError(e.to_string()))?,
            zone: self.time_zone,
            lease: Duration::from_secs(u64::from(self.job_lease_secs)),
        })
    }

    /// Pool settings derived from this configuration.
    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.database_pool_size,
            acquire_timeout: Duration::from_secs(self.database_timeout_secs),
            sqlite: SqliteOptions {
                busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
                synchronous: self.sqlite_synchronous,
            },
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // DatabaseUrl's Debug already hides the password.
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database_url", &self.database_url)
            .field("database_pool_size", &self.database_pool_size)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("auto_migrate", &self.auto_migrate)
            .field("log_format", &self.log_format)
            .field("time_zone", &self.time_zone)
            .field("jobs_enabled", &self.jobs_enabled)
            .field("job_lease_secs", &self.job_lease_secs)
            .field("jobs", &self.jobs)
            .field("webhook_allowed_targets", &self.webhook_allowed_targets)
            .finish_non_exhaustive()
    }
}

mod database_url_serde {
    use linli_domain::db::DatabaseUrl;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(url: &DatabaseUrl, s: S) -> Result<S::Ok, S::Error> {
        match url {
            DatabaseUrl::Sqlite(path) => s.serialize_str(&format!("sqlite://{}", path.display())),
            DatabaseUrl::Postgres(raw) => s.serialize_str(raw),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DatabaseUrl, D::Error> {
        let raw = String::deserialize(d)?;
        DatabaseUrl::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)),
        )
    }

    #[test]
    fn every_field_is_documented_in_order() {
        let value = serde_json::to_value(Config::default()).expect("serializes");
        let fields: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut documented: Vec<&str> = SETTINGS
            .iter()
            .map(|s| s.key.trim_end_matches(".<name>"))
            .collect();
        documented.sort_unstable();
        let mut fields = fields;
        fields.sort_unstable();
        assert_eq!(fields, documented);
    }

    #[test]
    fn defaults_match_the_documentation() {
        let config = load("").expect("defaults load");
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url.to_string(), "sqlite://data/linli.db");
        assert_eq!(config.time_zone, chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn bad_values_name_their_setting() {
        let unknown_scheme = load("database_url = 'mysql://x/y'")
            .expect_err("refused")
            .to_string();
        assert!(
            unknown_scheme.contains("unknown scheme `mysql`"),
            "{unknown_scheme}"
        );
        assert!(unknown_scheme.contains("database_url"), "{unknown_scheme}");
        let unknown_key = load("bindd = '1.2.3.4:5'")
            .expect_err("refused")
            .to_string();
        assert!(unknown_key.contains("bindd"), "{unknown_key}");
        let bad_cron = load("[jobs]\npurge_expired_sessions = '0 3 * * *'")
            .expect_err("refused")
            .to_string();
        assert!(
            bad_cron.contains("jobs.purge_expired_sessions"),
            "{bad_cron}"
        );
        let bad_allow = load("webhook_allowed_targets = '127.0.0.0/8, 10.0.0.0/99'")
            .expect_err("refused")
            .to_string();
        assert!(
            bad_allow.contains("LINLI_WEBHOOK_ALLOWED_TARGETS")
                && bad_allow.contains("10.0.0.0/99"),
            "{bad_allow}"
        );
        let bad_bind = load("bind = 'nowhere'").expect_err("refused").to_string();
        assert!(bad_bind.contains("bind"), "{bad_bind}");
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let config = load("database_url = 'postgres://linli:hunter2@db/linli'").expect("valid");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
