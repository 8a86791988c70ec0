//! Wire types of organizations: the public profile and the member list.

use chrono::{DateTime, Utc};
use linli_domain::organizations::rules::Viewed;
use linli_domain::organizations::{Member, MemberRole, OrganizationKind};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

/// What an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OrganizationKindView {
    /// 志愿服务队: a volunteer team.
    VolunteerTeam,
    /// 社会组织: a social organization with professional social workers.
    SocialOrg,
    /// 服务商: a provider of paid services.
    Provider,
    /// 慈善资源: a charity funding rewards, donations and subsidies.
    Charity,
}

impl From<OrganizationKind> for OrganizationKindView {
    fn from(kind: OrganizationKind) -> Self {
        match kind {
            OrganizationKind::VolunteerTeam => Self::VolunteerTeam,
            OrganizationKind::SocialOrg => Self::SocialOrg,
            OrganizationKind::Provider => Self::Provider,
            OrganizationKind::Charity => Self::Charity,
        }
    }
}

impl From<OrganizationKindView> for OrganizationKind {
    fn from(kind: OrganizationKindView) -> Self {
        match kind {
            OrganizationKindView::VolunteerTeam => Self::VolunteerTeam,
            OrganizationKindView::SocialOrg => Self::SocialOrg,
            OrganizationKindView::Provider => Self::Provider,
            OrganizationKindView::Charity => Self::Charity,
        }
    }
}

/// A member's role inside an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MemberRoleView {
    /// Manages the profile, the members and the API keys.
    Admin,
    /// Leads members in the field.
    Leader,
    /// Belongs to the organization.
    Member,
}

impl From<MemberRole> for MemberRoleView {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Admin => Self::Admin,
            MemberRole::Leader => Self::Leader,
            MemberRole::Member => Self::Member,
        }
    }
}

impl From<MemberRoleView> for MemberRole {
    fn from(role: MemberRoleView) -> Self {
        match role {
            MemberRoleView::Admin => Self::Admin,
            MemberRoleView::Leader => Self::Leader,
            MemberRoleView::Member => Self::Member,
        }
    }
}

/// An organization's profile. It carries no personal data; the contact number is the
/// organization's own and is masked (`138****1234`) unless the caller is a member, staff over
/// one of its communities, or the organization's own system.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct OrganizationView {
    /// Its id.
    pub id: i64,
    /// What it is.
    pub kind: OrganizationKindView,
    /// Chinese name.
    pub name_zh: String,
    /// English name, if it has one.
    pub name_en: Option<String>,
    /// What it does.
    pub description: String,
    /// The organization's number, masked for the public.
    pub contact_phone: Option<String>,
    /// The communities it serves.
    pub service_area_ids: Vec<i64>,
    /// True once staff over one of its communities verified it.
    pub verified: bool,
    /// When it was verified.
    pub verified_at: Option<DateTime<Utc>>,
    /// Who verified it; shown to members and staff only.
    pub verified_by: Option<i64>,
    /// The caller's role in it, if a member.
    pub my_role: Option<MemberRoleView>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Example for OrganizationView {
    fn example() -> Self {
        let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        Self {
            id: 3,
            kind: OrganizationKindView::VolunteerTeam,
            name_zh: "东关社区志愿服务队".into(),
            name_en: Some("Dongguan Community Volunteer Team".into()),
            description: "助老、助残、环境整治，每周六上午集中服务。".into(),
            contact_phone: Some("139****0006".into()),
            service_area_ids: vec![3],
            verified: true,
            verified_at: Some(at),
            verified_by: None,
            my_role: None,
            created_at: at,
            updated_at: at,
        }
    }
}

impl From<&Viewed> for OrganizationView {
    fn from(viewed: &Viewed) -> Self {
        let organization = &viewed.organization;
        Self {
            id: organization.id.0,
            kind: organization.kind.into(),
            name_zh: organization.name_zh.clone(),
            name_en: organization.name_en.clone(),
            description: organization.description.clone(),
            contact_phone: viewed.contact_phone(),
            service_area_ids: organization.service_areas.iter().map(|a| a.id.0).collect(),
            verified: organization.verification.is_some(),
            verified_at: organization.verification.map(|v| v.at.and_utc()),
            verified_by: viewed.verified_by().map(|u| u.0),
            my_role: viewed.standing.membership.map(MemberRoleView::from),
            created_at: organization.created_at.and_utc(),
            updated_at: organization.updated_at.and_utc(),
        }
    }
}

/// A member as other members and staff see them: a name and a role, no contact details.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct MemberView {
    /// The person's account id.
    pub user_id: i64,
    /// Their display name.
    pub display_name: String,
    /// Their role in the organization.
    pub role: MemberRoleView,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl Example for MemberView {
    fn example() -> Self {
        Self {
            user_id: 6,
            display_name: "陈晓东".into(),
            role: MemberRoleView::Leader,
            joined_at: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
        }
    }
}

impl From<&Member> for MemberView {
    fn from(member: &Member) -> Self {
        Self {
            user_id: member.user_id.0,
            display_name: member.display_name.clone(),
            role: member.role.into(),
            joined_at: member.joined_at.and_utc(),
        }
    }
}
