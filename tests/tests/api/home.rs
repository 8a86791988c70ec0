//! The home screen's data in one read, and the session cookie that lets the web shell carry
//! it in the page: set only when asked, read by the shell alone, cleared at sign-out.

use linli_tests::{PASSWORD, TestApp, engine_tests};
use serde_json::json;

use crate::needs::{need_body, post_need};

fn set_cookie(reply: &linli_tests::Reply) -> Option<String> {
    reply
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Signs in with `cookie` (`none`, `session`, `persistent`): (token, the `Set-Cookie` value).
async fn sign_in(app: &TestApp, phone: &str, cookie: &str) -> (String, Option<String>) {
    let reply = app
        .post_json(
            "/api/v1/sessions",
            &json!({"phone": phone, "password": PASSWORD, "cookie": cookie}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let token = reply.json["token"].as_str().expect("a token").to_owned();
    (token, set_cookie(&reply))
}

/// `GET path` carrying only `cookie` (no bearer).
async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> linli_tests::Reply {
    app.send(
        app.client
            .get(format!("{}{path}", app.address))
            .header("cookie", cookie),
    )
    .await
}

/// The home view a shell page carries, if any.
fn carried_home(page: &str) -> Option<serde_json::Value> {
    let open = r#"<script type="application/json" id="linli-home">"#;
    let start = page.find(open)? + open.len();
    let end = start + page[start..].find("</script>")?;
    Some(serde_json::from_str(&page[start..end]).expect("the block is JSON"))
}

engine_tests! {
    async fn the_home_gathers_points_unread_notes_active_needs_and_categories(app: TestApp) {
        let (me, resident) = app.resident("13700000001", "dongguan-g1").await;
        let open = post_need(&app, &resident, &need_body(1)).await;
        let gone = post_need(&app, &resident, &need_body(2)).await;
        let cancelled = app
            .post_as(&resident, &format!("/api/v1/needs/{}/cancellation", gone["id"]), &json!({"reason": "不需要了"}))
            .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        let home = app.get_as(&resident, "/api/v1/me/home").await;
        assert_eq!(home.status, 200, "{}", home.text);
        assert_eq!(home.json["points"]["user_id"], me);
        assert_eq!(home.json["points"]["available"], 0);
        let ids: Vec<i64> = home.json["active_needs"].as_array().expect("needs").iter().map(|n| n["id"].as_i64().expect("id")).collect();
        assert_eq!(ids, [open["id"].as_i64().expect("id")], "a cancelled need is not active");
        let kinds = home.json["categories"].as_array().expect("categories");
        assert!(kinds.iter().any(|c| c["code"] == "companionship"), "{kinds:?}");
        let notes = app.get_as(&resident, "/api/v1/me/notifications?unread=true&limit=1").await;
        assert_eq!(home.json["unread_notifications"], notes.json["unread_count"]);
        app.get("/api/v1/me/home").await.assert_problem(401, "unauthenticated");
    }

    async fn the_session_cookie_is_set_only_when_asked_and_only_the_home_accepts_it(app: TestApp) {
        app.resident("13700000001", "dongguan-g1").await;
        let (_, none) = sign_in(&app, "13700000001", "none").await;
        assert_eq!(none, None, "no cookie unless asked");
        let (_, session) = sign_in(&app, "13700000001", "session").await;
        let session = session.expect("a session cookie");
        for attribute in ["linli_session=lt_", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"] {
            assert!(session.contains(attribute), "{attribute} in {session}");
        }
        assert!(!session.contains("Max-Age"), "dies with the browser: {session}");
        let (token, persistent) = sign_in(&app, "13700000001", "persistent").await;
        let persistent = persistent.expect("a persistent cookie");
        assert!(persistent.contains("Max-Age="), "{persistent}");
        let cookie = persistent.split(';').next().expect("name=value").to_owned();
        assert_eq!(cookie, format!("linli_session={token}"));

        let shell = get_with_cookie(&app, "/", &cookie).await;
        assert_eq!(shell.status, 200);
        let home = app.get_as(&token, "/api/v1/me/home").await;
        assert_eq!(carried_home(&shell.text), Some(home.json.clone()), "the page carries get_home's view");
        assert!(shell.headers.get("vary").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("Cookie")));
        assert_eq!(carried_home(&app.get("/").await.text), None, "no cookie, no data");
        for elsewhere in ["/api/v1/me/home", "/api/v1/me", "/api/v1/points/balance", "/api/v1/needs"] {
            get_with_cookie(&app, elsewhere, &cookie).await.assert_problem(401, "unauthenticated");
        }

        let out = app.delete_as(&token, "/api/v1/sessions/current").await;
        assert_eq!(out.status, 204, "{}", out.text);
        let cleared = set_cookie(&out).expect("sign-out clears the cookie");
        assert!(cleared.starts_with("linli_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
        let stale = get_with_cookie(&app, "/", &cookie).await;
        assert_eq!(stale.status, 200, "a stale cookie still gets the page");
        assert_eq!(carried_home(&stale.text), None, "but no one's data");
    }

    async fn text_a_resident_wrote_cannot_break_out_of_the_carried_data(app: TestApp) {
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let mut body = need_body(1);
        body["description"] = json!("</script><script>alert(1)</script> & <!--");
        post_need(&app, &resident, &body).await;
        let (_, cookie) = sign_in(&app, "13700000001", "session").await;
        let cookie = cookie.expect("a cookie");
        let shell = get_with_cookie(&app, "/", cookie.split(';').next().expect("name=value")).await;
        assert_eq!(shell.text.matches("</script>").count(), 1 + app.get("/").await.text.matches("</script>").count());
        let home = carried_home(&shell.text).expect("the data");
        assert_eq!(home["active_needs"][0]["description"], body["description"]);
    }

    async fn an_unknown_cookie_choice_is_refused_and_signs_no_one_in(app: TestApp) {
        app.resident("13700000001", "dongguan-g1").await;
        let reply = app
            .post_json("/api/v1/sessions", &json!({"phone": "13700000001", "password": PASSWORD, "cookie": "forever"}))
            .await;
        assert!(reply.status == 400 || reply.status == 422, "{}", reply.text);
        assert!(reply.content_type().starts_with("application/problem+json"), "{}", reply.content_type());
        assert_eq!(set_cookie(&reply), None);
    }
}
