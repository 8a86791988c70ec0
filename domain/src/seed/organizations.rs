//! The demo organizations: two volunteer teams, two social organizations, two providers and a
//! charity in the demo district, with the demo volunteers as members of the teams.

use chrono::NaiveDateTime;

use super::DEMO_DISTRICT_CODE;
use crate::accounts::UserId;
use crate::accounts::rules::normalize_phone;
use crate::accounts::store::find_for_login;
use crate::areas::store::find_by_code;
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::organizations::rules::check_new_organization;
use crate::organizations::usecases::record;
use crate::organizations::{MemberRole, OrganizationKind, members, store, store_error_plumbing};

/// A demo organization: who runs it, where, and whether the street admin verified it.
struct DemoOrganization {
    kind: OrganizationKind,
    name_zh: &'static str,
    name_en: &'static str,
    description: &'static str,
    contact_phone: &'static str,
    /// Community code suffixes relative to the street (`dongguan`).
    communities: &'static [&'static str],
    /// Phones of demo people and their roles; the first is the founding admin.
    members: &'static [(&'static str, MemberRole)],
    verified: bool,
}

/// The platform admin runs the demo providers and the charity; nobody else in the demo does.
const PLATFORM_ADMIN: &str = "13900000001";
/// The street admin of 东大街道 verifies the demo organizations.
const VERIFIER: &str = "13900000002";
const SOCIAL_WORKER: &str = "13900000004";
const VOLUNTEER_CHEN: &str = "13900000006";
const VOLUNTEER_LIU: &str = "13900000007";
const ALL_COMMUNITIES: &[&str] = &["dongguan", "beiguan", "caoba"];

const DEMO_ORGANIZATIONS: [DemoOrganization; 7] = [
    DemoOrganization {
        kind: OrganizationKind::VolunteerTeam,
        name_zh: "东关社区志愿服务队",
        name_en: "Dongguan Community Volunteer Team",
        description: "助老、助残、环境整治，每周六上午集中服务。",
        contact_phone: "0916-2621001",
        communities: &["dongguan"],
        members: &[
            (VOLUNTEER_CHEN, MemberRole::Admin),
            (VOLUNTEER_LIU, MemberRole::Member),
        ],
        verified: true,
    },
    DemoOrganization {
        kind: OrganizationKind::VolunteerTeam,
        name_zh: "北关社区邻里守望志愿服务队",
        name_en: "Beiguan Neighbourhood Watch Volunteer Team",
        description: "独居老人探访、代办跑腿、夜间守望。",
        contact_phone: "0916-2621002",
        communities: &["beiguan", "caoba"],
        members: &[
            (VOLUNTEER_LIU, MemberRole::Admin),
            (VOLUNTEER_CHEN, MemberRole::Leader),
        ],
        verified: true,
    },
    DemoOrganization {
        kind: OrganizationKind::SocialOrg,
        name_zh: "汉台区阳光社工服务中心",
        name_en: "Hantai Sunshine Social Work Centre",
        description: "为独居、失能老人提供个案管理、心理疏导和家庭支持。",
        contact_phone: "0916-2621003",
        communities: ALL_COMMUNITIES,
        members: &[(SOCIAL_WORKER, MemberRole::Admin)],
        verified: true,
    },
    DemoOrganization {
        kind: OrganizationKind::SocialOrg,
        name_zh: "东大街道心连心社会工作服务站",
        name_en: "Dongdajie Heart-to-Heart Social Work Station",
        description: "社区儿童课后托管与青少年成长陪伴。",
        contact_phone: "0916-2621004",
        communities: &["dongguan", "beiguan"],
        members: &[(SOCIAL_WORKER, MemberRole::Admin)],
        verified: true,
    },
    DemoOrganization {
        kind: OrganizationKind::Provider,
        name_zh: "安康居家养老服务有限公司",
        name_en: "Ankang Home Elder Care Co., Ltd.",
        description: "居家养老上门服务：助浴、助洁、助餐、就医陪护。",
        contact_phone: "0916-2621005",
        communities: ALL_COMMUNITIES,
        members: &[(PLATFORM_ADMIN, MemberRole::Admin)],
        verified: true,
    },
    DemoOrganization {
        kind: OrganizationKind::Provider,
        name_zh: "汉中益家家政服务有限公司",
        name_en: "Hanzhong Yijia Housekeeping Co., Ltd.",
        description: "家庭保洁、家电清洗、小修小补。",
        contact_phone: "0916-2621006",
        communities: &["dongguan", "caoba"],
        members: &[(PLATFORM_ADMIN, MemberRole::Admin)],
        verified: false,
    },
    DemoOrganization {
        kind: OrganizationKind::Charity,
        name_zh: "汉台区慈善会",
        name_en: "Hantai District Charity Federation",
        description: "爱心超市、积分兑换奖品和高龄老人助餐补贴的资助方。",
        contact_phone: "0916-2621007",
        communities: ALL_COMMUNITIES,
        members: &[(PLATFORM_ADMIN, MemberRole::Admin)],
        verified: true,
    },
];

/// Why the demo organizations could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoOrganizationError {
    /// The demo data names a person, area or field that is not there (a bug in the seed).
    #[error("invalid demo organization data: {0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(DemoOrganizationError);

fn person(conn: &mut AnyConnection, phone: &str) -> Result<UserId, DemoOrganizationError> {
    let phone =
        normalize_phone(phone).map_err(|e| DemoOrganizationError::Invalid(e.to_string()))?;
    find_for_login(conn, &phone)?
        .map(|(user, _)| user.id)
        .ok_or_else(|| DemoOrganizationError::Invalid(format!("no demo person {}", phone.as_str())))
}

fn seed_one(
    conn: &mut AnyConnection,
    demo: &DemoOrganization,
    now: NaiveDateTime,
) -> Result<(), DemoOrganizationError> {
    let mut area_ids = Vec::new();
    for suffix in demo.communities {
        let code = format!("{DEMO_DISTRICT_CODE}-dongdajie-{suffix}");
        let area = find_by_code(conn, &code)?
            .ok_or_else(|| DemoOrganizationError::Invalid(format!("no area {code}")))?;
        area_ids.push(area.id.0);
    }
    let new = check_new_organization(
        demo.kind,
        demo.name_zh,
        Some(demo.name_en),
        Some(demo.description),
        Some(demo.contact_phone),
        &area_ids,
    )
    .map_err(|errors| DemoOrganizationError::Invalid(format!("{errors:?}")))?;
    let Some(((founder, _), others)) = demo.members.split_first() else {
        return Err(DemoOrganizationError::Invalid(format!(
            "{} has no admin",
            demo.name_zh
        )));
    };
    let founder = person(conn, founder)?;
    let id = store::insert(conn, &new, founder, now)?;
    members::insert(conn, id, founder, MemberRole::Admin, None, now)?;
    for (phone, role) in others {
        let member = person(conn, phone)?;
        members::insert(conn, id, member, *role, Some(founder), now)?;
    }
    if demo.verified {
        let verifier = person(conn, VERIFIER)?;
        store::mark_verified(conn, id, verifier, now)?;
    }
    let organization = store::get(conn, id)?
        .ok_or_else(|| DemoOrganizationError::Invalid(format!("{} vanished", demo.name_zh)))?;
    record(
        conn,
        None,
        "organization.seeded",
        &organization,
        serde_json::json!({"kind": demo.kind.as_str(), "verified": demo.verified}),
        now,
    )?;
    Ok(())
}

/// Loads the demo organizations missing by name; returns how many there are and how many this
/// run created. Needs the demo areas and people.
pub async fn seed(db: &Db, now: NaiveDateTime) -> Result<(usize, usize), DemoOrganizationError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let mut created = 0;
            for demo in &DEMO_ORGANIZATIONS {
                if store::find_by_name(conn, demo.name_zh)?.is_none() {
                    seed_one(conn, demo, now)?;
                    created += 1;
                }
            }
            Ok((DEMO_ORGANIZATIONS.len(), created))
        })
    })
    .await
}
