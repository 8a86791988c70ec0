//! Demo data for a first look at Linli: a district modelled on a real street office's report,
//! with a points history in 东关社区 and needs in every state in 东关社区 and 北关社区. Running it again finds what is there and adds only what
//! is missing.

use chrono::NaiveDateTime;

use crate::access::Role;
use crate::accounts::rules::{check_registration, normalize_phone};
use crate::accounts::store::RegisterError;
use crate::accounts::{self, Locale};
use crate::areas::AreaId;
use crate::areas::store::{self as area_store, CreateAreaError};
use crate::areas::{AreaLevel, NewArea};
use crate::db::{self, AnyConnection, Db, StoreError};

mod needs;
mod organizations;
mod paid;
mod points;

/// The demo district's code; its presence marks a seeded database.
pub const DEMO_DISTRICT_CODE: &str = "610702";

/// The three demo communities: code suffix, Chinese and English names.
const COMMUNITIES: [(&str, &str, &str); 3] = [
    ("dongguan", "东关社区", "Dongguan Community"),
    ("beiguan", "北关社区", "Beiguan Community"),
    ("caoba", "草坝社区", "Caoba Community"),
];

/// Grids per demo community.
const GRIDS_PER_COMMUNITY: usize = 4;

const GRID_ORDINALS: [&str; GRIDS_PER_COMMUNITY] = ["一", "二", "三", "四"];

/// What a seed run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Areas in the demo tree after the run.
    pub areas: usize,
    /// Of those, how many this run created.
    pub areas_created: usize,
    /// Demo people created by this run.
    pub people_created: usize,
    /// Demo organizations after the run.
    pub organizations: usize,
    /// Of those, how many this run created.
    pub organizations_created: usize,
    /// Demo paid-service orders this run placed.
    pub paid_orders_created: usize,
    /// Demo needs (and care plan occurrences) this run posted.
    pub needs_created: usize,
}

/// The password of every demo account (printed by `linli seed --demo`).
pub const DEMO_PASSWORD: &str = "linli-demo-2026";

/// A demo person: phone, name, home grid code suffix, and the role with its area code suffix.
pub struct DemoPerson {
    /// Login.
    pub phone: &'static str,
    /// Display name.
    pub name: &'static str,
    /// What they do, for the printed list.
    pub title: &'static str,
    /// Home grid, relative to the street code (`dongguan-g1`), if any.
    pub home_grid: Option<&'static str>,
    /// Extra role and the area it is held on, relative to the district code (`""` = district).
    pub role: Option<(Role, Option<&'static str>)>,
}

/// The demo people, one or more of every role.
pub const DEMO_PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        phone: "13900000001",
        name: "平台管理员",
        title: "platform_admin",
        home_grid: None,
        role: Some((Role::PlatformAdmin, None)),
    },
    DemoPerson {
        phone: "13900000002",
        name: "李建国",
        title: "street_admin 东大街道",
        home_grid: None,
        role: Some((Role::StreetAdmin, Some("-dongdajie"))),
    },
    DemoPerson {
        phone: "13900000003",
        name: "赵敏",
        title: "community_staff 东关社区",
        home_grid: None,
        role: Some((Role::CommunityStaff, Some("-dongdajie-dongguan"))),
    },
    DemoPerson {
        phone: "13900000004",
        name: "孙丽",
        title: "social_worker 东关社区",
        home_grid: None,
        role: Some((Role::SocialWorker, Some("-dongdajie-dongguan"))),
    },
    DemoPerson {
        phone: "13900000005",
        name: "周强",
        title: "grid_worker 东关社区第一网格",
        home_grid: Some("-dongdajie-dongguan-g1"),
        role: Some((Role::GridWorker, Some("-dongdajie-dongguan-g1"))),
    },
    DemoPerson {
        phone: "13900000006",
        name: "陈晓东",
        title: "volunteer 东关社区第一网格",
        home_grid: Some("-dongdajie-dongguan-g1"),
        role: Some((Role::Volunteer, Some("-dongdajie-dongguan-g1"))),
    },
    DemoPerson {
        phone: "13900000007",
        name: "刘芳",
        title: "volunteer 东关社区第二网格",
        home_grid: Some("-dongdajie-dongguan-g2"),
        role: Some((Role::Volunteer, Some("-dongdajie-dongguan-g2"))),
    },
    DemoPerson {
        phone: "13900000008",
        name: "王秀兰",
        title: "resident 东关社区第一网格 (82 岁)",
        home_grid: Some("-dongdajie-dongguan-g1"),
        role: None,
    },
    DemoPerson {
        phone: "13900000009",
        name: "张伟",
        title: "resident 北关社区第一网格",
        home_grid: Some("-dongdajie-beiguan-g1"),
        role: None,
    },
];

/// Seeds the demo district and its people; each part is skipped when already there.
pub async fn demo(db: &Db, now: NaiveDateTime) -> Result<SeedReport, SeedError> {
    let mut report = db
        .run(move |conn| demo_areas(conn, now).map_err(SeedError::from))
        .await?;
    for person in DEMO_PEOPLE {
        let phone = normalize_phone(person.phone).map_err(|e| SeedError::Invalid(e.to_string()))?;
        let (exists, home_grid, role_area) = db
            .run(move |conn| {
                let exists = accounts::store::find_for_login(conn, &phone)?.is_some();
                let code =
                    |suffix: Option<&str>| suffix.map(|s| format!("{DEMO_DISTRICT_CODE}{s}"));
                let area = |conn: &mut AnyConnection,
                            code: Option<String>|
                 -> Result<Option<AreaId>, StoreError> {
                    Ok(match code {
                        Some(code) => area_store::find_by_code(conn, &code)?.map(|a| a.id),
                        None => None,
                    })
                };
                let home = area(conn, code(person.home_grid))?;
                let role_area = area(conn, person.role.and_then(|(_, a)| code(a)))?;
                Ok::<_, SeedError>((exists, home, role_area))
            })
            .await?;
        if exists {
            continue;
        }
        let account = check_registration(
            person.phone,
            DEMO_PASSWORD,
            person.name,
            home_grid,
            Locale::ZhCn,
            None,
        )
        .map_err(|e| SeedError::Invalid(format!("{e:?}")))?;
        let roles = person
            .role
            .map(|(role, _)| (role, role_area))
            .into_iter()
            .collect();
        accounts::usecases::bootstrap(db, account, roles, now).await?;
        report.people_created += 1;
    }
    let (total, created) = organizations::seed(db, now).await.map_err(|e| match e {
        organizations::DemoOrganizationError::Invalid(what) => SeedError::Invalid(what),
        organizations::DemoOrganizationError::Store(e) => SeedError::Store(e),
    })?;
    report.organizations = total;
    report.organizations_created = created;
    points::seed(db, now).await?;
    report.needs_created = needs::seed(db, now).await?;
    report.paid_orders_created = paid::seed(db, chrono_tz::Asia::Shanghai, now).await?;
    Ok(report)
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The demo data broke a rule (a bug in the seed).
    #[error("invalid demo data: {0}")]
    Invalid(String),
    /// Creating an area failed.
    #[error(transparent)]
    Area(#[from] CreateAreaError),
    /// Creating a person failed.
    #[error(transparent)]
    Person(#[from] RegisterError),
    /// Seeding the paid services failed.
    #[error(transparent)]
    Paid(#[from] paid::DemoPaidError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seeds the demo district in one write transaction.
pub fn demo_areas(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
) -> Result<SeedReport, CreateAreaError> {
    db::write(conn, |conn| {
        let mut report = SeedReport::default();
        let mut ensure = |conn: &mut AnyConnection, new: NewArea| {
            let existed = area_store::find_by_code(conn, &new.code)?.is_some();
            let area = area_store::ensure(conn, &new, now)?;
            report.areas += 1;
            report.areas_created += usize::from(!existed);
            Ok::<_, CreateAreaError>(area)
        };
        let district = ensure(
            conn,
            NewArea {
                parent_id: None,
                level: AreaLevel::District,
                code: DEMO_DISTRICT_CODE.into(),
                name_zh: "汉台区".into(),
                name_en: "Hantai District".into(),
            },
        )?;
        let street = ensure(
            conn,
            NewArea {
                parent_id: Some(district.id),
                level: AreaLevel::Street,
                code: format!("{DEMO_DISTRICT_CODE}-dongdajie"),
                name_zh: "东大街道".into(),
                name_en: "Dongdajie Street".into(),
            },
        )?;
        for (slug, name_zh, name_en) in COMMUNITIES {
            let community = ensure(
                conn,
                NewArea {
                    parent_id: Some(street.id),
                    level: AreaLevel::Community,
                    code: format!("{}-{slug}", street.code),
                    name_zh: name_zh.into(),
                    name_en: name_en.into(),
                },
            )?;
            for (index, ordinal) in GRID_ORDINALS.iter().enumerate() {
                let number = index + 1;
                ensure(
                    conn,
                    NewArea {
                        parent_id: Some(community.id),
                        level: AreaLevel::Grid,
                        code: format!("{}-g{number}", community.code),
                        name_zh: format!("{name_zh}第{ordinal}网格"),
                        name_en: format!("{name_en} Grid {number}"),
                    },
                )?;
            }
        }
        Ok(report)
    })
}
