//! Dispatch: offers to ranked targets with a deadline, declines and lapses that offer the next
//! target, organizations that accept and assign members (by web and partner key), illegal
//! answers that change nothing, acceptances racing claims, and the need webhooks.

use chrono::Duration;
use linli_domain::needs::dispatch;
use linli_domain::time::now_utc;
use linli_tests::{TestApp, engine_tests};
use serde_json::{Value, json};

use super::followup::{subscribe, webhooks};
use super::{in_hours, need_body, post_need, resident_with_need, volunteer};
use crate::organizations::{create_key, path, verified_team};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn offers_of(need: &Value) -> String {
    format!("/api/v1/needs/{}/offers", need["id"])
}

fn statuses(offers: &Value) -> Vec<String> {
    offers
        .as_array()
        .expect("a list of offers")
        .iter()
        .map(|o| o["status"].as_str().expect("a status").to_owned())
        .collect()
}

async fn listed(app: &TestApp, staff: &str, need: &Value) -> Value {
    let reply = app.get_as(staff, &offers_of(need)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

async fn answer(app: &TestApp, token: &str, offer: &Value, accept: bool) -> linli_tests::Reply {
    app.post_as(
        token,
        &format!("/api/v1/offers/{offer}/response"),
        &json!({"accept": accept}),
    )
    .await
}

engine_tests! {
    async fn a_decline_offers_the_next_target_and_illegal_answers_change_nothing(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (first, first_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (second, second_token) = volunteer(&app, "13600000002", "dongguan-g2", &staff).await;
        app.post_as(&resident, &offers_of(&need), &json!({"targets": [{"user_id": first}]})).await.assert_problem(403, "not_staff");
        app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": first}, {"user_id": first}]})).await.assert_problem(422, "duplicate_target");
        app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": first, "organization_id": 1}]})).await.assert_problem(422, "invalid_target");
        app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": 987_654}]})).await.assert_problem(422, "unknown_target");
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": first}, {"user_id": second}], "response_minutes": 30})).await;
        assert_eq!(dispatched.status, 201, "{}", dispatched.text);
        assert_eq!(statuses(&dispatched.json), ["pending", "queued"]);
        app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": second}]})).await.assert_problem(409, "dispatch_in_progress");
        let first_offer = dispatched.json[0]["id"].clone();
        let second_offer = dispatched.json[1]["id"].clone();
        let mine = app.get_as(&first_token, "/api/v1/me/offers").await;
        assert_eq!(mine.json.as_array().map(Vec::len), Some(1), "{}", mine.text);
        assert!(mine.json[0]["need"].get("address").is_none(), "no personal data: {}", mine.text);
        assert_eq!(app.get_as(&second_token, "/api/v1/me/offers").await.json.as_array().map(Vec::len), Some(0), "queued offers are not shown yet");
        answer(&app, &second_token, &first_offer, true).await.assert_problem(403, "not_your_offer");
        answer(&app, &second_token, &second_offer, true).await.assert_problem(409, "offer_not_pending");
        assert_eq!(statuses(&listed(&app, &staff, &need).await), ["pending", "queued"], "nothing changed");
        let declined = answer(&app, &first_token, &first_offer, false).await;
        assert_eq!(declined.status, 200, "{}", declined.text);
        assert_eq!(declined.json["status"], "declined");
        answer(&app, &first_token, &first_offer, true).await.assert_problem(409, "offer_not_pending");
        assert_eq!(statuses(&listed(&app, &staff, &need).await), ["declined", "pending"]);
        let accepted = answer(&app, &second_token, &second_offer, true).await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.json["assigned_count"], 1, "{}", seen.text);
        assert_eq!(seen.json["claims"][0]["helper_id"], second);
    }

    async fn a_lapse_offers_an_organization_which_accepts_and_assigns_a_member_by_partner_key(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (team, admin) = verified_team(&app, "13800138000", "13900000003").await;
        subscribe(&app, &admin, &team, &["need.dispatched", "need.claimed"]).await;
        let (first, _) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (member, _) = volunteer(&app, "13600000002", "dongguan-g2", &staff).await;
        let added = app.post_as(&admin, &path(&team, "/members"), &json!({"user_id": member, "role": "member"})).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": first}, {"organization_id": team}], "response_minutes": 30})).await;
        assert_eq!(dispatched.status, 201, "{}", dispatched.text);
        let db = app.db();
        let now = now_utc();
        assert_eq!(dispatch::expire(&db, now + Duration::minutes(29), ZONE).await.expect("the job runs"), 0);
        assert_eq!(dispatch::expire(&db, now + Duration::minutes(31), ZONE).await.expect("the job runs"), 1);
        assert_eq!(dispatch::expire(&db, now + Duration::minutes(32), ZONE).await.expect("the job runs again"), 0);
        assert_eq!(statuses(&listed(&app, &staff, &need).await), ["lapsed", "pending"]);
        let hooks = webhooks(&app, "need.dispatched").await;
        assert_eq!(hooks.len(), 1, "{hooks:?}");
        assert_eq!(hooks[0]["data"]["need_id"], need["id"]);
        let offer = dispatched.json[1]["id"].clone();
        let reader = create_key(&app, &admin, &team, &["needs:read"]).await["secret"].as_str().expect("a secret").to_owned();
        let writer = create_key(&app, &admin, &team, &["needs:read", "needs:write"]).await["secret"].as_str().expect("a secret").to_owned();
        let seen = app.get_as(&reader, "/api/v1/partner/offers").await;
        assert_eq!(seen.status, 200, "{}", seen.text);
        assert_eq!(seen.json[0]["offer"]["id"], offer);
        assert!(seen.json[0]["need"].get("address").is_none(), "{}", seen.text);
        app.post_as(&reader, &format!("/api/v1/partner/offers/{offer}/response"), &json!({"accept": true})).await.assert_problem(403, "missing_scope");
        let accepted = app.post_as(&writer, &format!("/api/v1/partner/offers/{offer}/response"), &json!({"accept": true})).await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        assert_eq!(accepted.json["status"], "accepted");
        app.post_as(&writer, &format!("/api/v1/partner/offers/{offer}/assignments"), &json!({"user_ids": [first]})).await.assert_problem(409, "not_a_member");
        let assigned = app.post_as(&writer, &format!("/api/v1/partner/offers/{offer}/assignments"), &json!({"user_ids": [member]})).await;
        assert_eq!(assigned.status, 200, "{}", assigned.text);
        assert_eq!(assigned.json["assigned_count"], 1);
        let claimed = webhooks(&app, "need.claimed").await;
        assert_eq!(claimed.len(), 1, "{claimed:?}");
        assert_eq!(claimed[0]["data"]["helper_id"], member);
        let _ = resident;
    }

    async fn an_exhausted_ranking_leaves_the_need_open_and_escalated(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (only, only_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": only}]})).await;
        assert_eq!(dispatched.status, 201, "{}", dispatched.text);
        let declined = answer(&app, &only_token, &dispatched.json[0]["id"], false).await;
        assert_eq!(declined.status, 200, "{}", declined.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!((seen.json["status"].as_str(), seen.json["escalated"].as_bool()), (Some("open"), Some(true)), "{}", seen.text);
        let again = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": only}]})).await;
        assert_eq!(again.status, 201, "a need can be dispatched again: {}", again.text);
        assert_eq!(again.json[1]["position"], 2);
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", need["id"]), &json!({"reason": "不需要了"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        assert_eq!(statuses(&listed(&app, &staff, &need).await), ["declined", "withdrawn"], "a cancelled need's offers are withdrawn");
        answer(&app, &only_token, &again.json[1]["id"], true).await.assert_problem(409, "offer_not_pending");
    }

    async fn an_acceptance_racing_a_claim_for_the_last_place_never_exceeds_the_headcount(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (offered, offered_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (_, claimer_token) = volunteer(&app, "13600000002", "dongguan-g2", &staff).await;
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": offered}]})).await;
        assert_eq!(dispatched.status, 201, "{}", dispatched.text);
        let offer = dispatched.json[0]["id"].clone();
        let claims = format!("/api/v1/needs/{}/claims", need["id"]);
        let no_body = json!({});
        let (accepted, claimed) = tokio::join!(
            answer(&app, &offered_token, &offer, true),
            app.post_as(&claimer_token, &claims, &no_body),
        );
        let winners = usize::from(accepted.status == 200) + usize::from(claimed.status == 201);
        assert_eq!(winners, 1, "accept {} / claim {}", accepted.text, claimed.text);
        let loser = if accepted.status == 200 { &claimed } else { &accepted };
        assert_eq!(loser.status, 409, "{}", loser.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.json["assigned_count"], 1, "{}", seen.text);
        let offers = listed(&app, &staff, &need).await;
        let expected = if accepted.status == 200 { "accepted" } else { "pending" };
        assert_eq!(statuses(&offers), [expected], "a refused acceptance changes nothing");
    }

    async fn two_answers_to_one_offer_at_once_settle_it_once(app: TestApp) {
        let (_, need, staff) = resident_with_need(&app, 2).await;
        let (offered, offered_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": offered}]})).await;
        let offer = dispatched.json[0]["id"].clone();
        let (one, two) = tokio::join!(
            answer(&app, &offered_token, &offer, true),
            answer(&app, &offered_token, &offer, false)
        );
        let statuses_seen = [one.status, two.status];
        assert!(statuses_seen.contains(&200) && statuses_seen.contains(&409), "{} / {}", one.text, two.text);
        let loser = if one.status == 409 { &one } else { &two };
        loser.assert_problem(409, "offer_not_pending");
    }

    async fn teams_of_helpers_hear_of_claims_cancellations_and_completions(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (team, admin) = verified_team(&app, "13800138000", "13900000003").await;
        subscribe(&app, &admin, &team, &["need.claimed", "need.cancelled", "task.completed"]).await;
        let (helper, helper_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let added = app.post_as(&admin, &path(&team, "/members"), &json!({"user_id": helper, "role": "member"})).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let id = &need["id"];
        assert_eq!(app.post_as(&helper_token, &format!("/api/v1/needs/{id}/claims"), &json!({})).await.status, 201);
        let code = need["check_code"].as_str().expect("a code");
        assert_eq!(app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": code})).await.status, 200);
        assert_eq!(app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-out"), &json!({"code": code})).await.status, 200);
        assert_eq!(app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({"rating": 5})).await.status, 200);
        let mut later = need_body(1);
        later["window_start"] = json!(in_hours(10));
        later["window_end"] = json!(in_hours(13));
        let other = post_need(&app, &resident, &later).await;
        assert_eq!(app.post_as(&helper_token, &format!("/api/v1/needs/{}/claims", other["id"]), &json!({})).await.status, 201);
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", other["id"]), &json!({"reason": "家人来了"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        assert_eq!(webhooks(&app, "need.claimed").await.len(), 2);
        let completed = webhooks(&app, "task.completed").await;
        assert_eq!(completed.len(), 1, "{completed:?}");
        assert_eq!(completed[0]["data"]["helper_ids"], json!([helper]));
        let gone = webhooks(&app, "need.cancelled").await;
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert_eq!(gone[0]["data"]["need_id"], other["id"]);
    }
}

engine_tests! {
    async fn a_volunteer_outside_their_radius_or_failing_the_gates_is_refused_at_dispatch_and_nothing_is_offered(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (near, _) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (_, beiguan_staff) = app.staff("13900000098", linli_domain::access::Role::CommunityStaff, Some("-beiguan")).await;
        let (far, far_token) = volunteer(&app, "13600000002", "beiguan-g1", &beiguan_staff).await;
        let refused = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": near}, {"user_id": far}]})).await;
        refused.assert_problem(422, "target_out_of_radius");
        assert_eq!(statuses(&listed(&app, &staff, &need).await), Vec::<String>::new(), "nothing was offered");
        assert_eq!(app.get_as(&far_token, "/api/v1/me/offers").await.json.as_array().map(Vec::len), Some(0));

        // Elder care needs a training credential the volunteer does not hold.
        let mut body = need_body(1);
        body["category_code"] = json!("elder_care");
        let bathing = post_need(&app, &resident, &body).await;
        app.post_as(&staff, &offers_of(&bathing), &json!({"targets": [{"user_id": near}]})).await.assert_problem(422, "target_not_qualified");
        assert_eq!(statuses(&listed(&app, &staff, &bathing).await), Vec::<String>::new(), "nothing was offered");

        let fine = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": near}]})).await;
        assert_eq!(fine.status, 201, "{}", fine.text);
        assert_eq!(statuses(&fine.json), ["pending"]);
    }

    async fn the_cascade_skips_a_volunteer_whose_radius_no_longer_reaches_the_need(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (first, first_token) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let (moved, moved_token) = volunteer(&app, "13600000002", "dongguan-g2", &staff).await;
        let (third, third_token) = volunteer(&app, "13600000003", "dongguan-g2", &staff).await;
        let dispatched = app.post_as(&staff, &offers_of(&need), &json!({"targets": [{"user_id": first}, {"user_id": moved}, {"user_id": third}], "response_minutes": 30})).await;
        assert_eq!(dispatched.status, 201, "{}", dispatched.text);
        assert_eq!(statuses(&dispatched.json), ["pending", "queued", "queued"]);
        // The second volunteer narrows their radius to their own grid (the need is in grid 1).
        let narrowed = json!({"service_radius": "grid", "real_name": "志愿者", "id_number": crate::needs::ID_NUMBER});
        let saved = app.put_as(&moved_token, "/api/v1/me/volunteer-profile", &narrowed).await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let declined = answer(&app, &first_token, &dispatched.json[0]["id"], false).await;
        assert_eq!(declined.status, 200, "{}", declined.text);
        assert_eq!(statuses(&listed(&app, &staff, &need).await), ["declined", "withdrawn", "pending"], "the one out of radius is skipped");
        let theirs = app.get_as(&moved_token, "/api/v1/me/offers").await;
        assert_eq!(theirs.json.as_array().map(Vec::len), Some(1), "{}", theirs.text);
        assert_eq!(theirs.json[0]["offer"]["status"], "withdrawn", "{}", theirs.text);
        assert!(theirs.json[0]["offer"]["offered_at"].is_null(), "never offered: {}", theirs.text);
        let accepted = answer(&app, &third_token, &dispatched.json[2]["id"], true).await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.json["claims"][0]["helper_id"], third, "{}", seen.text);
    }
}
