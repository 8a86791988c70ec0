//! Claims: never more than the headcount whatever the concurrency, the waitlist and its
//! promotion, and every refusal with its own code.

use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::{in_hours, need_body, post_need, resident_with_need, volunteer};

/// Fires one claim per volunteer at once and returns each reply's status and claim status.
async fn claim_all(
    app: &linli_tests::TestApp,
    need: &Value,
    volunteers: &[(i64, String)],
    waitlist: bool,
) -> Vec<(u16, Value)> {
    let path = format!("/api/v1/needs/{}/claims", need["id"]);
    let body = json!({"waitlist": waitlist});
    let claims = volunteers
        .iter()
        .map(|(_, token)| app.post_as(token, &path, &body));
    futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(|reply| (reply.status, reply.json["status"].clone()))
        .collect()
}

engine_tests! {
    async fn two_hundred_concurrent_claimers_leave_exactly_k_winners_in_every_trial(app: TestApp) {
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let volunteers = app.verified_volunteers(200, "dongguan-g2").await;
        // A few trials here; `benches/claims.sh` runs a thousand.
        for (trial, headcount) in [1_i64, 4, 9].into_iter().enumerate() {
            let mut body = need_body(headcount);
            body["window_start"] = json!(in_hours(1 + 3 * trial as i64));
            body["window_end"] = json!(in_hours(3 + 3 * trial as i64));
            let need = post_need(&app, &resident, &body).await;
            let replies = claim_all(&app, &need, &volunteers, false).await;
            let winners = replies.iter().filter(|(s, _)| *s == 201).count() as i64;
            assert_eq!(winners, headcount, "trial {trial}: {replies:?}");
            assert!(replies.iter().all(|(s, _)| *s == 201 || *s == 409), "{replies:?}");
            let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
            assert_eq!(seen.json["assigned_count"], headcount);
            assert_eq!(seen.json["claims"].as_array().expect("claims").len() as i64, headcount);
        }
    }

    async fn concurrent_claims_never_exceed_the_headcount_and_the_rest_wait_in_order(app: TestApp) {
        let (resident, need, _) = resident_with_need(&app, 3).await;
        let volunteers = app.verified_volunteers(24, "dongguan-g2").await;
        let replies = claim_all(&app, &need, &volunteers, true).await;
        let assigned = replies.iter().filter(|(s, c)| *s == 201 && c == "assigned").count();
        let waiting = replies.iter().filter(|(s, c)| *s == 201 && c == "waitlisted").count();
        assert_eq!((assigned, waiting), (3, 21), "{replies:?}");
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.json["assigned_count"], 3);
        assert_eq!(seen.json["status"], "assigned");
        let claims = seen.json["claims"].as_array().expect("claims");
        assert_eq!(claims.iter().filter(|c| c["status"] == "assigned").count(), 3);
        // The first waitlisted claim takes a freed place.
        let first_waiting = claims.iter().find(|c| c["status"] == "waitlisted").expect("a waiting claim")["helper_id"].clone();
        let holder = claims.iter().find(|c| c["status"] == "assigned").expect("a holder")["helper_id"].clone();
        let token = &volunteers.iter().find(|(id, _)| json!(id) == holder).expect("the holder's token").1;
        let withdrawn = app.delete_as(token, &format!("/api/v1/needs/{}/claims/mine", need["id"])).await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        assert_eq!(withdrawn.json["assigned_count"], 3);
        let after = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        let promoted = after.json["claims"].as_array().expect("claims").iter().find(|c| c["helper_id"] == first_waiting).expect("the promoted claim").clone();
        assert_eq!(promoted["status"], "assigned", "{}", after.text);
    }

    async fn without_the_waitlist_a_full_need_refuses_exactly_the_surplus(app: TestApp) {
        let (_, need, _) = resident_with_need(&app, 2).await;
        let volunteers = app.verified_volunteers(12, "dongguan-g3").await;
        let replies = claim_all(&app, &need, &volunteers, false).await;
        assert_eq!(replies.iter().filter(|(s, _)| *s == 201).count(), 2, "{replies:?}");
        assert_eq!(replies.iter().filter(|(s, _)| *s == 409).count(), 10, "{replies:?}");
        let winner = replies.iter().position(|(s, _)| *s == 201).expect("a winner");
        let loser = replies.iter().position(|(s, _)| *s == 409).expect("a refused claim");
        let path = format!("/api/v1/needs/{}/claims", need["id"]);
        app.post_as(&volunteers[winner].1, &path, &json!({})).await.assert_problem(409, "already_claimed");
        app.post_as(&volunteers[loser].1, &path, &json!({})).await.assert_problem(409, "need_full");
    }

    async fn claims_are_refused_with_their_own_codes(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let path = format!("/api/v1/needs/{}/claims", need["id"]);
        app.post_as(&resident, &path, &json!({})).await.assert_problem(409, "own_need");
        let (_, plain) = app.resident("13700000009", "dongguan-g1").await;
        app.post_as(&plain, &path, &json!({})).await.assert_problem(404, "need_not_found");
        let (_, caoba_staff) = app.staff("13900000098", linli_domain::access::Role::CommunityStaff, Some("-caoba")).await;
        let (_, far) = volunteer(&app, "13600000002", "caoba-g1", &caoba_staff).await;
        app.post_as(&far, &path, &json!({})).await.assert_problem(403, "out_of_radius");
        let (_, near) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let mut bathing = need_body(1);
        bathing["category_code"] = json!("elder_care");
        let gated = post_need(&app, &resident, &bathing).await;
        app.post_as(&near, &format!("/api/v1/needs/{}/claims", gated["id"]), &json!({})).await.assert_problem(403, "credentials_missing");
        let claimed = app.post_as(&near, &path, &json!({})).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
        let mut same_time = need_body(1);
        same_time["window_start"] = json!(in_hours(2));
        let overlapping = post_need(&app, &resident, &same_time).await;
        app.post_as(&near, &format!("/api/v1/needs/{}/claims", overlapping["id"]), &json!({})).await.assert_problem(409, "overlapping_claim");
        let (_, other) = volunteer(&app, "13600000003", "dongguan-g2", &staff).await;
        app.post_as(&other, &path, &json!({})).await.assert_problem(409, "need_full");
        app.post_as(&resident, &format!("/api/v1/needs/{}/cancellation", overlapping["id"]), &json!({"reason": "不需要了"})).await;
        app.post_as(&other, &format!("/api/v1/needs/{}/claims", overlapping["id"]), &json!({})).await.assert_problem(409, "need_not_claimable");
        let count = app.get_as(&resident, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(count.json["assigned_count"], 1, "refusals changed nothing");
    }

    async fn the_busiest_operations_refuse_missing_unknown_and_revoked_tokens_and_change_nothing(app: TestApp) {
        // Claims, check-in/out, confirmation and posting resolve the token in the same store
        // hop as their work; they must answer bad tokens exactly as every other operation.
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (_, helper) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let id = need["id"].clone();
        let writes = [
            (format!("/api/v1/needs/{id}/claims"), json!({})),
            (format!("/api/v1/needs/{id}/check-in"), json!({"code": "0000"})),
            (format!("/api/v1/needs/{id}/check-out"), json!({"code": "0000"})),
            (format!("/api/v1/needs/{id}/confirmation"), json!({"rating": 5})),
            ("/api/v1/needs".to_owned(), need_body(1)),
        ];
        let revoked = app.resident("13700000005", "dongguan-g2").await.1;
        assert_eq!(app.delete_as(&revoked, "/api/v1/sessions/current").await.status, 204);
        for (path, body) in &writes {
            app.post_json(path, body).await.assert_problem(401, "unauthenticated");
            app.post_as("lt_not-a-real-token", path, body).await.assert_problem(401, "invalid_token");
            app.post_as(&revoked, path, body).await.assert_problem(401, "invalid_token");
        }
        // A bad token is answered before the body's rules are looked at, as everywhere.
        app.post_as(&revoked, "/api/v1/needs", &need_body(0)).await.assert_problem(401, "invalid_token");
        app.post_as(&revoked, &format!("/api/v1/needs/{id}/check-in"), &json!({})).await.assert_problem(401, "invalid_token");
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["assigned_count"], 0, "{}", seen.text);
        assert_eq!(seen.json["status"], "open");
        let mine = app.get_as(&resident, "/api/v1/needs").await;
        assert_eq!(mine.json.as_array().map(Vec::len), Some(1), "no need was posted: {}", mine.text);
        // The same operations with a live token go through.
        let claimed = app.post_as(&helper, &writes[0].0, &writes[0].1).await;
        assert_eq!(claimed.status, 201, "{}", claimed.text);
    }
}
