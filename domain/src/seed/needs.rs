//! Demo needs in every state across the demo district: open, partially assigned, assigned, in
//! progress, awaiting confirmation, completed (the points history), cancelled and expired, one
//! escalated, a care plan (its weekly occurrences) and a dispute on a volunteer task. All go
//! through the real use cases at the times they happened, so each need is where its story
//! leaves it; each is found by its description on a second run, which adds nothing.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::SeedError;
use super::points::{broken, principal};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::db::{Db, StoreError};
use crate::needs::delivery::{self, Check, Presence};
use crate::needs::plans::{self, PlanInput};
use crate::needs::rules::{NeedFields, check_new_need};
use crate::needs::{Need, NeedId, NeedMode, Urgency, claims, followup, posting};
use crate::schema::{care_plans, need_details, needs};

const STAFF: &str = "13900000003";
const SOCIAL_WORKER: &str = "13900000004";
const VOLUNTEERS: [&str; 2] = ["13900000006", "13900000007"];
const ELDER: &str = "13900000008";
const NEIGHBOUR: &str = "13900000009";
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
const OVERRIDE: &str = "老人不会使用手机，社工现场登记（演示）";
const CARE_PLAN: &str = "每周三上午协助王奶奶洗澡、整理房间（演示照护计划）";

/// One demo need: who posts it, what, when its window starts relative to the seed's `now`, and
/// its story after posting.
struct Story {
    description: &'static str,
    category: &'static str,
    neighbour: bool,
    urgency: Urgency,
    posted_hours_ago: i64,
    starts_in_hours: i64,
    headcount: i32,
    end: End,
}

/// Where a demo need's story ends.
#[derive(Clone, Copy)]
enum End {
    /// Posted and left alone (or escalated, or expired, by the follow-up below).
    Posted,
    /// One volunteer took one of its places.
    Claimed(usize),
    /// The volunteer checked in (staff recorded it).
    CheckedIn(usize),
    /// The volunteer checked in and out; the resident has not confirmed.
    CheckedOut(usize),
    /// Checked in and out, and the resident disputes it.
    Disputed(usize),
    /// The resident cancelled it.
    Cancelled,
}

const STORIES: [Story; 9] = [
    Story {
        description: "厨房水龙头漏水，想请人帮忙看看（演示·待认领）",
        category: "repairs",
        neighbour: true,
        urgency: Urgency::Normal,
        posted_hours_ago: 2,
        starts_in_hours: 72,
        headcount: 1,
        end: End::Posted,
    },
    Story {
        description: "陪王奶奶去菜市场买菜，需要两位志愿者（演示·部分认领）",
        category: "errands",
        neighbour: false,
        urgency: Urgency::Normal,
        posted_hours_ago: 3,
        starts_in_hours: 76,
        headcount: 2,
        end: End::Claimed(0),
    },
    Story {
        description: "给王奶奶读报、聊聊天（演示·已认领）",
        category: "companionship",
        neighbour: false,
        urgency: Urgency::Normal,
        posted_hours_ago: 4,
        starts_in_hours: 100,
        headcount: 1,
        end: End::Claimed(1),
    },
    Story {
        description: "陪王奶奶在小区里散步（演示·服务中）",
        category: "companionship",
        neighbour: false,
        urgency: Urgency::Normal,
        posted_hours_ago: 20,
        starts_in_hours: 0,
        headcount: 1,
        end: End::CheckedIn(1),
    },
    Story {
        description: "帮王奶奶取快递、交水电费（演示·待确认）",
        category: "errands",
        neighbour: false,
        urgency: Urgency::Normal,
        posted_hours_ago: 40,
        starts_in_hours: -26,
        headcount: 1,
        end: End::CheckedOut(1),
    },
    Story {
        description: "陪王奶奶去社区卫生站量血压（演示·有异议）",
        category: "companionship",
        neighbour: false,
        urgency: Urgency::Normal,
        posted_hours_ago: 60,
        starts_in_hours: -50,
        headcount: 1,
        end: End::Disputed(0),
    },
    Story {
        description: "想找人教用智能手机视频通话（演示·已取消）",
        category: "tutoring",
        neighbour: true,
        urgency: Urgency::Normal,
        posted_hours_ago: 30,
        starts_in_hours: 48,
        headcount: 1,
        end: End::Cancelled,
    },
    Story {
        description: "楼道杂物清理，需要人手（演示·已过期）",
        category: "environment",
        neighbour: true,
        urgency: Urgency::Normal,
        posted_hours_ago: 120,
        starts_in_hours: -72,
        headcount: 1,
        end: End::Posted,
    },
    Story {
        description: "王奶奶家灯泡坏了，晚上看不见，急需更换（演示·已升级）",
        category: "repairs",
        neighbour: false,
        urgency: Urgency::Urgent,
        posted_hours_ago: 2,
        starts_in_hours: 30,
        headcount: 1,
        end: End::Posted,
    },
];

/// Loads the demo needs unless they are there, then lets the follow-up expire and escalate
/// what is due; returns how many needs this run posted.
pub async fn seed(db: &Db, now: NaiveDateTime) -> Result<usize, SeedError> {
    let staff = principal(db, STAFF).await?;
    let elder = principal(db, ELDER).await?;
    let neighbour = principal(db, NEIGHBOUR).await?;
    let mut helpers = Vec::new();
    for phone in VOLUNTEERS {
        helpers.push(principal(db, phone).await?);
    }
    let mut created = 0;
    for story in &STORIES {
        let resident = if story.neighbour { &neighbour } else { &elder };
        if find(db, resident.user.id, story.description)
            .await?
            .is_some()
        {
            continue;
        }
        tell(db, &staff, resident, &helpers, story, now).await?;
        created += 1;
    }
    created += care_plan(db, &elder, now).await?;
    followup::expire_unstaffed(db, now).await?;
    followup::escalate(db, now, ZONE).await?;
    Ok(created)
}

/// The need of `resident` with `description`, if posted before.
pub(super) async fn find(
    db: &Db,
    resident: UserId,
    description: &'static str,
) -> Result<Option<NeedId>, SeedError> {
    let found = db
        .run(move |conn| {
            need_details::table
                .inner_join(needs::table)
                .filter(needs::resident_id.eq(resident.0))
                .filter(need_details::description.eq(description))
                .select(needs::id)
                .first::<i64>(conn)
                .optional()
                .map_err(StoreError::from)
        })
        .await?;
    Ok(found.map(NeedId))
}

/// Posts the need of `story` and plays its story through the use cases.
async fn tell(
    db: &Db,
    staff: &Principal,
    resident: &Principal,
    helpers: &[Principal],
    story: &Story,
    now: NaiveDateTime,
) -> Result<(), SeedError> {
    let posted = now - Duration::hours(story.posted_hours_ago);
    // A need in progress started half an hour ago; the others start on the hour given.
    let start = if story.starts_in_hours == 0 {
        now - Duration::minutes(30)
    } else {
        now + Duration::hours(story.starts_in_hours)
    };
    let fields = NeedFields {
        description: story.description.into(),
        address: None,
        window_start: start,
        window_end: start + Duration::hours(3),
        duration_minutes: 90,
        headcount: story.headcount,
    };
    let new = check_new_need(
        story.category.into(),
        None,
        &fields,
        story.urgency,
        NeedMode::Volunteer,
        posted,
    )
    .map_err(broken)?;
    let need: Need = posting::create(db, resident.clone(), None, new, posted)
        .await
        .map_err(broken)?;
    let claimed = posted + Duration::hours(1);
    let check = |helper: &Principal, direction, at| {
        let presence = Presence::Override {
            helper: helper.user.id,
            reason: OVERRIDE.into(),
        };
        delivery::check(db, staff.clone(), need.id, direction, presence, at)
    };
    match story.end {
        End::Posted => {}
        End::Cancelled => {
            let reason = "孩子周末回来教我了，不用麻烦志愿者（演示）".to_owned();
            posting::cancel(db, resident.clone(), need.id, reason, claimed)
                .await
                .map_err(broken)?;
        }
        End::Claimed(h) | End::CheckedIn(h) | End::CheckedOut(h) | End::Disputed(h) => {
            let helper = &helpers[h];
            claims::claim(db, helper.clone(), need.id, false, claimed)
                .await
                .map_err(broken)?;
            if matches!(story.end, End::Claimed(_)) {
                return Ok(());
            }
            check(helper, Check::In, start + Duration::minutes(5))
                .await
                .map_err(broken)?;
            if matches!(story.end, End::CheckedIn(_)) {
                return Ok(());
            }
            check(helper, Check::Out, start + Duration::minutes(95))
                .await
                .map_err(broken)?;
            if let End::Disputed(_) = story.end {
                let reason = "志愿者提前离开，实际只陪了半小时（演示）".to_owned();
                delivery::dispute(
                    db,
                    resident.clone(),
                    need.id,
                    reason,
                    start + Duration::hours(4),
                )
                .await
                .map_err(broken)?;
            }
        }
    }
    Ok(())
}

/// The social worker's weekly care plan for the elder, unless she has one; its occurrences of
/// the next two weeks are posted with it. Returns how many needs that posted.
async fn care_plan(db: &Db, elder: &Principal, now: NaiveDateTime) -> Result<usize, SeedError> {
    let resident = elder.user.id;
    let exists = db
        .run(move |conn| {
            care_plans::table
                .filter(care_plans::resident_id.eq(resident.0))
                .filter(care_plans::description.eq(CARE_PLAN))
                .count()
                .get_result::<i64>(conn)
                .map_err(StoreError::from)
        })
        .await?
        > 0;
    if exists {
        return Ok(0);
    }
    let social_worker = principal(db, SOCIAL_WORKER).await?;
    let input = PlanInput {
        resident,
        category_code: "companionship".into(),
        description: CARE_PLAN.into(),
        weekday: 3,
        start_minute: 9 * 60 + 30,
        duration_minutes: 60,
        headcount: 1,
    };
    let (_, posted) = plans::create(db, social_worker, input, ZONE, now)
        .await
        .map_err(broken)?;
    Ok(usize::try_from(posted).unwrap_or(0))
}
