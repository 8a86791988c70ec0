//! Volunteer profiles (志愿者): skills, weekly availability, service radius, languages,
//! credentials, and the real-name verification (实名认证) that makes someone a volunteer.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;

/// How far from home a volunteer is willing to help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRadius {
    /// Own grid only.
    Grid,
    /// Own community.
    Community,
    /// Own street.
    Street,
}

impl ServiceRadius {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Community => "community",
            Self::Street => "street",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Grid, Self::Community, Self::Street]
            .into_iter()
            .find(|r| r.as_str() == raw)
    }
}

/// A weekly slot in the display time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WeeklySlot {
    /// ISO weekday, 1 = Monday.
    pub weekday: i32,
    /// Minutes after midnight the slot starts.
    pub start_minute: i32,
    /// Minutes after midnight the slot ends (exclusive, at most 1440).
    pub end_minute: i32,
}

/// Kinds of credentials a volunteer can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A training course, e.g. elder bathing.
    Training,
    /// A health certificate (健康证).
    HealthCertificate,
    /// A background check.
    BackgroundCheck,
}

impl CredentialKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::HealthCertificate => "health_certificate",
            Self::BackgroundCheck => "background_check",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Training,
            Self::HealthCertificate,
            Self::BackgroundCheck,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// A credential and whether staff checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Its id.
    pub id: i64,
    /// Whose.
    pub user_id: UserId,
    /// Its kind.
    pub kind: CredentialKind,
    /// What it is.
    pub title: String,
    /// When it stops being valid.
    pub expires_at: Option<NaiveDateTime>,
    /// When staff checked it.
    pub verified_at: Option<NaiveDateTime>,
    /// Who checked it.
    pub verified_by: Option<UserId>,
}

/// A volunteer's profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerProfile {
    /// The volunteer.
    pub user_id: UserId,
    /// How far they travel.
    pub service_radius: ServiceRadius,
    /// Languages and dialects.
    pub languages: Vec<String>,
    /// Skill codes.
    pub skills: Vec<String>,
    /// Weekly availability.
    pub availability: Vec<WeeklySlot>,
    /// Real name (personal data).
    pub real_name: Option<String>,
    /// Resident ID number (personal data).
    pub id_number: Option<String>,
    /// When the real name was verified.
    pub verified_at: Option<NaiveDateTime>,
    /// Who verified it.
    pub verified_by: Option<UserId>,
    /// Credentials.
    pub credentials: Vec<Credential>,
}

/// The part of a volunteer's profile that decides which needs they see and may claim, read
/// on its own because listing and claiming ask for it on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceArea {
    /// How far they travel.
    pub radius: ServiceRadius,
    /// When their real name was verified; unverified volunteers claim nothing.
    pub verified_at: Option<NaiveDateTime>,
    /// Their home grid's path, when they have a home grid.
    pub home_path: Option<String>,
}

/// A checked profile update; only [`rules::check_profile`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// How far they travel.
    pub service_radius: ServiceRadius,
    /// Languages and dialects.
    pub languages: Vec<String>,
    /// Skill codes (checked against the managed list in the store).
    pub skills: Vec<String>,
    /// Weekly availability, sorted, non-overlapping.
    pub availability: Vec<WeeklySlot>,
    /// Real name.
    pub real_name: Option<String>,
    /// Resident ID number.
    pub id_number: Option<String>,
}
