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

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text: a relay on the same host, or tests.
    None,
    /// STARTTLS required (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
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
    /// Days delivered outbox messages are kept before `purge_delivered_outbox` removes them.
    pub outbox_retention_days: u32,
    /// Days dead outbox messages are kept (for admins to retry) before they are purged.
    pub outbox_dead_retention_days: u32,
    /// Run the outbox delivery worker in this instance.
    pub delivery_enabled: bool,
    /// Milliseconds an idle delivery worker waits before looking for due messages again.
    pub delivery_poll_interval_ms: u64,
    /// Most messages a worker has in flight (sent and awaiting an answer) at once; it claims
    /// ahead of them in larger, adaptive batches.
    pub delivery_batch_size: u32,
    /// Seconds a claim holds a message before another instance may deliver it.
    pub delivery_lease_secs: u32,
    /// Attempts after which a message is dead.
    pub delivery_max_attempts: u32,
    /// Milliseconds before the first retry; doubles each attempt (with jitter).
    pub delivery_retry_base_ms: u64,
    /// Longest wait between two attempts, in seconds.
    pub delivery_retry_max_secs: u64,
    /// SMTP host; empty writes emails as `.eml` files to `mail_dir` instead.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: SmtpTls,
    /// SMTP user name; empty for none.
    pub smtp_username: String,
    /// SMTP password; never logged or shown.
    pub smtp_password: String,
    /// Seconds to connect and for each SMTP command.
    pub smtp_timeout_secs: u64,
    /// Sender of every email, e.g. `邻里 <noreply@example.org>`.
    pub smtp_from: String,
    /// Most pooled SMTP connections.
    pub smtp_pool_size: u32,
    /// Folder emails are written to when no SMTP host is set.
    pub mail_dir: std::path::PathBuf,
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
            outbox_retention_days: 30,
            outbox_dead_retention_days: 90,
            delivery_enabled: true,
            delivery_poll_interval_ms: 1000,
            delivery_batch_size: 20,
            delivery_lease_secs: 60,
            delivery_max_attempts: 12,
            delivery_retry_base_ms: 10_000,
            delivery_retry_max_secs: 3600,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout_secs: 10,
            smtp_from: "邻里 Linli <noreply@linli.invalid>".into(),
            smtp_pool_size: 4,
            mail_dir: "data/mail".into(),
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
        variable: "LINLI_OUTBOX_RETENTION_DAYS",
        key: "outbox_retention_days",
        default: "30",
        meaning: "days delivered outbox messages are kept before purge_delivered_outbox removes them",
    },
    Setting {
        variable: "LINLI_OUTBOX_DEAD_RETENTION_DAYS",
        key: "outbox_dead_retention_days",
        default: "90",
        meaning: "days dead outbox messages are kept (admins may retry them) before they are purged",
    },
    Setting {
        variable: "LINLI_DELIVERY_ENABLED",
        key: "delivery_enabled",
        default: "true",
        meaning: "run the outbox delivery worker (emails, webhooks) in this instance",
    },
    Setting {
        variable: "LINLI_DELIVERY_POLL_INTERVAL_MS",
        key: "delivery_poll_interval_ms",
        default: "1000",
        meaning: "milliseconds an idle delivery worker waits before looking for due messages again",
    },
    Setting {
        variable: "LINLI_DELIVERY_BATCH_SIZE",
        key: "delivery_batch_size",
        default: "20",
        meaning: "most messages a worker has in flight at once (it claims ahead in adaptive batches)",
    },
    Setting {
        variable: "LINLI_DELIVERY_LEASE_SECS",
        key: "delivery_lease_secs",
        default: "60",
        meaning: "seconds a claim holds a message before another instance may deliver it",
    },
    Setting {
        variable: "LINLI_DELIVERY_MAX_ATTEMPTS",
        key: "delivery_max_attempts",
        default: "12",
        meaning: "attempts after which a message is dead (admins may retry it)",
    },
    Setting {
        variable: "LINLI_DELIVERY_RETRY_BASE_MS",
        key: "delivery_retry_base_ms",
        default: "10000",
        meaning: "milliseconds before the first retry; doubles with each attempt, with jitter",
    },
    Setting {
        variable: "LINLI_DELIVERY_RETRY_MAX_SECS",
        key: "delivery_retry_max_secs",
        default: "3600",
        meaning: "longest wait between two delivery attempts, in seconds",
    },
    Setting {
        variable: "LINLI_SMTP_HOST",
        key: "smtp_host",
        default: "(none)",
        meaning: "SMTP host; without one, emails are written as .eml files to LINLI_MAIL_DIR",
    },
    Setting {
        variable: "LINLI_SMTP_PORT",
        key: "smtp_port",
        default: "587",
        meaning: "SMTP port",
    },
    Setting {
        variable: "LINLI_SMTP_TLS",
        key: "smtp_tls",
        default: "starttls",
        meaning: "none (local relay only), starttls (required) or tls",
    },
    Setting {
        variable: "LINLI_SMTP_USERNAME",
        key: "smtp_username",
        default: "(none)",
        meaning: "SMTP user name",
    },
    Setting {
        variable: "LINLI_SMTP_PASSWORD",
        key: "smtp_password",
        default: "(none)",
        meaning: "SMTP password (secret: never logged or shown)",
    },
    Setting {
        variable: "LINLI_SMTP_TIMEOUT_SECS",
        key: "smtp_timeout_secs",
        default: "10",
        meaning: "seconds to connect and for each SMTP command",
    },
    Setting {
        variable: "LINLI_SMTP_FROM",
        key: "smtp_from",
        default: "邻里 Linli <noreply@linli.invalid>",
        meaning: "sender of every email; its domain ends each Message-ID",
    },
    Setting {
        variable: "LINLI_SMTP_POOL_SIZE",
        key: "smtp_pool_size",
        default: "4",
        meaning: "most pooled SMTP connections",
    },
    Setting {
        variable: "LINLI_MAIL_DIR",
        key: "mail_dir",
        default: "data/mail",
        meaning: "folder emails are written to (as .eml files) when no SMTP host is set",
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
        self.check_delivery()?;
        self.check_webhooks()?;
        Ok(())
    }

    fn check_webhooks(&self) -> Result<(), ConfigError> {
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

    /// What the webhook channel needs.
    pub fn webhook_settings(&self) -> Result<linli_jobs::webhooks::WebhookSettings, ConfigError> {
        let seconds = i64::try_from(self.webhook_failure_window_secs).unwrap_or(i64::MAX);
        Ok(linli_jobs::webhooks::WebhookSettings {
            allow: self.webhook_allow_list()?,
            timeout: Duration::from_millis(self.webhook_timeout_ms),
            failure_window: chrono::TimeDelta::try_seconds(seconds)
                .unwrap_or(chrono::TimeDelta::MAX),
        })
    }

    fn check_delivery(&self) -> Result<(), ConfigError> {
        let refuse = |message: &str| Err(ConfigError(message.to_owned()));
        if self.outbox_retention_days == 0 || self.outbox_dead_retention_days == 0 {
            return refuse("LINLI_OUTBOX_*RETENTION_DAYS: must be at least 1");
        }
        if self.delivery_poll_interval_ms == 0 {
            return refuse("LINLI_DELIVERY_POLL_INTERVAL_MS: must be at least 1");
        }
        if !(1..=1000).contains(&self.delivery_batch_size) {
            return refuse("LINLI_DELIVERY_BATCH_SIZE: must be between 1 and 1000");
        }
        if !(1..=86_400).contains(&self.delivery_lease_secs) {
            return refuse("LINLI_DELIVERY_LEASE_SECS: must be between 1 and 86400");
        }
        if self.delivery_max_attempts == 0 {
            return refuse("LINLI_DELIVERY_MAX_ATTEMPTS: must be at least 1");
        }
        if self.delivery_retry_base_ms == 0 || self.delivery_retry_max_secs == 0 {
            return refuse("LINLI_DELIVERY_RETRY_*: must be at least 1");
        }
        if self.smtp_pool_size == 0 || self.smtp_timeout_secs == 0 {
            return refuse("LINLI_SMTP_POOL_SIZE and LINLI_SMTP_TIMEOUT_SECS: must be at least 1");
        }
        self.smtp_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                ConfigError(format!(
                    "LINLI_SMTP_FROM: `{}` is not a mailbox like `Linli <noreply@example.org>`: {e}",
                    self.smtp_from
                ))
            })?;
        Ok(())
    }

    /// What the delivery worker needs.
    pub fn delivery_settings(&self) -> linli_jobs::delivery::Settings {
        linli_jobs::delivery::Settings {
            poll_interval: Duration::from_millis(self.delivery_poll_interval_ms),
            batch_size: i64::from(self.delivery_batch_size),
            lease: Duration::from_secs(u64::from(self.delivery_lease_secs)),
            retry: linli_domain::outbox::RetryPolicy {
                base: Duration::from_millis(self.delivery_retry_base_ms),
                max_delay: Duration::from_secs(self.delivery_retry_max_secs),
                max_attempts: self.delivery_max_attempts,
            },
            zone: self.time_zone,
        }
    }

    /// What the email channel needs: SMTP when a host is set, else the mail folder.
    pub fn email_settings(&self) -> Result<linli_jobs::email::EmailSettings, ConfigError> {
        use linli_jobs::email::{Backend, EmailSettings, SmtpSettings, Tls};
        let from = self
            .smtp_from
            .parse()
            .map_err(|e| ConfigError(format!("LINLI_SMTP_FROM: {e}")))?;
        let backend = if self.smtp_host.trim().is_empty() {
            Backend::Files(self.mail_dir.clone())
        } else {
            let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            Backend::Smtp(SmtpSettings {
                host: self.smtp_host.trim().to_owned(),
                port: self.smtp_port,
                tls: match self.smtp_tls {
                    SmtpTls::None => Tls::None,
                    SmtpTls::Starttls => Tls::StartTls,
                    SmtpTls::Tls => Tls::Tls,
                },
                username: optional(&self.smtp_username),
                password: optional(&self.smtp_password),
                timeout: Duration::from_secs(self.smtp_timeout_secs),
                pool_size: self.smtp_pool_size,
            })
        };
        Ok(EmailSettings { from, backend })
    }

    /// What the job machinery needs: resolved schedules, zone and lease.
    pub fn job_settings(&self) -> Result<linli_jobs::Settings, ConfigError> {
        Ok(linli_jobs::Settings {
            schedules: linli_jobs::resolve_schedules(&self.jobs)
                .map_err(|e| ConfigError(e.to_string()))?,
            zone: self.time_zone,
            lease: Duration::from_secs(u64::from(self.job_lease_secs)),
            retention: linli_jobs::Retention {
                delivered_outbox: chrono::TimeDelta::days(i64::from(self.outbox_retention_days)),
                dead_outbox: chrono::TimeDelta::days(i64::from(self.outbox_dead_retention_days)),
            },
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
            .field("delivery_enabled", &self.delivery_enabled)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &if self.smtp_password.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("smtp_from", &self.smtp_from)
            .field("mail_dir", &self.mail_dir)
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
        let config =
            load("smtp_host = 'mail.example.org'\nsmtp_password = 'swordfish'").expect("valid");
        assert!(!format!("{config:?}").contains("swordfish"));
        assert!(format!("{config:?}").contains("[redacted]"));
    }

    #[test]
    fn an_unusable_sender_or_tls_mode_names_its_setting() {
        let bad_from = load("smtp_from = 'not an address'")
            .expect_err("refused")
            .to_string();
        assert!(bad_from.contains("LINLI_SMTP_FROM"), "{bad_from}");
        let bad_tls = load("smtp_tls = 'maybe'").expect_err("refused").to_string();
        assert!(bad_tls.contains("smtp_tls"), "{bad_tls}");
        let files = load("").expect("defaults").email_settings().expect("valid");
        assert!(matches!(
            files.backend,
            linli_jobs::email::Backend::Files(_)
        ));
    }
}
