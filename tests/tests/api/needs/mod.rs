//! Needs end to end: posting, claims and the waitlist, verified delivery, disputes, privacy,
//! categories and care plans. Helpers here build the people every case needs.

mod categories;
mod claims;
mod delivery;
mod disputes;
mod earning;
mod followup;
mod matching;
mod offers;
mod posting;

use chrono::{Duration, Utc};
use linli_domain::access::Role;
use linli_tests::TestApp;
use serde_json::{Value, json};

/// A valid resident ID number (GB 11643 check character).
pub const ID_NUMBER: &str = "11010519491231002X";

/// An RFC 3339 instant `hours` from now.
pub fn in_hours(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339()
}

/// A need body for `companionship` (no credential gate) three hours long, starting in an hour.
pub fn need_body(headcount: i64) -> Value {
    json!({
        "category_code": "companionship",
        "description": "陪老人聊天散步",
        "address": "汉台区东关街道3号楼1单元201",
        "window_start": in_hours(1),
        "window_end": in_hours(4),
        "duration_minutes": 90,
        "headcount": headcount,
    })
}

/// Community staff of 东关社区: (id, token).
pub async fn dongguan_staff(app: &TestApp) -> (i64, String) {
    app.staff("13900000099", Role::CommunityStaff, Some("-dongguan"))
        .await
}

/// A resident of `grid` made a verified volunteer (community radius) by `staff`: (id, token).
pub async fn volunteer(app: &TestApp, phone: &str, grid: &str, staff: &str) -> (i64, String) {
    let (id, token) = app.resident(phone, grid).await;
    let profile =
        json!({"service_radius": "community", "real_name": "志愿者", "id_number": ID_NUMBER});
    let saved = app
        .put_as(&token, "/api/v1/me/volunteer-profile", &profile)
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let verified = app
        .post_as(
            staff,
            &format!("/api/v1/volunteers/{id}/verification"),
            &json!({}),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    (id, token)
}

/// Posts `body` as `token` and returns the created need.
pub async fn post_need(app: &TestApp, token: &str, body: &Value) -> Value {
    let reply = app.post_as(token, "/api/v1/needs", body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

/// A resident of 东关 grid 1 with a need of `headcount`, and staff: (resident token, need, staff token).
pub async fn resident_with_need(app: &TestApp, headcount: i64) -> (String, Value, String) {
    let (_, staff) = dongguan_staff(app).await;
    let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
    let need = post_need(app, &resident, &need_body(headcount)).await;
    (resident, need, staff)
}
