//! Who may do what where: roles held on areas, reaching each area's whole subtree and nothing
//! beside it. One policy module; every operation asks it.

pub mod rules;
pub mod store;
pub mod usecases;

use serde::{Deserialize, Serialize};

use crate::accounts::User;
use crate::areas::AreaId;

/// The roles of Linli.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 居民: posts needs, books services.
    Resident,
    /// 志愿者: claims tasks, earns points.
    Volunteer,
    /// 社工: verifies, plans care, resolves disputes in a community.
    SocialWorker,
    /// 网格员: acts for residents of a grid, dispatches, handles escalations.
    GridWorker,
    /// 社区工作人员: runs a community.
    CommunityStaff,
    /// 街道管理员: runs a street and everything below it.
    StreetAdmin,
    /// 平台管理员: runs the platform.
    PlatformAdmin,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 7] = [
        Self::Resident,
        Self::Volunteer,
        Self::SocialWorker,
        Self::GridWorker,
        Self::CommunityStaff,
        Self::StreetAdmin,
        Self::PlatformAdmin,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Volunteer => "volunteer",
            Self::SocialWorker => "social_worker",
            Self::GridWorker => "grid_worker",
            Self::CommunityStaff => "community_staff",
            Self::StreetAdmin => "street_admin",
            Self::PlatformAdmin => "platform_admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// A role someone holds, with the area it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    /// The grant's id.
    pub grant_id: i64,
    /// The role.
    pub role: Role,
    /// The area (none for platform_admin).
    pub area_id: Option<AreaId>,
    /// The area's materialized path (empty for platform_admin).
    pub area_path: String,
}

/// An authenticated person with the roles they hold: what every policy question is about.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user: User,
    /// Roles held now.
    pub roles: Vec<HeldRole>,
}

/// A principal holding `roles` (role, area path; empty path for platform_admin), for the pure
/// policy tests of every module.
#[cfg(test)]
pub(crate) fn test_principal(user: i64, roles: &[(Role, &str)]) -> Principal {
    use crate::accounts::{AccountStatus, Locale, UserId};
    Principal {
        user: User {
            id: UserId(user),
            phone: None,
            display_name: "测试".into(),
            home_grid_id: None,
            locale: Locale::ZhCn,
            email: None,
            status: AccountStatus::Active,
            created_at: chrono::NaiveDateTime::default(),
        },
        roles: roles
            .iter()
            .enumerate()
            .map(|(i, (role, path))| HeldRole {
                grant_id: i as i64,
                role: *role,
                area_id: (!path.is_empty()).then_some(AreaId(1)),
                area_path: (*path).to_owned(),
            })
            .collect(),
    }
}
