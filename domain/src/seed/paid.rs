//! The demo's paid services: two offerings of the verified provider 安康, the street's elder
//! care subsidy, orders of 王秀兰 (82, facts verified) in every state, and one settled period —
//! made through the same use cases as the API. Skipped when any offering exists.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::access::Principal;
use crate::accounts::rules::normalize_phone;
use crate::areas::{AreaId, store as area_store};
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::organizations::OrganizationId;
use crate::paid::delivery::{self, Milestone};
use crate::paid::eligibility::EligibilityRules;
use crate::paid::inputs::{OfferingInput, ProgrammeInput};
use crate::paid::money::Fen;
use crate::paid::offerings::{self, NewOffering, ProviderActor};
use crate::paid::orders::{self, OrderRequest, Placed};
use crate::paid::{
    Availability, OfferingId, OfferingText, Order, Unit, disputes, programmes, settlement,
};
use crate::residents::{EligibilityFacts, OwnDetails};
use crate::schema::{organizations, paid_offerings, service_categories};

/// Why the paid demo could not be seeded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DemoPaidError(pub String);

impl From<StoreError> for DemoPaidError {
    fn from(e: StoreError) -> Self {
        Self(e.to_string())
    }
}

fn fail(e: impl std::fmt::Display) -> DemoPaidError {
    DemoPaidError(e.to_string())
}

async fn principal(db: &Db, phone: &'static str) -> Result<Principal, DemoPaidError> {
    let phone = normalize_phone(phone).map_err(fail)?;
    db.run(move |conn| {
        let (user, _) = crate::accounts::store::find_for_login(conn, &phone)?
            .ok_or_else(|| StoreError::Unavailable("a demo person is missing".into()))?;
        crate::access::store::principal(conn, user)
    })
    .await
    .map_err(fail)
}

fn id_of(conn: &mut AnyConnection, code: &str) -> Result<i64, StoreError> {
    Ok(service_categories::table
        .filter(service_categories::code.eq(code))
        .select(service_categories::id)
        .first(conn)?)
}

fn offering(
    org: OrganizationId,
    category: i64,
    areas: Vec<AreaId>,
    title: (&str, &str),
    unit: Unit,
    price: &str,
) -> NewOffering {
    NewOffering {
        organization: org,
        category,
        areas,
        input: OfferingInput {
            text: OfferingText {
                title_zh: title.0.into(),
                title_en: Some(title.1.into()),
                description_zh: "持证护理员上门服务，服务前后出示居民验证码。".into(),
                description_en: Some(
                    "Certified carers at home; the resident's code at start and end.".into(),
                ),
            },
            unit,
            unit_price: price.into(),
            min_quantity: 1,
            max_quantity: 4,
            availability: Availability {
                weekdays: 127,
                from_minute: 0,
                to_minute: 1440,
            },
            response_minutes: 120,
            cancellation_notice_hours: 24,
            cancellation_fee_percent: 20,
        },
        published: true,
    }
}

/// Seeds the paid demo; returns how many orders it placed (0 when it ran before).
pub async fn seed(db: &Db, zone: Tz, now: NaiveDateTime) -> Result<usize, DemoPaidError> {
    let seeded: i64 = db
        .run(|conn| {
            paid_offerings::table
                .count()
                .get_result(conn)
                .map_err(StoreError::from)
        })
        .await?;
    if seeded > 0 {
        return Ok(0);
    }
    let admin = principal(db, "13900000001").await?;
    let street_admin = principal(db, "13900000002").await?;
    let staff = principal(db, "13900000003").await?;
    let elder = principal(db, "13900000008").await?;
    let elder_id = elder.user.id;
    let staff_id = staff.user.id;
    let (org, areas, street, care, cleaning) = db
        .run(move |conn| {
            let org: i64 = organizations::table
                .filter(organizations::name_zh.eq("安康居家养老服务有限公司"))
                .select(organizations::id)
                .first(conn)?;
            let org = crate::organizations::store::get(conn, OrganizationId(org))?
                .ok_or_else(|| StoreError::Unavailable("the demo provider is missing".into()))?;
            let street = area_store::find_by_code(
                conn,
                &format!("{}-dongdajie", super::DEMO_DISTRICT_CODE),
            )?
            .ok_or_else(|| StoreError::Unavailable("the demo street is missing".into()))?;
            let birth = NaiveDate::from_ymd_opt(1944, 5, 12);
            crate::residents::store::save_own(
                conn,
                elder_id,
                &OwnDetails {
                    birth_date: birth,
                    address: None,
                    id_number: None,
                },
                now,
            )?;
            let facts = EligibilityFacts {
                low_income: false,
                disability_level: 1,
                lives_alone: true,
                disabled: false,
            };
            crate::residents::store::set_facts(
                conn,
                elder_id,
                &facts,
                "户口本、入户走访",
                staff_id,
                now,
            )?;
            let areas: Vec<AreaId> = org.service_areas.iter().map(|a| a.id).collect();
            Ok::<_, StoreError>((
                org.id,
                areas,
                street.id,
                id_of(conn, "elder_care")?,
                id_of(conn, "housekeeping")?,
            ))
        })
        .await?;
    let provider = || ProviderActor::Person(admin.clone());
    let bathing = offerings::create_offering(
        db,
        provider(),
        offering(
            org,
            care,
            areas.clone(),
            ("上门助浴", "Bathing help at home"),
            Unit::Visit,
            "80.00",
        ),
        now,
    )
    .await
    .map_err(fail)?;
    let tidy = offerings::create_offering(
        db,
        provider(),
        offering(
            org,
            cleaning,
            areas,
            ("居家助洁", "Home cleaning"),
            Unit::Hour,
            "45.50",
        ),
        now,
    )
    .await
    .map_err(fail)?;
    programmes::create_programme(
        db,
        street_admin.clone(),
        street,
        ProgrammeInput {
            name_zh: "高龄老人居家养老服务补贴".into(),
            name_en: Some("Home care subsidy for people aged 80 and over".into()),
            budget: "200000.00".into(),
            percent_bp: Some(6000),
            fixed_per_unit: None,
            monthly_cap: "300.00".into(),
            eligibility: EligibilityRules {
                min_age: Some(80),
                ..EligibilityRules::default()
            },
            categories: vec![care, cleaning],
        },
        now,
    )
    .await
    .map_err(fail)?;
    let day = |n: i64| now + TimeDelta::days(n);
    let mut placed = Vec::new();
    for (n, offering) in [
        bathing.id, tidy.id, tidy.id, bathing.id, tidy.id, bathing.id, tidy.id, bathing.id,
    ]
    .into_iter()
    .enumerate()
    {
        placed.push(book(db, &elder, offering, n, day(n as i64 + 2), zone, now).await?);
    }
    // placed: 0; accepted: 1; started: 2; completed: 3; confirmed: 4 and 5; disputed: 6; declined: 7.
    let accept =
        |order: &Order| delivery::respond_order(db, provider(), order.id, true, None, zone, now);
    for order in &placed[1..7] {
        accept(order).await.map_err(fail)?;
    }
    for order in &placed[2..7] {
        delivery::record_milestone(
            db,
            provider(),
            order.id,
            Milestone::Start,
            order.check_code.clone(),
            now,
        )
        .await
        .map_err(fail)?;
    }
    for order in &placed[3..7] {
        delivery::record_milestone(
            db,
            provider(),
            order.id,
            Milestone::Complete,
            order.check_code.clone(),
            now,
        )
        .await
        .map_err(fail)?;
    }
    for order in &placed[4..6] {
        delivery::confirm_order(db, elder.clone(), order.id, None, now)
            .await
            .map_err(fail)?;
    }
    delivery::confirm_order(
        db,
        elder.clone(),
        placed[6].id,
        Some("只来了一位护理员".into()),
        now,
    )
    .await
    .map_err(fail)?;
    delivery::respond_order(
        db,
        provider(),
        placed[7].id,
        false,
        Some("当天人手不足".into()),
        zone,
        now,
    )
    .await
    .map_err(fail)?;
    let cancelled = book(db, &elder, tidy.id, 8, day(10), zone, now).await?;
    delivery::cancel_order(
        db,
        elder.clone(),
        cancelled.id,
        Some("家人回来了".into()),
        now,
    )
    .await
    .map_err(fail)?;
    let to_resolve = book(db, &elder, tidy.id, 9, day(11), zone, now).await?;
    let resolved = disputed_and_resolved(
        db,
        &elder,
        &street_admin,
        provider(),
        &to_resolve,
        zone,
        now,
    )
    .await?;
    let batch = db
        .run(move |conn| {
            db::write(conn, |conn| {
                settlement::settle(
                    conn,
                    org,
                    now - TimeDelta::days(7),
                    now + TimeDelta::seconds(1),
                    now,
                )
            })
        })
        .await
        .map_err(fail)?
        .ok_or_else(|| DemoPaidError("nothing to settle".into()))?;
    settlement::approve_settlement(db, street_admin.clone(), batch.id, now)
        .await
        .map_err(fail)?;
    settlement::mark_settlement_paid(db, street_admin, batch.id, "ICBC-DEMO-0001".into(), now)
        .await
        .map_err(fail)?;
    Ok(placed.len() + 2 + usize::from(resolved))
}

/// One more order the elder disputes ("the floor was left wet") and the street admin resolves
/// with a ¥10.00 refund, so the demo shows a resolution in the audit log and a refund line.
async fn disputed_and_resolved(
    db: &Db,
    elder: &Principal,
    staff: &Principal,
    provider: ProviderActor,
    order: &Order,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<bool, DemoPaidError> {
    delivery::respond_order(db, provider.clone(), order.id, true, None, zone, now)
        .await
        .map_err(fail)?;
    for milestone in [Milestone::Start, Milestone::Complete] {
        delivery::record_milestone(
            db,
            provider.clone(),
            order.id,
            milestone,
            order.check_code.clone(),
            now,
        )
        .await
        .map_err(fail)?;
    }
    delivery::confirm_order(
        db,
        elder.clone(),
        order.id,
        Some("地面没有擦干".into()),
        now,
    )
    .await
    .map_err(fail)?;
    disputes::resolve_dispute(
        db,
        staff.clone(),
        order.id,
        disputes::Outcome::Refund(Some(Fen(1000))),
        "回访核实：地面未擦干，退还 10 元".into(),
        now,
    )
    .await
    .map_err(fail)?;
    Ok(true)
}

async fn book(
    db: &Db,
    elder: &Principal,
    offering: OfferingId,
    n: usize,
    start: NaiveDateTime,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Order, DemoPaidError> {
    let local = start.and_utc().with_timezone(&zone).date_naive();
    let start = local
        .and_hms_opt(9, 0, 0)
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .map_or(start, |t| t.naive_utc());
    let request = OrderRequest {
        offering,
        person: None,
        quantity: 2,
        window_start: start,
        window_end: start + TimeDelta::hours(2),
        points: 0,
        programmes: None,
        need: None,
    };
    match orders::create_order(db, elder.clone(), request, format!("demo-{n}"), zone, now)
        .await
        .map_err(fail)?
    {
        Placed::New(order) | Placed::Replayed(order) => Ok(order),
    }
}
