//! Demo data for a first look at Linli: a district modelled on a real street office's report.
//! Running it again finds what is there and adds only what is missing.

use chrono::NaiveDateTime;

use crate::areas::store::{self as area_store, CreateAreaError};
use crate::areas::{AreaLevel, NewArea};
use crate::db::{self, AnyConnection};

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
}

/// Seeds the demo district in one write transaction.
pub fn demo(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<SeedReport, CreateAreaError> {
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
