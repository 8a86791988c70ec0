//! Matching end to end: candidates ranked by skills, distance and continuity with every part
//! explained; the ineligible never listed; who may ask; recommendations without full or
//! closed needs; and the in-memory index agreeing with a computation straight from the store,
//! changes included.

use linli_domain::access::Role;
use linli_domain::accounts::UserId;
use linli_domain::matching::index::CandidateIndex;
use linli_domain::matching::usecases::{need_candidates, need_candidates_from_store};
use linli_domain::needs::NeedId;
use linli_domain::time::now_utc;
use linli_tests::{TestApp, engine_tests};
use serde_json::{Value, json};

use super::{ID_NUMBER, dongguan_staff, in_hours, need_body, post_need, volunteer};

/// Sets a volunteer's skills and radius.
async fn set_profile(app: &TestApp, token: &str, skills: &[&str], radius: &str) {
    let profile = json!({"service_radius": radius, "real_name": "志愿者", "id_number": ID_NUMBER, "skills": skills});
    let saved = app
        .put_as(token, "/api/v1/me/volunteer-profile", &profile)
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
}

/// A verified volunteer of `grid` with `skills` and `radius`: (id, token).
async fn helper(
    app: &TestApp,
    phone: &str,
    grid: &str,
    staff: &str,
    skills: &[&str],
    radius: &str,
) -> (i64, String) {
    let (id, token) = volunteer(app, phone, grid, staff).await;
    set_profile(app, &token, skills, radius).await;
    (id, token)
}

/// The candidates `token` sees for `need`, answered 200.
async fn candidates(app: &TestApp, token: &str, need: &Value) -> Vec<Value> {
    let reply = app
        .get_as(token, &format!("/api/v1/needs/{}/candidates", need["id"]))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json.as_array().expect("a list").clone()
}

fn ids(list: &[Value]) -> Vec<i64> {
    list.iter()
        .map(|c| c["volunteer_id"].as_i64().expect("an id"))
        .collect()
}

fn part<'a>(candidate: &'a Value, factor: &str) -> &'a Value {
    candidate["score"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["factor"] == factor)
        .expect("the factor")
}

fn of(list: &[Value], id: i64) -> Value {
    list.iter()
        .find(|c| c["volunteer_id"] == id)
        .cloned()
        .expect("listed")
}

engine_tests! {
    async fn candidates_rank_by_skills_then_distance_with_every_part_explained(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let need = post_need(&app, &resident, &need_body(1)).await;
        let (unskilled_near, _) = helper(&app, "13600000001", "dongguan-g1", &staff, &[], "community").await;
        let (skilled_far, _) = helper(&app, "13600000002", "dongguan-g2", &staff, &["companionship"], "community").await;
        let (skilled_near, _) = helper(&app, "13600000003", "dongguan-g1", &staff, &["companionship"], "community").await;
        let list = candidates(&app, &staff, &need).await;
        assert_eq!(ids(&list), [skilled_near, skilled_far, unskilled_near]);
        let best = &list[0];
        assert_eq!(best["rank"], 1);
        assert_eq!(best["distance"], 0);
        assert_eq!(best["score"]["parts"].as_array().map(Vec::len), Some(6));
        let total: i64 = best["score"]["parts"].as_array().expect("parts").iter().map(|p| p["contribution"].as_i64().expect("a number")).sum();
        assert_eq!(best["score"]["total"].as_i64(), Some(total));
        assert_eq!(part(best, "skills")["explanation"], "skills_all_held");
        assert_eq!(part(best, "distance")["explanation"], "distance_same_grid");
        assert_eq!(part(&list[1], "distance")["explanation"], "distance_same_community");
        assert_eq!(part(&list[2], "skills")["explanation"], "skills_none_held");
        let limited = app.get_as(&staff, &format!("/api/v1/needs/{}/candidates?limit=1", need["id"])).await;
        assert_eq!(ids(limited.json.as_array().expect("a list")), [skilled_near]);
        app.get_as(&staff, &format!("/api/v1/needs/{}/candidates?limit=0", need["id"])).await.assert_problem(400, "invalid_parameter");
    }

    async fn having_helped_the_resident_before_ranks_a_volunteer_higher(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        // The stranger has the smaller id, so only the score can put the familiar one first.
        let (stranger, _) = helper(&app, "13600000001", "dongguan-g2", &staff, &[], "community").await;
        let (familiar, familiar_token) = helper(&app, "13600000002", "dongguan-g2", &staff, &[], "community").await;
        let earlier = post_need(&app, &resident, &need_body(1)).await;
        let id = &earlier["id"];
        let claimed = app.post_as(&familiar_token, &format!("/api/v1/needs/{id}/claims"), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let code = earlier["check_code"].as_str().expect("a code");
        for step in ["check-in", "check-out"] {
            let reply = app.post_as(&familiar_token, &format!("/api/v1/needs/{id}/{step}"), &json!({"code": code})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        let confirmed = app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({"rating": 5})).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        let need = post_need(&app, &resident, &need_body(1)).await;
        let list = candidates(&app, &staff, &need).await;
        assert_eq!(ids(&list), [familiar, stranger]);
        assert_eq!(part(&list[0], "continuity")["explanation"], "continuity_helped_before");
        assert_eq!(part(&list[1], "continuity")["value"], 0);
    }

    async fn the_ineligible_are_never_listed(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        // The resident is a verified volunteer too: never a candidate for their own need.
        let (own, resident) = helper(&app, "13700000001", "dongguan-g1", &staff, &[], "community").await;
        let need = post_need(&app, &resident, &need_body(2)).await;
        let (listed, _) = helper(&app, "13600000001", "dongguan-g1", &staff, &[], "community").await;
        let (claimer, claimer_token) = helper(&app, "13600000002", "dongguan-g2", &staff, &[], "community").await;
        let (unverified, unverified_token) = app.resident("13600000003", "dongguan-g1").await;
        set_profile(&app, &unverified_token, &[], "community").await;
        let (_, beiguan_staff) = app.staff("13900000098", Role::CommunityStaff, Some("-beiguan")).await;
        let (far, _) = helper(&app, "13600000004", "beiguan-g1", &beiguan_staff, &[], "community").await;
        let (grid_only, _) = helper(&app, "13600000005", "dongguan-g2", &staff, &[], "grid").await;
        let claimed = app.post_as(&claimer_token, &format!("/api/v1/needs/{}/claims", need["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let list = ids(&candidates(&app, &staff, &need).await);
        assert_eq!(list, [listed]);
        for absent in [own, claimer, unverified, far, grid_only] {
            assert!(!list.contains(&absent), "{absent} listed");
        }
        // Elder care asks for a valid training credential, which nobody here holds.
        let elder = post_need(&app, &resident, &json!({"category_code": "elder_care", "description": "助浴", "window_start": in_hours(30), "window_end": in_hours(33), "duration_minutes": 60, "headcount": 1})).await;
        assert!(candidates(&app, &staff, &elder).await.is_empty());
    }

    async fn residents_out_of_area_staff_and_closed_needs_are_refused(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let need = post_need(&app, &resident, &need_body(1)).await;
        let path = format!("/api/v1/needs/{}/candidates", need["id"]);
        app.get_as(&resident, &path).await.assert_problem(403, "not_allowed");
        let (_, stranger) = app.resident("13700000002", "dongguan-g2").await;
        app.get_as(&stranger, &path).await.assert_problem(404, "need_not_found");
        let (_, beiguan_staff) = app.staff("13900000098", Role::CommunityStaff, Some("-beiguan")).await;
        app.get_as(&beiguan_staff, &path).await.assert_problem(404, "need_not_found");
        let (_, grid_worker) = app.staff("13900000097", Role::GridWorker, Some("-dongguan-g1")).await;
        assert_eq!(app.get_as(&grid_worker, &path).await.status, 200);
        app.get_as(&staff, "/api/v1/needs/999999/candidates").await.assert_problem(404, "need_not_found");
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", need["id"]), &json!({"reason": "不需要了"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        app.get_as(&staff, &path).await.assert_problem(409, "need_closed");
    }

    async fn recommendations_leave_out_full_and_closed_needs(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let (_, me) = helper(&app, "13600000001", "dongguan-g2", &staff, &["companionship"], "community").await;
        let (_, other) = helper(&app, "13600000002", "dongguan-g1", &staff, &[], "community").await;
        let later = |hours: i64| json!({"category_code": "companionship", "description": "陪伴", "window_start": in_hours(hours), "window_end": in_hours(hours + 2), "duration_minutes": 60, "headcount": 1});
        let open = post_need(&app, &resident, &later(10)).await;
        let full = post_need(&app, &resident, &later(20)).await;
        let closed = post_need(&app, &resident, &later(30)).await;
        let claimed = app.post_as(&other, &format!("/api/v1/needs/{}/claims", full["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", closed["id"]), &json!({"reason": "不需要了"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        let reply = app.get_as(&me, "/api/v1/me/recommended-needs").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let found = reply.json.as_array().expect("a list");
        assert_eq!(found.len(), 1, "{}", reply.text);
        assert_eq!(found[0]["need"]["id"], open["id"]);
        assert!(found[0]["need"].get("address").is_none(), "{}", reply.text);
        assert_eq!(found[0]["distance"], 1);
        assert_eq!(part(&found[0], "skills")["explanation"], "skills_all_held");
        app.get_as(&resident, "/api/v1/me/recommended-needs").await.assert_problem(403, "not_a_volunteer");
    }

    async fn the_index_agrees_with_the_store_and_sees_each_change_at_once(app: TestApp) {
        let (staff_id, staff) = dongguan_staff(&app).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let need = post_need(&app, &resident, &need_body(1)).await;
        let (watched, watched_token) = helper(&app, "13600000001", "dongguan-g1", &staff, &[], "community").await;
        for (i, (grid, skills, radius)) in [
            ("dongguan-g1", vec!["companionship"], "grid"),
            ("dongguan-g2", vec!["companionship", "errands"], "community"),
            ("dongguan-g3", vec![], "street"),
            ("dongguan-g3", vec!["companionship"], "street"),
            ("dongguan-g4", vec!["errands"], "community"),
        ]
        .into_iter()
        .enumerate()
        {
            helper(&app, &format!("136000001{i:02}"), grid, &staff, &skills, radius).await;
        }
        let before = candidates(&app, &staff, &need).await;
        let db = app.db();
        let need_id = NeedId(need["id"].as_i64().expect("an id"));
        let principal = db
            .run(move |conn| {
                let user = linli_domain::accounts::store::get(conn, UserId(staff_id))?.expect("the staff member");
                linli_domain::access::store::principal(conn, user)
            })
            .await
            .expect("a principal");
        let zone = chrono_tz::Asia::Shanghai;
        let now = now_utc();
        let from_store = need_candidates_from_store(&db, principal.clone(), need_id, 100, zone, now).await.expect("ranked");
        let indexed = need_candidates(&db, &CandidateIndex::new(), principal, need_id, 100, zone, now).await.expect("ranked");
        assert_eq!(indexed, from_store);
        let totals: Vec<(i64, i64)> = before.iter().map(|c| (c["volunteer_id"].as_i64().expect("id"), c["score"]["total"].as_i64().expect("total"))).collect();
        let expected: Vec<(i64, i64)> = from_store.iter().map(|r| (r.volunteer_id, i64::from(r.score.total))).collect();
        assert_eq!(totals, expected);
        assert_eq!(before.len(), 6, "every radius here reaches the need");

        // A new skill shows on the very next request.
        assert_eq!(part(&of(&before, watched), "skills")["value"], 0);
        set_profile(&app, &watched_token, &["companionship"], "community").await;
        let after_skill = candidates(&app, &staff, &need).await;
        assert_eq!(part(&of(&after_skill, watched), "skills")["value"], 10_000);

        // A place held at the same time hides the volunteer; a no-show frees it and lowers
        // reliability, both on the next request.
        let reliability = part(&of(&after_skill, watched), "reliability")["value"].as_i64().expect("a value");
        let (_, other_resident) = app.resident("13700000002", "dongguan-g1").await;
        let clash = post_need(&app, &other_resident, &need_body(1)).await;
        let claimed = app.post_as(&watched_token, &format!("/api/v1/needs/{}/claims", clash["id"]), &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        assert!(!ids(&candidates(&app, &staff, &need).await).contains(&watched));
        let reported = app.post_as(&other_resident, &format!("/api/v1/needs/{}/no-shows", clash["id"]), &json!({"helper_id": watched})).await;
        assert_eq!(reported.status, 200, "{}", reported.text);
        let after_no_show = candidates(&app, &staff, &need).await;
        let lowered = part(&of(&after_no_show, watched), "reliability")["value"].as_i64().expect("a value");
        assert!(lowered < reliability, "{lowered} < {reliability}");
    }
}
