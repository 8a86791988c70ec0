//! Organizations: volunteer teams, social organizations, providers and charities — the carriers
//! of four-society coordination. Each serves a set of communities, has members with roles, and
//! is verified by staff over one of those communities before partners may act for it.

pub mod members;
pub mod membership;
pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;

/// Identifies an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganizationId(pub i64);

/// What an organization is; decides which work it may take later (paid orders go to providers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganizationKind {
    /// 志愿服务队: volunteers who take needs as a team.
    VolunteerTeam,
    /// 社会组织: social organizations running programmes with professional social workers.
    SocialOrg,
    /// 服务商: market providers of paid services.
    Provider,
    /// 慈善资源: charities funding rewards, donations and subsidies.
    Charity,
}

impl OrganizationKind {
    /// Every kind.
    pub const ALL: [OrganizationKind; 4] = [
        Self::VolunteerTeam,
        Self::SocialOrg,
        Self::Provider,
        Self::Charity,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VolunteerTeam => "volunteer_team",
            Self::SocialOrg => "social_org",
            Self::Provider => "provider",
            Self::Charity => "charity",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// A member's role inside an organization (not a role on an area).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberRole {
    /// Manages the profile, the members and the API keys.
    Admin,
    /// Leads members in the field (dispatches team members to needs, later).
    Leader,
    /// Belongs to the organization.
    Member,
}

impl MemberRole {
    /// Every role.
    pub const ALL: [MemberRole; 3] = [Self::Admin, Self::Leader, Self::Member];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Leader => "leader",
            Self::Member => "member",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// A community an organization serves, with the path the policy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceArea {
    /// The community.
    pub id: AreaId,
    /// Its materialized path, `/1/2/5/`.
    pub path: String,
}

/// Who verified an organization and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The staff member.
    pub by: UserId,
    /// When.
    pub at: NaiveDateTime,
}

/// An organization as the rest of Linli sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: OrganizationId,
    /// What it is.
    pub kind: OrganizationKind,
    /// Chinese name.
    pub name_zh: String,
    /// English name, if any.
    pub name_en: Option<String>,
    /// What it does.
    pub description: String,
    /// Its own number, digits only; shown masked to the public.
    pub contact_phone: Option<String>,
    /// The communities it serves, by id.
    pub service_areas: Vec<ServiceArea>,
    /// Set once staff verified it.
    pub verification: Option<Verification>,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// A profile that passed every rule; only [`rules::check_new_organization`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    /// What it is.
    pub kind: OrganizationKind,
    /// Chinese name (1–64 characters).
    pub name_zh: String,
    /// English name, if any (1–128 characters).
    pub name_en: Option<String>,
    /// What it does (up to 2000 characters).
    pub description: String,
    /// Normalised contact number.
    pub contact_phone: Option<String>,
    /// Distinct communities it serves (1–20); their existence and level are checked in the store.
    pub service_area_ids: Vec<AreaId>,
}

/// Checked changes to a profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    /// New Chinese name.
    pub name_zh: Option<String>,
    /// New English name; `Some(None)` removes it.
    pub name_en: Option<Option<String>>,
    /// New description.
    pub description: Option<String>,
    /// New contact number; `Some(None)` removes it.
    pub contact_phone: Option<Option<String>>,
    /// New set of service areas, replacing the old one.
    pub service_area_ids: Option<Vec<AreaId>>,
}

/// A member as other members and staff see them: no phone, no address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The person.
    pub user_id: UserId,
    /// Their display name.
    pub display_name: String,
    /// Their role in the organization.
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: NaiveDateTime,
}

/// Filters of `list_organizations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationFilter {
    /// Only this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organizations serving a community inside this area, or the community containing it.
    pub area: Option<AreaId>,
    /// Only verified (true) or unverified (false) ones.
    pub verified: Option<bool>,
    /// Only organizations this person is a member of, so a member finds their own without
    /// paging through every profile.
    pub member: Option<crate::accounts::UserId>,
    /// Only ids greater than this (paging).
    pub after: Option<OrganizationId>,
    /// At most this many.
    pub limit: i64,
}

/// Implements `From<diesel::result::Error>` and [`crate::db::TransactionError`] for a use-case
/// error enum with a `Store(StoreError)` variant, so `db::write` can see retryable failures.
macro_rules! store_error_plumbing {
    ($error:ty) => {
        impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                Self::Store(e.into())
            }
        }

        impl crate::db::TransactionError for $error {
            fn as_diesel(&self) -> Option<&diesel::result::Error> {
                match self {
                    Self::Store(e) => e.as_diesel(),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use store_error_plumbing;
