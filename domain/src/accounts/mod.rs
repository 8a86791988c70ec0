//! People who sign in: registration, passwords, profile basics.

pub mod password;
pub mod privacy;
pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::areas::AreaId;

/// Identifies a person's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A mainland China mobile number, normalised to its 11 digits: the unique login.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: what everyone not entitled to the number sees.
    pub fn masked(&self) -> String {
        rules::mask_phone(&self.0)
    }
}

/// The languages Linli speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Locale {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// The stored and wire tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// Parses a stored tag.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "zh-CN" => Some(Self::ZhCn),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// Whether an account can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// In use.
    Active,
    /// Closed by its owner: personal data anonymised, history kept.
    Closed,
}

/// An account as the rest of Linli sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The login; none once closed.
    pub phone: Option<Phone>,
    /// Name shown to others.
    pub display_name: String,
    /// Where the person lives.
    pub home_grid_id: Option<AreaId>,
    /// Preferred language.
    pub locale: Locale,
    /// Optional address for notifications.
    pub email: Option<String>,
    /// Active or closed.
    pub status: AccountStatus,
    /// When it was created.
    pub created_at: NaiveDateTime,
}

/// A registration that passed every rule; only [`rules::check_registration`] makes one.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The normalised login.
    pub phone: Phone,
    /// The chosen password, checked for length and commonness.
    pub password: String,
    /// Name shown to others.
    pub display_name: String,
    /// The grid the person lives in (staff created by an administrator may have none).
    pub home_grid_id: Option<AreaId>,
    /// Preferred language.
    pub locale: Locale,
    /// Optional address for notifications.
    pub email: Option<String>,
}
