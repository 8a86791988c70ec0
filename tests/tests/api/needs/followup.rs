//! The follow-up jobs of needs: reminders 24 hours and 2 hours before the start, once each even
//! when a slot runs again, and escalation of unclaimed needs after 30 minutes (urgent) or 24
//! hours (normal) to the area's grid workers and the organizations serving the community.

use chrono::Duration;
use diesel::prelude::*;
use linli_domain::access::Role;
use linli_domain::needs::followup;
use linli_domain::schema::{need_reminders, notifications, outbox};
use linli_domain::time::now_utc;
use linli_tests::{TestApp, engine_tests};
use serde_json::{Value, json};

use super::{dongguan_staff, in_hours, need_body, post_need, resident_with_need, volunteer};
use crate::organizations::{path, verified_team};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// How many notifications of `topic` `user` holds.
pub async fn notices(app: &TestApp, user: i64, topic: &'static str) -> i64 {
    app.db()
        .run(move |conn| {
            Ok::<_, linli_domain::db::StoreError>(
                notifications::table
                    .filter(notifications::user_id.eq(user))
                    .filter(notifications::topic.eq(topic))
                    .count()
                    .get_result(conn)?,
            )
        })
        .await
        .expect("notifications are readable")
}

/// The webhook bodies of `topic` waiting in the outbox, oldest first.
pub async fn webhooks(app: &TestApp, topic: &'static str) -> Vec<Value> {
    app.db()
        .run(move |conn| {
            let rows: Vec<String> = outbox::table
                .filter(outbox::channel.eq("webhook"))
                .filter(outbox::topic.eq(topic))
                .order(outbox::id.asc())
                .select(outbox::payload)
                .load(conn)?;
            Ok::<_, linli_domain::db::StoreError>(rows)
        })
        .await
        .expect("the outbox is readable")
        .iter()
        .map(|raw| serde_json::from_str(raw).expect("a JSON payload"))
        .collect()
}

/// Registers a webhook endpoint of organization `id` for `events` as its admin.
pub async fn subscribe(app: &TestApp, admin: &str, id: &Value, events: &[&str]) {
    let reply = app
        .post_as(
            admin,
            &path(id, "/webhooks"),
            &json!({"url": "http://127.0.0.1:9/hooks", "description": "派单系统", "events": events}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

async fn reminder_rows(app: &TestApp, kind: &'static str) -> i64 {
    app.db()
        .run(move |conn| {
            Ok::<_, linli_domain::db::StoreError>(
                need_reminders::table
                    .filter(need_reminders::kind.eq(kind))
                    .count()
                    .get_result(conn)?,
            )
        })
        .await
        .expect("reminders are readable")
}

engine_tests! {
    async fn the_resident_and_each_assigned_helper_are_reminded_once_a_day_before_and_once_two_hours_before(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (resident_id, resident) = app.resident("13700000001", "dongguan-g1").await;
        let mut body = need_body(2);
        body["window_start"] = json!(in_hours(20));
        body["window_end"] = json!(in_hours(23));
        let need = post_need(&app, &resident, &body).await;
        let (helper, helper_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (waiting, waiting_token) = volunteer(&app, "13600000002", "dongguan-g2", &staff).await;
        let (_, other_token) = volunteer(&app, "13600000003", "dongguan-g2", &staff).await;
        let claims = format!("/api/v1/needs/{}/claims", need["id"]);
        assert_eq!(app.post_as(&helper_token, &claims, &json!({})).await.status, 201);
        assert_eq!(app.post_as(&other_token, &claims, &json!({})).await.status, 201);
        assert_eq!(app.delete_as(&other_token, &format!("{claims}/mine")).await.status, 200);
        let _ = (waiting, waiting_token);
        let db = app.db();
        let now = now_utc();
        assert_eq!(followup::remind(&db, now - Duration::hours(5), ZONE).await.expect("the job runs"), 0, "more than 24 hours ahead");
        assert_eq!(followup::remind(&db, now, ZONE).await.expect("the job runs"), 2, "the resident and the assigned helper, not the one who withdrew");
        assert_eq!(followup::remind(&db, now + Duration::minutes(5), ZONE).await.expect("the slot runs again"), 0);
        assert_eq!(reminder_rows(&app, "24h").await, 2);
        let two_before = now + Duration::hours(18) + Duration::minutes(30);
        assert_eq!(followup::remind(&db, two_before, ZONE).await.expect("the job runs"), 2);
        assert_eq!(followup::remind(&db, two_before, ZONE).await.expect("the slot runs again"), 0);
        assert_eq!(reminder_rows(&app, "2h").await, 2);
        assert_eq!(notices(&app, resident_id, "need.reminder").await, 2);
        assert_eq!(notices(&app, helper, "need.reminder").await, 2);
        let listed = app.get_as(&helper_token, "/api/v1/me/notifications").await;
        assert!(listed.text.contains("小时后开始"), "{}", listed.text);
    }

    async fn two_instances_running_the_reminder_slot_at_once_remind_each_person_once(app: TestApp) {
        let (_, need, staff) = resident_with_need(&app, 1).await;
        let (helper, helper_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let claimed = app.post_as(&helper_token, &format!("/api/v1/needs/{}/claims", need["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let now = now_utc();
        let (a, b) = (app.db(), app.db());
        let (one, two) = tokio::join!(followup::remind(&a, now, ZONE), followup::remind(&b, now, ZONE));
        assert_eq!(one.expect("one runs") + two.expect("the other runs"), 2);
        assert_eq!(notices(&app, helper, "need.reminder").await, 1);
    }

    async fn an_urgent_need_nobody_takes_is_escalated_after_30_minutes_to_grid_workers_and_serving_organizations(app: TestApp) {
        let (team, admin) = verified_team(&app, "13800138000", "13900000003").await;
        subscribe(&app, &admin, &team, &["need.escalated"]).await;
        let (worker, _) = app.staff("13900000011", Role::GridWorker, Some("dongguan-g1")).await;
        let (elsewhere, _) = app.staff("13900000012", Role::GridWorker, Some("dongguan-g2")).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let mut body = need_body(1);
        body["urgency"] = json!("urgent");
        let need = post_need(&app, &resident, &body).await;
        let id = need["id"].as_i64().expect("an id");
        let db = app.db();
        let now = now_utc();
        assert_eq!(followup::escalate(&db, now + Duration::minutes(29), ZONE).await.expect("the job runs"), 0);
        assert_eq!(followup::escalate(&db, now + Duration::minutes(31), ZONE).await.expect("the job runs"), 1);
        assert_eq!(followup::escalate(&db, now + Duration::minutes(32), ZONE).await.expect("the job runs again"), 0);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["escalated"], true, "{}", seen.text);
        assert_eq!(notices(&app, worker, "need.escalated").await, 1);
        assert_eq!(notices(&app, elsewhere, "need.escalated").await, 0, "another grid's worker");
        let hooks = webhooks(&app, "need.escalated").await;
        assert_eq!(hooks.len(), 1, "{hooks:?}");
        assert_eq!(hooks[0]["data"]["need_id"], id);
        assert_eq!(hooks[0]["organization_id"], team);
        assert!(hooks[0]["data"].get("address").is_none() && !hooks[0].to_string().contains("汉台区"), "no personal data: {}", hooks[0]);
    }

    async fn a_normal_need_waits_24_hours_and_a_claimed_one_is_never_escalated(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (worker, _) = app.staff("13900000011", Role::GridWorker, Some("dongguan-g1")).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let mut body = need_body(1);
        body["window_start"] = json!(in_hours(30));
        body["window_end"] = json!(in_hours(34));
        let lonely = post_need(&app, &resident, &body).await;
        let taken = post_need(&app, &resident, &body).await;
        let (_, helper_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let claimed = app.post_as(&helper_token, &format!("/api/v1/needs/{}/claims", taken["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let db = app.db();
        let now = now_utc();
        assert_eq!(followup::escalate(&db, now + Duration::hours(1), ZONE).await.expect("the job runs"), 0, "normal needs wait longer than urgent ones");
        assert_eq!(followup::escalate(&db, now + Duration::hours(23), ZONE).await.expect("the job runs"), 0);
        assert_eq!(followup::escalate(&db, now + Duration::hours(24) + Duration::minutes(1), ZONE).await.expect("the job runs"), 1);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", lonely["id"])).await;
        assert_eq!(seen.json["escalated"], true);
        let other = app.get_as(&resident, &format!("/api/v1/needs/{}", taken["id"])).await;
        assert_eq!(other.json["escalated"], false);
        assert_eq!(notices(&app, worker, "need.escalated").await, 1);
    }
}

engine_tests! {
    async fn an_open_need_whose_window_ended_expires_once_and_a_staffed_one_never(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let mut body = need_body(2);
        body["description"] = json!("搬家具，需要两位");
        let partly = post_need(&app, &resident, &body).await;
        let (_, helper) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let claimed = app.post_as(&helper, &format!("/api/v1/needs/{}/claims", partly["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let db = app.db();
        let now = now_utc();
        assert_eq!(followup::expire_unstaffed(&db, now + Duration::hours(3)).await.expect("the job runs"), 0, "the window has not ended");
        let after = now + Duration::hours(5);
        assert_eq!(followup::expire_unstaffed(&db, after).await.expect("the job runs"), 1);
        assert_eq!(followup::expire_unstaffed(&db, after).await.expect("the job runs again"), 0);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.json["status"], "expired", "{}", seen.text);
        let other = app.get_as(&resident, &format!("/api/v1/needs/{}", partly["id"])).await;
        assert_eq!(other.json["status"], "partially_assigned", "someone holds a place: {}", other.text);
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", need["id"]), &json!({"reason": "不需要了"})).await;
        assert_eq!(cancelled.status, 409, "an expired need is final: {}", cancelled.text);
    }
}
