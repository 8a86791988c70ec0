#![doc = include_str!("../README.md")]

pub mod postgres;
pub mod smtp;

use std::time::Duration;

use linli_api::{Application, Config};
use linli_domain::db::DatabaseUrl;
use serde_json::Value;

/// Which storage engine a test case runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh PostgreSQL database cloned from the migrated template.
    Postgres,
}

/// A running Linli and what it was started with.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The engine under test.
    pub engine: Engine,
    /// The database the server uses.
    pub database_url: DatabaseUrl,
    /// A client for the server.
    pub client: reqwest::Client,
    /// The SMTP server the service may send mail to.
    pub smtp: smtp::SmtpServer,
    smtp_port: u16,
    volunteer_serial: std::sync::atomic::AtomicUsize,
    _sqlite_dir: Option<tempfile::TempDir>,
    _postgres: Option<postgres::TestDatabase>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (Null when empty or not JSON).
    pub json: Value,
    /// The raw body.
    pub text: String,
}

impl Reply {
    /// The `content-type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts that this is a problem+json error with `status` and `code`, and returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "content type {} is not problem+json; body: {}",
            self.content_type(),
            self.text
        );
        assert_eq!(
            self.json["code"], code,
            "unexpected problem code; body: {}",
            self.text
        );
        assert_eq!(
            self.json["status"], status,
            "problem status differs from HTTP status"
        );
        assert!(
            self.json["request_id"].is_string(),
            "problem has no request id: {}",
            self.text
        );
        &self.json
    }
}

impl TestApp {
    /// A configuration for a test server on an ephemeral port.
    pub fn config(database_url: DatabaseUrl) -> Config {
        Config {
            bind: ([127, 0, 0, 1], 0).into(),
            database_url,
            jobs_enabled: false,
            // Tests that deliver turn the worker on (see `delivery`).
            delivery_enabled: false,
            // Many servers run at once against one PostgreSQL; keep each one's share small.
            database_pool_size: 4,
            database_timeout_secs: 10,
            // Webhook receivers in tests listen on loopback.
            webhook_allowed_targets: "127.0.0.0/8, ::1, localhost".into(),
            ..Config::default()
        }
    }

    /// Sends a request and reads the whole reply.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.address)))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(format!("{}{path}", self.address))
                .json(body),
        )
        .await
    }
}

/// Starts a fresh Linli on `engine`.
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

/// Starts a fresh Linli on `engine`, with `configure` applied to the test configuration last
/// (e.g. to turn the outbox delivery worker on). Emails go to the harness's SMTP server.
pub async fn spawn_app_with(engine: Engine, configure: impl FnOnce(&mut Config)) -> TestApp {
    let smtp = smtp::SmtpServer::start();
    let (database_url, sqlite_dir, postgres) = match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = DatabaseUrl::Sqlite(dir.path().join("linli.db"));
            (url, Some(dir), None)
        }
        Engine::Postgres => {
            let database = tokio::task::spawn_blocking(postgres::TestDatabase::create)
                .await
                .expect("the PostgreSQL setup thread finishes");
            (database.url.clone(), None, Some(database))
        }
    };
    let mut config = TestApp::config(database_url.clone());
    config.smtp_host = "127.0.0.1".into();
    config.smtp_port = smtp.port;
    config.smtp_tls = linli_api::config::SmtpTls::None;
    configure(&mut config);
    let smtp_port = config.smtp_port;
    let app = Application::build(config)
        .await
        .expect("the test server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    TestApp {
        address,
        engine,
        database_url,
        client,
        smtp,
        smtp_port,
        volunteer_serial: std::sync::atomic::AtomicUsize::new(0),
        _sqlite_dir: sqlite_dir,
        _postgres: postgres,
        _shutdown: shutdown,
    }
}

/// Turns the outbox delivery worker on, polling often and retrying quickly, in a zone where
/// it is mid-afternoon now (so quiet hours never hold an email a test waits for).
pub fn delivery(config: &mut Config) {
    config.delivery_enabled = true;
    config.delivery_poll_interval_ms = 50;
    config.delivery_retry_base_ms = 100;
    config.delivery_retry_max_secs = 1;
    config.delivery_lease_secs = 5;
    config.smtp_timeout_secs = 5;
    config.time_zone = zone_at_local_hour(15);
}

/// A fixed-offset zone (`Etc/GMT±N`) in which the local hour is now `hour` (give or take the
/// minutes), for tests about quiet hours.
pub fn zone_at_local_hour(hour: i64) -> chrono_tz::Tz {
    use chrono::Timelike;
    let utc_hour = i64::from(chrono::Utc::now().hour());
    // Offsets from UTC run from −12 to +14 hours.
    let mut offset = (hour - utc_hour).rem_euclid(24);
    if offset > 14 {
        offset -= 24;
    }
    // Etc/GMT-8 is UTC+8: the sign is inverted by POSIX convention.
    let name = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    name.parse().expect("a valid Etc zone")
}

impl TestApp {
    /// The SMTP port the server was configured with (a test may start a server there late).
    pub fn smtp_port_configured(&self) -> u16 {
        self.smtp_port
    }

    /// Waits up to `timeout` until the SMTP server holds at least `count` messages.
    pub async fn wait_for_mail(&self, count: usize, timeout: Duration) -> Vec<smtp::Received> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let received = self.smtp.received();
            if received.len() >= count || std::time::Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Declares async tests that run once per engine, as `name::sqlite` and `name::postgres`.
/// The PostgreSQL case is ignored (visibly) when `LINLI_TEST_POSTGRES_URL` was unset at build.
/// `engine_tests!(with = CONFIGURE; …)` applies `CONFIGURE(&mut Config)` to each server.
#[macro_export]
macro_rules! engine_tests {
    (with = $configure:expr; $(async fn $name:ident($app:ident : TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn case($app: $crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    case($crate::spawn_app_with($crate::Engine::Sqlite, $configure).await).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
                async fn postgres() {
                    case($crate::spawn_app_with($crate::Engine::Postgres, $configure).await).await
                }
            }
        )*
    };
    ($(async fn $name:ident($app:ident : TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn case($app: $crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    case($crate::spawn_app($crate::Engine::Sqlite).await).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
                async fn postgres() {
                    case($crate::spawn_app($crate::Engine::Postgres).await).await
                }
            }
        )*
    };
}

/// The password every account made by the helpers below uses.
pub const PASSWORD: &str = "东关社区的老槐树";

impl TestApp {
    /// Sends `request` with a bearer token.
    pub async fn send_as(&self, token: &str, request: reqwest::RequestBuilder) -> Reply {
        self.send(request.bearer_auth(token)).await
    }

    /// `GET path` as the holder of `token`.
    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        self.send_as(token, self.client.get(format!("{}{path}", self.address)))
            .await
    }

    /// `POST path` with JSON as the holder of `token`.
    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send_as(
            token,
            self.client
                .post(format!("{}{path}", self.address))
                .json(body),
        )
        .await
    }

    /// `PATCH path` with JSON as the holder of `token`.
    pub async fn patch_as(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send_as(
            token,
            self.client
                .patch(format!("{}{path}", self.address))
                .json(body),
        )
        .await
    }

    /// `PUT path` with JSON as the holder of `token`.
    pub async fn put_as(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send_as(
            token,
            self.client
                .put(format!("{}{path}", self.address))
                .json(body),
        )
        .await
    }

    /// `DELETE path` as the holder of `token`.
    pub async fn delete_as(&self, token: &str, path: &str) -> Reply {
        self.send_as(token, self.client.delete(format!("{}{path}", self.address)))
            .await
    }

    /// A store handle on the server's database, for setting up what the API cannot yet.
    pub fn db(&self) -> linli_domain::db::Db {
        let options = linli_domain::db::PoolOptions {
            max_size: 2,
            ..linli_domain::db::PoolOptions::default()
        };
        linli_domain::db::Db::connect(self.database_url.clone(), options)
            .expect("the test database opens")
    }

    /// Loads the demo area tree (no people).
    pub async fn seed_areas(&self) {
        let db = self.db();
        db.run(|conn| linli_domain::seed::demo_areas(conn, linli_domain::time::now_utc()))
            .await
            .expect("the demo areas load");
    }

    /// The id of the area whose code ends with `suffix` (e.g. `dongguan-g1`); seeds areas first
    /// when the tree is empty.
    pub async fn area(&self, suffix: &str) -> i64 {
        let mut areas = self.get("/api/v1/areas").await.json;
        if areas.as_array().is_none_or(Vec::is_empty) {
            self.seed_areas().await;
            areas = self.get("/api/v1/areas").await.json;
        }
        areas
            .as_array()
            .expect("a list of areas")
            .iter()
            .find(|a| a["code"].as_str().is_some_and(|c| c.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no area code ends with {suffix}"))["id"]
            .as_i64()
            .expect("an id")
    }

    /// Registers a resident of the grid ending in `grid_suffix` and returns the reply.
    pub async fn register(&self, phone: &str, grid_suffix: &str) -> Reply {
        let grid = self.area(grid_suffix).await;
        self.post_json(
            "/api/v1/accounts",
            &serde_json::json!({
                "phone": phone,
                "password": PASSWORD,
                "display_name": format!("居民{}", &phone[phone.len() - 4..]),
                "home_grid_id": grid,
            }),
        )
        .await
    }

    /// Signs in and returns the token.
    pub async fn login(&self, phone: &str) -> String {
        let reply = self
            .post_json(
                "/api/v1/sessions",
                &serde_json::json!({"phone": phone, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 201, "login failed: {}", reply.text);
        reply.json["token"].as_str().expect("a token").to_owned()
    }

    /// A registered, signed-in resident of `grid_suffix`: (user id, token).
    pub async fn resident(&self, phone: &str, grid_suffix: &str) -> (i64, String) {
        let reply = self.register(phone, grid_suffix).await;
        assert_eq!(reply.status, 201, "registration failed: {}", reply.text);
        let id = reply.json["id"].as_i64().expect("an id");
        (id, self.login(phone).await)
    }

    /// An account created directly with `role` on the area ending in `area_suffix` (none for
    /// platform_admin), signed in: (user id, token).
    pub async fn staff(
        &self,
        phone: &str,
        role: linli_domain::access::Role,
        area_suffix: Option<&str>,
    ) -> (i64, String) {
        let area = match area_suffix {
            Some(suffix) => Some(linli_domain::areas::AreaId(self.area(suffix).await)),
            None => {
                self.area("dongguan-g1").await;
                None
            }
        };
        let account = linli_domain::accounts::rules::check_registration(
            phone,
            PASSWORD,
            role.as_str(),
            None,
            linli_domain::accounts::Locale::ZhCn,
            None,
        )
        .expect("valid staff account");
        let user = linli_domain::accounts::usecases::bootstrap(
            &self.db(),
            account,
            vec![(role, area)],
            linli_domain::time::now_utc(),
        )
        .await
        .expect("staff account created");
        (user.id.0, self.login(phone).await)
    }
}

impl TestApp {
    /// `count` verified volunteers (community radius) living in the grid ending in
    /// `grid_suffix`, each signed in: (user id, token). Written straight to the store with one
    /// password hash for all, so concurrency tests and benchmarks can have hundreds.
    pub async fn verified_volunteers(&self, count: usize, grid_suffix: &str) -> Vec<(i64, String)> {
        use linli_domain::accounts::{Locale, rules::check_registration, store as accounts};
        use linli_domain::volunteers::{ServiceRadius, rules::check_profile, store as volunteers};
        use linli_domain::{access, db, sessions};

        let grid = linli_domain::areas::AreaId(self.area(grid_suffix).await);
        let hash = linli_domain::accounts::usecases::hash_password(PASSWORD.to_owned())
            .await
            .expect("a password hash");
        let first = self
            .volunteer_serial
            .fetch_add(count, std::sync::atomic::Ordering::SeqCst);
        self.db()
            .run(move |conn| {
                db::write(conn, |conn| {
                    let now = linli_domain::time::now_utc();
                    let mut made = Vec::with_capacity(count);
                    for i in first..first + count {
                        let phone = format!("135{i:08}");
                        let account = check_registration(
                            &phone,
                            PASSWORD,
                            &format!("志愿者{i}"),
                            Some(grid),
                            Locale::ZhCn,
                            None,
                        )
                        .expect("a valid account");
                        let user = accounts::insert(conn, &account, &hash, now)?;
                        access::store::grant(
                            conn,
                            user.id,
                            access::Role::Resident,
                            Some(grid),
                            None,
                            now,
                        )?;
                        access::store::grant(
                            conn,
                            user.id,
                            access::Role::Volunteer,
                            Some(grid),
                            None,
                            now,
                        )?;
                        let profile = check_profile(
                            ServiceRadius::Community,
                            Vec::new(),
                            Vec::new(),
                            Vec::new(),
                            Some("志愿者".into()),
                            Some("11010519491231002X".into()),
                        )
                        .expect("a valid profile");
                        volunteers::save(conn, user.id, &profile, now)?;
                        volunteers::mark_verified(conn, user.id, user.id, now)?;
                        let token = sessions::issue_token();
                        sessions::store::create(
                            conn,
                            user.id,
                            &token.hash,
                            None,
                            now,
                            chrono::Duration::hours(12),
                        )?;
                        made.push((user.id.0, token.secret));
                    }
                    Ok::<_, linli_domain::accounts::store::RegisterError>(made)
                })
            })
            .await
            .expect("the volunteers are stored")
    }
}
