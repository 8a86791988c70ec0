//! Service categories (服务类别): the kinds of help residents ask for, whether volunteers, paid
//! providers or both deliver them, the points weight volunteers earn by, and the safeguarding
//! gates a helper must pass. Seeded by the needs migration, managed by platform admins.

pub mod rules;
pub mod store;
pub mod usecases;

use rust_decimal::Decimal;

use crate::volunteers::CredentialKind;

/// A category's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryId(pub i64);

/// Who delivers help of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryMode {
    /// Volunteers only.
    Volunteer,
    /// Paid providers only.
    Paid,
    /// Either.
    Both,
}

impl CategoryMode {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Volunteer => "volunteer",
            Self::Paid => "paid",
            Self::Both => "both",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Volunteer, Self::Paid, Self::Both]
            .into_iter()
            .find(|m| m.as_str() == raw)
    }

    /// True when volunteers may take needs of this category.
    pub fn allows_volunteers(self) -> bool {
        matches!(self, Self::Volunteer | Self::Both)
    }

    /// True when paid providers may take needs of this category.
    pub fn allows_paid(self) -> bool {
        matches!(self, Self::Paid | Self::Both)
    }
}

/// What a helper must have before taking a need of the category: data, not code, so admins
/// can tighten a category without a release.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Safeguarding {
    /// Credential kinds the helper must hold verified and unexpired.
    pub required_credentials: Vec<CredentialKind>,
    /// Whether the helper's real name must be verified (实名认证).
    pub requires_verified_real_name: bool,
}

/// A category as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// Stable code, e.g. `elder_care`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Who delivers it.
    pub mode: CategoryMode,
    /// Multiplier on points per hour.
    pub points_weight: Decimal,
    /// Gates for helpers.
    pub safeguarding: Safeguarding,
}

/// A checked category definition; only [`rules::check_category`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryInput {
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Who delivers it.
    pub mode: CategoryMode,
    /// Weight in thousandths, as stored.
    pub points_weight_milli: i64,
    /// Gates for helpers.
    pub safeguarding: Safeguarding,
}
