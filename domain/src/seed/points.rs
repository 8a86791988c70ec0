//! The demo points history: in 东关社区 a resident's needs helped by the two demo volunteers —
//! one two years ago, so its points are about to lapse, one last month — a donation to the
//! community fund, a grant from it to the elder, and a rice reward redeemed and handed over.
//! Everything goes through the real use cases, at the times it happened, so the reconciliation
//! stays clean; keys and look-ups make a second run add nothing.

use chrono::{Duration, NaiveDateTime};

use super::{DEMO_DISTRICT_CODE, SeedError};
use crate::access::{Principal, store as access};
use crate::accounts::rules::normalize_phone;
use crate::accounts::store::find_for_login;
use crate::areas::store::find_by_code;
use crate::db::Db;
use crate::ledger::Points;
use crate::ledger::usecases::{donate_to_pool, grant_from_pool};
use crate::needs::rules::{NeedFields, check_new_need};
use crate::needs::{NeedMode, Urgency, claims, delivery, posting};
use crate::rewards::rules::RewardInput;
use crate::rewards::usecases::{
    Fulfiller, RedemptionError, RedemptionRequest, create_redemption, fulfil_redemption,
    list_rewards,
};
use crate::rewards::{RewardKind, RewardText};
use crate::volunteers::rules::check_profile;
use crate::volunteers::{ServiceRadius, store as volunteers, usecases as volunteering};

const STAFF: &str = "13900000003";
const VOLUNTEERS: [&str; 2] = ["13900000006", "13900000007"];
const ELDER: &str = "13900000008";
const RICE: &str = "东关爱心超市·大米五斤";
/// The description that marks the demo needs, so a second run finds them.
const HELP: [&str; 2] = [
    "陪王奶奶去社区卫生站复查（演示）",
    "帮王奶奶整理阳台、陪聊一小时（演示）",
];

pub(super) fn broken(what: impl std::fmt::Debug) -> SeedError {
    SeedError::Invalid(format!("demo points history: {what:?}"))
}

/// The signed-in view of the demo person with `phone`.
pub(super) async fn principal(db: &Db, phone: &str) -> Result<Principal, SeedError> {
    let phone = normalize_phone(phone).map_err(broken)?;
    db.run(move |conn| {
        let (user, _) = find_for_login(conn, &phone)?.ok_or_else(|| broken("a demo person"))?;
        Ok::<_, SeedError>(access::principal(conn, user)?)
    })
    .await
}

/// Loads the points history unless it is there already.
pub async fn seed(db: &Db, now: NaiveDateTime) -> Result<(), SeedError> {
    let staff = principal(db, STAFF).await?;
    let elder = principal(db, ELDER).await?;
    let mut helpers = Vec::new();
    for phone in VOLUNTEERS {
        let helper = principal(db, phone).await?;
        verify(db, &staff, &helper, now - Duration::days(740)).await?;
        helpers.push(helper);
    }
    // 23 months and 10 days ago: earned under the 24-month expiry, so it lapses within weeks.
    help(
        db,
        &staff,
        &elder,
        &helpers,
        HELP[0],
        now - Duration::days(710),
    )
    .await?;
    help(
        db,
        &staff,
        &elder,
        &helpers,
        HELP[1],
        now - Duration::days(40),
    )
    .await?;
    let donor = &helpers[0];
    let gift = now - Duration::days(30);
    donate_to_pool(db, donor.clone(), Points(10), "demo:donation".into(), gift)
        .await
        .map_err(broken)?;
    let reason = "独居老人冬季慰问（演示）".to_owned();
    let granted = now - Duration::days(20);
    grant_from_pool(
        db,
        staff.clone(),
        elder.user.id,
        Points(8),
        reason,
        "demo:grant".into(),
        granted,
    )
    .await
    .map_err(broken)?;
    redeem(db, &staff, donor, now - Duration::days(10)).await
}

/// The volunteer's real name is on file and verified by staff (实名认证).
async fn verify(
    db: &Db,
    staff: &Principal,
    helper: &Principal,
    at: NaiveDateTime,
) -> Result<(), SeedError> {
    let id = helper.user.id;
    let verified = db
        .run(move |conn| volunteers::get(conn, id))
        .await?
        .is_some_and(|p| p.verified_at.is_some());
    if verified {
        return Ok(());
    }
    let profile = check_profile(
        ServiceRadius::Community,
        vec!["普通话".into()],
        vec!["companionship".into()],
        Vec::new(),
        Some(helper.user.display_name.clone()),
        Some("11010519491231002X".into()),
    )
    .map_err(broken)?;
    volunteering::save_own(db, id, profile, at)
        .await
        .map_err(broken)?;
    volunteering::verify(db, staff.clone(), id, at)
        .await
        .map_err(broken)?;
    Ok(())
}

/// The elder posts a need; both volunteers claim it, staff record their arrival and departure,
/// and the elder confirms — which credits each helper by the policy of that day.
async fn help(
    db: &Db,
    staff: &Principal,
    elder: &Principal,
    helpers: &[Principal],
    description: &'static str,
    posted: NaiveDateTime,
) -> Result<(), SeedError> {
    if super::needs::find(db, elder.user.id, description)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let start = posted + Duration::days(1);
    let fields = NeedFields {
        description: description.into(),
        address: None,
        window_start: start,
        window_end: start + Duration::hours(3),
        duration_minutes: 90,
        headcount: 2,
    };
    let new = check_new_need(
        "companionship".into(),
        None,
        &fields,
        Urgency::Normal,
        NeedMode::Volunteer,
        posted,
    )
    .map_err(broken)?;
    let need = posting::create(db, elder.clone(), None, new, posted)
        .await
        .map_err(broken)?;
    for helper in helpers {
        claims::claim(
            db,
            helper.clone(),
            need.id,
            false,
            posted + Duration::hours(2),
        )
        .await
        .map_err(broken)?;
    }
    for (direction, at) in [
        (delivery::Check::In, start),
        (delivery::Check::Out, start + Duration::minutes(95)),
    ] {
        for helper in helpers {
            let presence = delivery::Presence::Override {
                helper: helper.user.id,
                reason: "老人不会使用手机，社工现场登记（演示）".into(),
            };
            delivery::check(db, staff.clone(), need.id, direction, presence, at)
                .await
                .map_err(broken)?;
        }
    }
    let confirmed = start + Duration::hours(3);
    delivery::confirm(
        db,
        elder.clone(),
        need.id,
        Some((5, None)),
        confirmed,
        chrono_tz::Asia::Shanghai,
    )
    .await
    .map_err(broken)?;
    Ok(())
}

/// Staff put rice in the community's catalogue; the volunteer redeems a bag and staff hand it
/// over a day later.
async fn redeem(
    db: &Db,
    staff: &Principal,
    person: &Principal,
    at: NaiveDateTime,
) -> Result<(), SeedError> {
    let code = format!("{DEMO_DISTRICT_CODE}-dongdajie-dongguan");
    let community = db
        .run(move |conn| find_by_code(conn, &code))
        .await?
        .ok_or_else(|| broken("the demo community"))?
        .id;
    let listed = list_rewards(db, staff.clone(), Some(community))
        .await
        .map_err(broken)?;
    let reward = match listed.into_iter().find(|r| r.text.title_zh == RICE) {
        Some(reward) => reward,
        None => {
            let input = RewardInput {
                community,
                organization: None,
                kind: RewardKind::Item,
                text: RewardText {
                    title_zh: RICE.into(),
                    title_en: Some("Rice, 2.5 kg".into()),
                    description_zh: "凭积分到社区爱心超市领取。".into(),
                    description_en: Some("Collect it at the community charity shop.".into()),
                },
                points_cost: 12,
                stock: Some(50),
                per_person_limit: Some(2),
                minimum_age: None,
                elder_only: false,
            };
            crate::rewards::usecases::create_reward(db, staff.clone(), input, at)
                .await
                .map_err(broken)?
        }
    };
    let request = RedemptionRequest {
        reward: reward.id,
        person: None,
        quantity: 1,
    };
    let today = at.date();
    let (placed, _) = create_redemption(db, person.clone(), request, "demo:rice".into(), today, at)
        .await
        .map_err(broken)?;
    let id = placed.redemption().id;
    match fulfil_redemption(
        db,
        Fulfiller::Person(staff.clone()),
        id,
        at + Duration::days(1),
    )
    .await
    {
        Ok(_) | Err(RedemptionError::AlreadyEnded(_)) => Ok(()),
        Err(other) => Err(broken(other)),
    }
}
