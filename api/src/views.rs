//! Wire types shared by several resources.

use linli_domain::access::{HeldRole, Role};
use linli_domain::accounts::Locale;
use poem_openapi::{Enum, Object};

/// A language Linli speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
pub enum LocaleView {
    /// Simplified Chinese.
    #[default]
    #[oai(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[oai(rename = "en")]
    En,
}

impl From<Locale> for LocaleView {
    fn from(locale: Locale) -> Self {
        match locale {
            Locale::ZhCn => Self::ZhCn,
            Locale::En => Self::En,
        }
    }
}

impl From<LocaleView> for Locale {
    fn from(locale: LocaleView) -> Self {
        match locale {
            LocaleView::ZhCn => Self::ZhCn,
            LocaleView::En => Self::En,
        }
    }
}

/// A role of Linli.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleView {
    /// 居民
    Resident,
    /// 志愿者
    Volunteer,
    /// 社工
    SocialWorker,
    /// 网格员
    GridWorker,
    /// 社区工作人员
    CommunityStaff,
    /// 街道管理员
    StreetAdmin,
    /// 平台管理员
    PlatformAdmin,
}

impl From<Role> for RoleView {
    fn from(role: Role) -> Self {
        match role {
            Role::Resident => Self::Resident,
            Role::Volunteer => Self::Volunteer,
            Role::SocialWorker => Self::SocialWorker,
            Role::GridWorker => Self::GridWorker,
            Role::CommunityStaff => Self::CommunityStaff,
            Role::StreetAdmin => Self::StreetAdmin,
            Role::PlatformAdmin => Self::PlatformAdmin,
        }
    }
}

impl From<RoleView> for Role {
    fn from(role: RoleView) -> Self {
        match role {
            RoleView::Resident => Self::Resident,
            RoleView::Volunteer => Self::Volunteer,
            RoleView::SocialWorker => Self::SocialWorker,
            RoleView::GridWorker => Self::GridWorker,
            RoleView::CommunityStaff => Self::CommunityStaff,
            RoleView::StreetAdmin => Self::StreetAdmin,
            RoleView::PlatformAdmin => Self::PlatformAdmin,
        }
    }
}

/// A role someone holds and where.
#[derive(Debug, Clone, Object)]
pub struct HeldRoleView {
    /// The grant's id.
    pub grant_id: i64,
    /// The role.
    pub role: RoleView,
    /// The area it reaches with its subtree; absent for platform_admin.
    pub area_id: Option<i64>,
}

impl From<&HeldRole> for HeldRoleView {
    fn from(held: &HeldRole) -> Self {
        Self {
            grant_id: held.grant_id,
            role: held.role.into(),
            area_id: held.area_id.map(|a| a.0),
        }
    }
}
