//! The demo seed's organizations.

use linli_domain::seed::{DEMO_PASSWORD, demo};
use linli_domain::time::now_utc;
use linli_tests::engine_tests;
use serde_json::json;

engine_tests! {
    async fn the_demo_seed_loads_seven_organizations_once_with_the_volunteers_in_the_teams(app: TestApp) {
        let db = app.db();
        let first = demo(&db, now_utc()).await.expect("the demo loads");
        assert_eq!((first.organizations, first.organizations_created), (7, 7));
        let second = demo(&db, now_utc()).await.expect("the demo loads again");
        assert_eq!((second.organizations, second.organizations_created), (7, 0));
        let login = app.post_json("/api/v1/sessions", &json!({"phone": "13900000006", "password": DEMO_PASSWORD})).await;
        assert_eq!(login.status, 201, "{}", login.text);
        let token = login.json["token"].as_str().expect("a token");
        let listed = app.get_as(token, "/api/v1/organizations").await;
        let organizations = listed.json.as_array().expect("organizations");
        assert_eq!(organizations.len(), 7, "{}", listed.text);
        let kinds = |kind: &str| organizations.iter().filter(|o| o["kind"] == kind).count();
        assert_eq!((kinds("volunteer_team"), kinds("social_org"), kinds("provider"), kinds("charity")), (2, 2, 2, 1));
        let teams: Vec<&str> = organizations.iter().filter(|o| o["kind"] == "volunteer_team").map(|o| o["my_role"].as_str().unwrap_or("none")).collect();
        assert_eq!(teams, ["admin", "leader"]);
        assert_eq!(organizations.iter().filter(|o| o["verified"] == true).count(), 6);
    }
}
