//! Telling people things. [`notify`] is the one function a use case calls, inside its own
//! transaction, to tell a person something: it writes an in-app notification in the person's
//! language and, when they have an email address and their preferences allow, an outbox email.
//! A [`Notice`] is typed: each later feature adds its variants with their texts in
//! [`rules::render`], so no use case writes free text.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::accounts::{AccountStatus, UserId, store as accounts};
use crate::db::{AnyConnection, StoreError};
use crate::outbox::{self, Channel, MessageId, NewMessage};

/// Groups of notices a person can switch on or off per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// About one's own account: welcome, security.
    Account,
    /// Volunteer verification and credentials.
    Volunteering,
    /// Who may act on one's behalf, and for whom one acts.
    Proxies,
    /// Needs one posted or helps with: reminders, offers, escalations.
    Needs,
    /// One's points: what is about to expire.
    Points,
}

impl Category {
    /// Every category, in the order preferences are shown.
    pub const ALL: &'static [Category] = &[
        Self::Account,
        Self::Volunteering,
        Self::Proxies,
        Self::Needs,
        Self::Points,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Volunteering => "volunteering",
            Self::Proxies => "proxies",
            Self::Needs => "needs",
            Self::Points => "points",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == raw)
    }
}

/// How pressing a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Can wait: emails are held through quiet hours; preferences may switch it off.
    Normal,
    /// Cannot wait: always shown in the app, emailed even in quiet hours.
    Urgent,
}

/// Something Linli tells a person, with what the texts need. Serialized into the outbox
/// payload so the email is rendered when it is sent, in the recipient's language then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A new account was registered.
    Welcome {
        /// The name the person chose.
        display_name: String,
    },
    /// Staff verified the person's real name: they are a volunteer now.
    VolunteerVerified,
    /// Staff checked one of the person's credentials.
    CredentialVerified {
        /// The credential's title, e.g. 助浴培训.
        title: String,
    },
    /// Told to a resident: someone may now act on their behalf.
    ProxyConsentGranted {
        /// Who may act for them.
        proxy_name: String,
    },
    /// Told to a resident: someone may no longer act on their behalf.
    ProxyConsentRevoked {
        /// Who may no longer act for them.
        proxy_name: String,
    },
    /// Told to a proxy: they may now act on behalf of a resident.
    ActingForGranted {
        /// For whom.
        resident_name: String,
    },
    /// Told to a proxy: they may no longer act on behalf of a resident.
    ActingForRevoked {
        /// For whom no longer.
        resident_name: String,
    },
    /// Told to an organization's admins: a webhook endpoint failed for the whole failure
    /// window and was disabled; they re-enable it once the receiver works.
    WebhookEndpointDisabled {
        /// The organization's name.
        organization_name: String,
        /// The endpoint's URL.
        url: String,
    },
    /// Told to the resident and each assigned helper 24 hours and 2 hours before a need starts.
    NeedReminder {
        /// Which need.
        need_id: i64,
        /// The category's Chinese name.
        category_zh: String,
        /// The category's English name.
        category_en: String,
        /// The start in the display time zone, `YYYY-MM-DD HH:MM`.
        starts_at: String,
        /// Hours before the start (24 or 2).
        hours_before: i64,
    },
    /// Told to the area's grid workers: a need waited too long with nobody taking it.
    NeedEscalated {
        /// Which need.
        need_id: i64,
        /// The category's Chinese name.
        category_zh: String,
        /// The category's English name.
        category_en: String,
        /// Whether it was posted as urgent.
        urgent: bool,
        /// The start of its window in the display time zone, `YYYY-MM-DD HH:MM`.
        starts_at: String,
    },
    /// Told to a volunteer or an organization's admins and leaders: staff offer them a need
    /// and wait for an answer until a deadline.
    NeedOffered {
        /// Which need.
        need_id: i64,
        /// The category's Chinese name.
        category_zh: String,
        /// The category's English name.
        category_en: String,
        /// The start of its window in the display time zone, `YYYY-MM-DD HH:MM`.
        starts_at: String,
        /// The answer deadline in the display time zone, `YYYY-MM-DD HH:MM`.
        respond_by: String,
    },
    /// Told to a person 30 days ahead: some of their points lapse unless used.
    PointsExpiring {
        /// Points that lapse within the notice period.
        points: i64,
        /// The first day any of them lapses, in the display time zone, `YYYY-MM-DD`.
        expires_on: String,
    },
    /// Told to each person whose points moved (or who was given honour hours) last month, on
    /// the 1st: the month's statement, hours kept apart from points.
    PointsStatement {
        /// The month, `YYYY-MM` in the display time zone.
        period: String,
        /// Points owned before the month, available and on hold.
        opening: i64,
        /// Points that came in.
        earned: i64,
        /// Points that left the account (redeemed, donated, given); holds are not spent.
        spent: i64,
        /// Points that lapsed.
        expired: i64,
        /// Points owned after the month, available and on hold.
        closing: i64,
        /// Of the closing points, those on hold for redemptions.
        on_hold: i64,
        /// Minutes of recorded help checked out in the month (absent in messages queued before
        /// statements showed hours).
        #[serde(default)]
        recorded_minutes: i64,
        /// Honour hours added in the month; they earn no points.
        #[serde(default)]
        honour_hours: i64,
    },
    /// Told to the resident (and the proxy who booked): the provider declined a paid-service
    /// order or let it lapse; the subsidy and points are back, and other providers may serve.
    OrderDeclined {
        /// Which order.
        order_id: i64,
        /// The offering's Chinese title.
        title_zh: String,
        /// The offering's English title (the Chinese one when none was given).
        title_en: String,
        /// True when the provider did not answer in time.
        lapsed: bool,
        /// How many other offerings could serve the resident instead.
        alternatives: i64,
    },
}

impl Notice {
    /// The event name, e.g. `volunteer.verified`, kept on the notification and the outbox row.
    pub fn topic(&self) -> &'static str {
        match self {
            Self::Welcome { .. } => "account.welcome",
            Self::VolunteerVerified => "volunteer.verified",
            Self::CredentialVerified { .. } => "credential.verified",
            Self::ProxyConsentGranted { .. } => "proxy_consent.granted",
            Self::ProxyConsentRevoked { .. } => "proxy_consent.revoked",
            Self::ActingForGranted { .. } => "proxy_consent.acting_granted",
            Self::ActingForRevoked { .. } => "proxy_consent.acting_revoked",
            Self::WebhookEndpointDisabled { .. } => "webhook_endpoint.disabled",
            Self::NeedReminder { .. } => "need.reminder",
            Self::NeedEscalated { .. } => "need.escalated",
            Self::NeedOffered { .. } => "need.offered",
            Self::PointsExpiring { .. } => "points.expiring",
            Self::PointsStatement { .. } => "points.statement",
            Self::OrderDeclined { .. } => "order.declined",
        }
    }

    /// The preference category it belongs to.
    pub fn category(&self) -> Category {
        match self {
            Self::Welcome { .. } | Self::WebhookEndpointDisabled { .. } => Category::Account,
            Self::VolunteerVerified | Self::CredentialVerified { .. } => Category::Volunteering,
            Self::ProxyConsentGranted { .. }
            | Self::ProxyConsentRevoked { .. }
            | Self::ActingForGranted { .. }
            | Self::ActingForRevoked { .. } => Category::Proxies,
            Self::NeedReminder { .. }
            | Self::NeedEscalated { .. }
            | Self::NeedOffered { .. }
            | Self::OrderDeclined { .. } => Category::Needs,
            Self::PointsExpiring { .. } | Self::PointsStatement { .. } => Category::Points,
        }
    }

    /// How pressing it is: someone gaining the right to act for a person is urgent (a person
    /// must be able to object at once), and so are a reminder 2 hours before a start, an urgent
    /// need nobody took and an offer (its deadline runs); everything else can wait for the
    /// morning.
    pub fn urgency(&self) -> Urgency {
        match self {
            Self::ProxyConsentGranted { .. } | Self::NeedOffered { .. } => Urgency::Urgent,
            Self::NeedReminder { hours_before, .. } if *hours_before <= 2 => Urgency::Urgent,
            Self::NeedEscalated { urgent: true, .. } => Urgency::Urgent,
            Self::NeedReminder { .. } | Self::NeedEscalated { .. } => Urgency::Normal,
            Self::Welcome { .. }
            | Self::VolunteerVerified
            | Self::CredentialVerified { .. }
            | Self::ProxyConsentRevoked { .. }
            | Self::ActingForGranted { .. }
            | Self::ActingForRevoked { .. }
            | Self::WebhookEndpointDisabled { .. }
            | Self::PointsExpiring { .. }
            | Self::PointsStatement { .. }
            | Self::OrderDeclined { .. } => Urgency::Normal,
        }
    }
}

/// A notice in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Short title (the email subject).
    pub title: String,
    /// The text, plain.
    pub body: String,
}

/// A notification as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// Whose.
    pub user_id: UserId,
    /// Event name.
    pub topic: String,
    /// Preference category.
    pub category: Category,
    /// Whether it was urgent.
    pub urgent: bool,
    /// Title in the recipient's language when written.
    pub title: String,
    /// Text in the recipient's language when written.
    pub body: String,
    /// When it was written.
    pub created_at: NaiveDateTime,
    /// When it was marked read.
    pub read_at: Option<NaiveDateTime>,
}

/// A person's choice for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    /// The category.
    pub category: Category,
    /// Show in the app (urgent notices are shown regardless).
    pub in_app: bool,
    /// Send by email when the person has an address.
    pub email: bool,
}

impl Preference {
    /// What a person gets before choosing: everything, on both channels.
    pub fn default_for(category: Category) -> Self {
        Self {
            category,
            in_app: true,
            email: true,
        }
    }
}

/// Which of a person's notifications to list, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationFilter {
    /// Only unread ones.
    pub unread_only: bool,
    /// Only ones older than this id (paging).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// What [`notify`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notified {
    /// The in-app notification, unless switched off.
    pub notification: Option<i64>,
    /// The outbox email, when the person has an address and wants it.
    pub email: Option<MessageId>,
}

/// Tells `recipient` about `notice`; call inside the use case's [`crate::db::write`]
/// transaction so the person hears of exactly what committed. Writes the in-app notification
/// in their language (always for urgent notices, else as their preference says) and, when they
/// have an email address and want email for this category, an outbox email (the delivery
/// worker holds non-urgent ones through quiet hours). A closed or unknown account is told
/// nothing.
pub fn notify(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    recipient: UserId,
    notice: Notice,
) -> Result<Notified, StoreError> {
    let Some(user) = accounts::get(conn, recipient)? else {
        return Ok(Notified::default());
    };
    if user.status == AccountStatus::Closed {
        return Ok(Notified::default());
    }
    let preference = store::preference(conn, recipient, notice.category())?;
    let urgent = notice.urgency() == Urgency::Urgent;
    let mut notified = Notified::default();
    if preference.in_app || urgent {
        let rendered = rules::render(&notice, user.locale);
        notified.notification = Some(store::insert(conn, recipient, &notice, &rendered, now)?);
    }
    if user.email.is_some() && preference.email {
        notified.email = Some(outbox::enqueue(
            conn,
            now,
            NewMessage {
                channel: Channel::Email,
                topic: notice.topic().to_owned(),
                recipient: recipient.0.to_string(),
                payload: email_payload(&notice),
                not_before: now,
            },
        )?);
    }
    Ok(notified)
}

/// The outbox payload of a notice email: the notice itself, rendered when sent.
pub fn email_payload(notice: &Notice) -> serde_json::Value {
    serde_json::json!({ "notice": notice })
}

/// The notice inside an email payload written by [`email_payload`].
pub fn notice_of(payload: &serde_json::Value) -> Option<Notice> {
    serde_json::from_value(payload.get("notice")?.clone()).ok()
}
