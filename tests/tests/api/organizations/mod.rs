//! Organizations, their members and verification, and partner API keys: who may do what to
//! which organization, on both engines.

mod api_keys;
mod members;
mod profiles;
mod seed;

use linli_domain::access::Role;
use linli_tests::TestApp;
use serde_json::{Value, json};

/// The path of an organization, or of something below it.
pub fn path(id: &Value, rest: &str) -> String {
    format!("/api/v1/organizations/{id}{rest}")
}

/// Founds a volunteer team serving the communities ending in `communities` (`dongguan`) with
/// contact number 13800138000, as the holder of `token`; returns the created profile.
pub async fn found(app: &TestApp, token: &str, name: &str, communities: &[&str]) -> Value {
    let mut ids = Vec::new();
    for community in communities {
        ids.push(app.area(&format!("-{community}")).await);
    }
    let reply = app
        .post_as(
            token,
            "/api/v1/organizations",
            &json!({"kind": "volunteer_team", "name_zh": name, "contact_phone": "13800138000", "service_area_ids": ids}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

/// Verifies the organization as a fresh community staff member of 东关社区.
pub async fn verify_as_dongguan_staff(app: &TestApp, id: &Value, staff_phone: &str) {
    let (_, staff) = app
        .staff(staff_phone, Role::CommunityStaff, Some("-dongguan"))
        .await;
    let reply = app
        .post_as(&staff, &path(id, "/verification"), &json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["verified"], true);
}

/// A verified team serving 东关社区 founded by a new resident: (organization id, admin token).
pub async fn verified_team(app: &TestApp, admin_phone: &str, staff_phone: &str) -> (Value, String) {
    let (_, admin) = app.resident(admin_phone, "dongguan-g1").await;
    let team = found(app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
    verify_as_dongguan_staff(app, &team["id"], staff_phone).await;
    (team["id"].clone(), admin)
}

/// Creates a key with `scopes` as the holder of `token` and returns the reply's JSON.
pub async fn create_key(app: &TestApp, token: &str, id: &Value, scopes: &[&str]) -> Value {
    let reply = app
        .post_as(
            token,
            &path(id, "/api-keys"),
            &json!({"name": "派单系统", "scopes": scopes}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}
