//! Paid services over HTTP on both engines: an order from the quote to a paid settlement with
//! every total adding up, bad inputs that move nothing, races that must never overspend or
//! double-count, every event settled exactly once, and the partner API.

mod fees;
mod flow;
mod jobs;
mod once;
mod outcomes;
mod races;
mod terms;

use chrono::{TimeDelta, Timelike, Utc};
use linli_domain::access::Role;
use linli_tests::{Reply, TestApp};
use serde_json::{Value, json};

/// The people and things of one paid-service scene in 东关社区.
pub struct Scene {
    /// A street admin of 东大街道 (funds programmes, approves settlements).
    pub street: String,
    /// Community staff of 东关社区.
    pub staff: String,
    /// The provider's admin.
    pub provider: String,
    /// The provider.
    pub org: Value,
    /// The housekeeping category.
    pub category: i64,
    /// 东关社区.
    pub community: i64,
}

pub async fn post_keyed(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!("{}{path}", app.address))
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

/// Another verified provider serving 东关社区, its admin signed in with `phone`: the same
/// scene seen from it.
pub async fn other_provider(app: &TestApp, scene: &Scene, phone: &str, name: &str) -> Scene {
    let (_, provider) = app.resident(phone, "dongguan-g1").await;
    let reply = app
        .post_as(&provider, "/api/v1/organizations", &json!({"kind": "provider", "name_zh": name, "contact_phone": phone, "service_area_ids": [scene.community]}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let org = reply.json["id"].clone();
    let verified = app
        .post_as(
            &scene.staff,
            &format!("/api/v1/organizations/{org}/verification"),
            &json!({}),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    Scene {
        street: scene.street.clone(),
        staff: scene.staff.clone(),
        provider,
        org,
        category: scene.category,
        community: scene.community,
    }
}

/// Publishes an offering of the scene's provider at `price` an hour.
pub async fn offering_at(app: &TestApp, scene: &Scene, price: &str) -> i64 {
    let reply = app
        .post_as(
            &scene.provider,
            "/api/v1/offerings",
            &offering_body(scene, json!(price)),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json["id"].as_i64().expect("an id")
}

/// Books, accepts, starts and completes an order; returns it with its code.
pub async fn completed_order(
    app: &TestApp,
    scene: &Scene,
    token: &str,
    offering: i64,
    key: &str,
    points: i64,
) -> Value {
    let placed = post_keyed(
        app,
        token,
        "/api/v1/orders",
        key,
        &order_body(offering, 3, points),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let id = placed.json["id"].clone();
    let code = placed.json["check_code"]
        .as_str()
        .expect("the resident sees the code")
        .to_owned();
    let accepted = app
        .post_as(
            &scene.provider,
            &format!("/api/v1/orders/{id}/response"),
            &json!({"accept": true}),
        )
        .await;
    assert_eq!(accepted.json["state"], "accepted", "{}", accepted.text);
    for step in ["start", "completion"] {
        let reply = app
            .post_as(
                &scene.provider,
                &format!("/api/v1/orders/{id}/{step}"),
                &json!({"code": code}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    placed.json
}

/// A verified provider serving 东关社区, with staff and a street admin.
pub async fn scene(app: &TestApp) -> Scene {
    let (_, street) = app
        .staff("13900000002", Role::StreetAdmin, Some("-dongdajie"))
        .await;
    let (_, staff) = app
        .staff("13900000003", Role::CommunityStaff, Some("-dongguan"))
        .await;
    let (_, provider) = app.resident("13800000100", "dongguan-g1").await;
    let community = app.area("dongdajie-dongguan").await;
    let reply = app
        .post_as(&provider, "/api/v1/organizations", &json!({"kind": "provider", "name_zh": "安心家政", "contact_phone": "13800000100", "service_area_ids": [community]}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let org = reply.json["id"].clone();
    let verified = app
        .post_as(
            &staff,
            &format!("/api/v1/organizations/{org}/verification"),
            &json!({}),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    let categories = app.get_as(&staff, "/api/v1/service-categories").await.json;
    let category = categories
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["code"] == "housekeeping")
        .expect("housekeeping is seeded")["id"]
        .as_i64()
        .expect("an id");
    Scene {
        street,
        staff,
        provider,
        org,
        category,
        community,
    }
}

/// The body of an offering at `price` per hour, 1–4 hours, every day all day.
pub fn offering_body(scene: &Scene, price: Value) -> Value {
    json!({
        "organization_id": scene.org, "category_id": scene.category, "title_zh": "日常保洁",
        "title_en": "Cleaning", "description_zh": "两小时起", "unit": "hour", "unit_price": price,
        "min_quantity": 1, "max_quantity": 4, "area_ids": [scene.community],
        "available_weekdays": 127, "available_from_minute": 0, "available_to_minute": 1440,
        "response_minutes": 60, "cancellation_notice_hours": 24, "cancellation_fee_percent": 20
    })
}

/// Publishes an offering at ¥45.50 an hour.
pub async fn offering(app: &TestApp, scene: &Scene) -> i64 {
    offering_at(app, scene, "45.50").await
}

/// A programme of the street covering housekeeping.
pub async fn programme(app: &TestApp, scene: &Scene, extra: Value) -> i64 {
    let street = app.area("-dongdajie").await;
    let mut body = json!({"funding_area_id": street, "name_zh": "高龄老人居家养老服务补贴", "budget": "1000.00", "percent_bp": 6000, "monthly_cap": "300.00", "eligibility": {"min_age": 80}, "category_ids": [scene.category]});
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    let reply = app
        .post_as(&scene.street, "/api/v1/subsidy-programs", &body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json["id"].as_i64().expect("an id")
}

/// A resident of 东关社区 aged 86 whose facts staff verified, holding `points`.
pub async fn elder(app: &TestApp, scene: &Scene, phone: &str, points: i64) -> (i64, String) {
    let (id, token) = app.resident(phone, "dongguan-g1").await;
    let own = app
        .put_as(
            &token,
            "/api/v1/me/resident-profile",
            &json!({"birth_date": "1940-03-01"}),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    let facts = json!({"low_income": false, "disability_level": 0, "lives_alone": true, "disabled": false, "evidence_notes": "户口本与入户走访"});
    let verified = app
        .put_as(
            &scene.staff,
            &format!("/api/v1/residents/{id}/eligibility"),
            &facts,
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    if points > 0 {
        let award = post_keyed(
            app,
            &scene.staff,
            "/api/v1/points/awards",
            &uuid::Uuid::new_v4().to_string(),
            &json!({"awards": [{"user_id": id, "points": points, "reason": "社区活动"}]}),
        )
        .await;
        assert_eq!(award.status, 201, "{}", award.text);
    }
    (id, token)
}

/// An order body for tomorrow, within 24 hours from now (so the notice hours have begun),
/// `hours` hours, spending `points`. The two-hour window never crosses local midnight in
/// Shanghai, which the offering's daily availability would refuse.
pub fn order_body(offering: i64, hours: i64, points: i64) -> Value {
    let start = (Utc::now() + TimeDelta::days(1))
        .format("%Y-%m-%dT%H:00:00Z")
        .to_string();
    let mut start = chrono::DateTime::parse_from_rfc3339(&start).expect("a time");
    if (start + TimeDelta::hours(8)).hour() == 23 {
        start -= TimeDelta::hours(2);
    }
    let end = start + TimeDelta::hours(2);
    json!({"offering_id": offering, "quantity": hours, "window_start": start.to_rfc3339(), "window_end": end.to_rfc3339(), "points": points})
}

/// Points available to the holder of `token`.
pub async fn points(app: &TestApp, token: &str) -> i64 {
    app.get_as(token, "/api/v1/points/balance").await.json["available"]
        .as_i64()
        .expect("available")
}

/// What remains of a programme, as its funder sees it.
pub async fn remaining(app: &TestApp, scene: &Scene, program: i64) -> String {
    let list = app
        .get_as(&scene.street, "/api/v1/subsidy-programs")
        .await
        .json;
    list.as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["id"] == program)
        .expect("listed")["remaining"]
        .as_str()
        .expect("the funder sees the remaining budget")
        .to_owned()
}

/// Asserts the money ledger balances.
pub async fn assert_books_sound(app: &TestApp) {
    let report = app
        .db()
        .run(linli_domain::paid::books::reconcile)
        .await
        .expect("the books reconcile");
    assert!(report.is_sound(), "{report:?}");
}

/// Books, accepts, starts, completes and confirms an order; returns it.
pub async fn confirmed_order(
    app: &TestApp,
    scene: &Scene,
    token: &str,
    offering: i64,
    key: &str,
    points: i64,
) -> Value {
    let placed = completed_order(app, scene, token, offering, key, points).await;
    let id = &placed["id"];
    let confirmed = app
        .post_as(
            token,
            &format!("/api/v1/orders/{id}/confirmation"),
            &json!({}),
        )
        .await;
    assert_eq!(confirmed.json["state"], "confirmed", "{}", confirmed.text);
    confirmed.json
}

/// Sums a money field over settlement lines, in fen.
pub fn line_sum(lines: &[Value], field: &str) -> i64 {
    lines.iter().map(|l| fen(&l["totals"][field])).sum()
}

/// A money string in fen.
pub fn fen(v: &Value) -> i64 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("money is a string: {v}"));
    let (whole, frac) = s.split_once('.').expect("two decimals");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    sign * (whole.trim_start_matches('-').parse::<i64>().expect("yuan") * 100
        + frac.parse::<i64>().expect("fen"))
}
