//! The email channel of the outbox: one [`EmailSender`] with an SMTP backend (lettre's pooled
//! `AsyncSmtpTransport`) or, when no SMTP host is configured (local development), a folder
//! where every email is written as an `.eml` file. The recipient's address, name and language
//! are read when the email is sent, so a changed address or language is honoured and a closed
//! account gets nothing.

pub mod templates;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use linli_domain::accounts::{AccountStatus, UserId, store as accounts};
use linli_domain::db::Db;
use linli_domain::notifications;
use linli_domain::outbox::Message;

use crate::delivery::DeliveryFailure;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain text; only for a relay on the same host or in tests.
    None,
    /// Plain connection upgraded with STARTTLS, required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Host name (checked against the certificate when TLS is on).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub tls: Tls,
    /// User name, when the server wants authentication.
    pub username: Option<String>,
    /// Password; never logged.
    pub password: Option<String>,
    /// Connect and command timeout.
    pub timeout: Duration,
    /// Most pooled connections.
    pub pool_size: u32,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// Where emails go.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A real SMTP server.
    Smtp(SmtpSettings),
    /// `.eml` files in this folder (no SMTP configured).
    Files(PathBuf),
}

/// What the email channel needs from configuration.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The sender, e.g. `邻里 <noreply@linli.example>`; its domain ends every Message-ID.
    pub from: Mailbox,
    /// Where emails go.
    pub backend: Backend,
}

/// Why the email channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmailSetupError {
    /// The SMTP transport refused the settings.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The mail folder cannot be created.
    #[error("cannot create the mail folder {path}: {reason}")]
    Folder {
        /// The folder.
        path: String,
        /// What the OS said.
        reason: String,
    },
}

enum Transport {
    /// The pooled transport, and permits bounding sends in flight to the pool size, so a
    /// large batch never opens more connections than the pool keeps.
    Smtp(AsyncSmtpTransport<Tokio1Executor>, tokio::sync::Semaphore),
    Files(PathBuf),
}

/// Sends outbox emails.
pub struct EmailSender {
    db: Db,
    from: Mailbox,
    transport: Transport,
}

impl EmailSender {
    /// Builds the transport (no connection is made until the first email). With the file
    /// backend the folder is created and the log says, once, where emails go.
    pub fn new(db: Db, settings: EmailSettings) -> Result<Self, EmailSetupError> {
        let transport = match settings.backend {
            Backend::Smtp(smtp) => {
                let builder = match smtp.tls {
                    Tls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    }
                    Tls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?
                    }
                    Tls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
                };
                let mut builder = builder
                    .port(smtp.port)
                    .timeout(Some(smtp.timeout))
                    .pool_config(PoolConfig::new().max_size(smtp.pool_size));
                if let Some(username) = &smtp.username {
                    builder = builder.credentials(Credentials::new(
                        username.clone(),
                        smtp.password.clone().unwrap_or_default(),
                    ));
                }
                tracing::info!(host = %smtp.host, port = smtp.port, tls = ?smtp.tls, "emails are sent by SMTP");
                Transport::Smtp(
                    builder.build(),
                    tokio::sync::Semaphore::new(smtp.pool_size as usize),
                )
            }
            Backend::Files(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| EmailSetupError::Folder {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
                tracing::info!(
                    folder = %dir.display(),
                    "no SMTP host configured (LINLI_SMTP_HOST): emails are written as .eml files to {}",
                    dir.display()
                );
                Transport::Files(dir)
            }
        };
        Ok(Self {
            db,
            from: settings.from,
            transport,
        })
    }

    /// Sends one outbox email: looks up the recipient, renders the notice in their language,
    /// and hands it to the transport. No address, a closed account or an unreadable payload
    /// are permanent failures; a refused recipient is permanent; anything else is retried.
    pub async fn send(&self, message: &Message) -> Result<(), DeliveryFailure> {
        let email = self.build(message).await?;
        match &self.transport {
            Transport::Smtp(smtp, permits) => {
                let _permit = permits.acquire().await.map_err(|_| DeliveryFailure {
                    permanent: false,
                    reason: "the email sender is shutting down".to_owned(),
                })?;
                smtp.send(email)
                    .await
                    .map(drop)
                    .map_err(|e| DeliveryFailure {
                        permanent: e.is_permanent(),
                        reason: format!("smtp: {e}"),
                    })
            }
            Transport::Files(dir) => write_eml(dir, message, &email.formatted()).await,
        }
    }

    async fn build(&self, message: &Message) -> Result<lettre::Message, DeliveryFailure> {
        let permanent = |reason: String| DeliveryFailure {
            permanent: true,
            reason,
        };
        let user_id: i64 = message.recipient.parse().map_err(|_| {
            permanent(format!(
                "recipient `{}` is not a user id",
                message.recipient
            ))
        })?;
        let user = self
            .db
            .run(move |conn| accounts::get(conn, UserId(user_id)))
            .await
            .map_err(|e| DeliveryFailure {
                permanent: false,
                reason: format!("cannot read the recipient: {e}"),
            })?
            .ok_or_else(|| permanent(format!("user {user_id} does not exist")))?;
        if user.status == AccountStatus::Closed {
            return Err(permanent(format!("user {user_id} closed their account")));
        }
        let address = user
            .email
            .as_deref()
            .ok_or_else(|| permanent(format!("user {user_id} has no email address")))?;
        let to = address
            .parse()
            .map(|address| Mailbox::new(Some(user.display_name.clone()), address))
            .map_err(|e| permanent(format!("the address of user {user_id} is unusable: {e}")))?;
        let notice = message
            .payload_json()
            .as_ref()
            .and_then(notifications::notice_of)
            .ok_or_else(|| permanent("the payload holds no notice".to_owned()))?;
        let composed = templates::compose(&notice, user.locale, &user.display_name);
        let domain = self.from.email.domain().to_owned();
        lettre::Message::builder()
            .message_id(Some(format!("<{}@{domain}>", message.id)))
            .from(self.from.clone())
            .to(to)
            .subject(composed.subject)
            .header(LinliTopic(message.topic.clone()))
            .multipart(MultiPart::alternative_plain_html(
                composed.text,
                composed.html,
            ))
            .map_err(|e| permanent(format!("cannot build the email: {e}")))
    }
}

/// `X-Linli-Topic`: the event name, so mail rules and tests can tell emails apart.
#[derive(Debug, Clone)]
struct LinliTopic(String);

impl header::Header for LinliTopic {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("X-Linli-Topic")
    }

    fn parse(raw: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(raw.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Writes `<id>.eml` atomically (temporary file, then rename), so a reader never sees half an
/// email and a retry after a crash overwrites rather than duplicates.
async fn write_eml(
    dir: &std::path::Path,
    message: &Message,
    raw: &[u8],
) -> Result<(), DeliveryFailure> {
    let path = dir.join(format!("{}.eml", message.id));
    let partial = dir.join(format!(".{}.eml.partial", message.id));
    let failed = |e: std::io::Error| DeliveryFailure {
        permanent: false,
        reason: format!("cannot write {}: {e}", path.display()),
    };
    tokio::fs::write(&partial, raw).await.map_err(failed)?;
    tokio::fs::rename(&partial, &path).await.map_err(failed)?;
    tracing::debug!(file = %path.display(), "email written");
    Ok(())
}
