use linli_domain::seed;
use linli_tests::engine_tests;

async fn seed_demo(app: &linli_tests::TestApp) {
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = linli_domain::db::ConnectionManager::new(url, Default::default())
            .open()
            .expect("the test database opens");
        seed::demo_areas(&mut conn, linli_domain::time::now_utc()).expect("the demo seed runs")
    })
    .await
    .expect("the seed thread finishes");
}

engine_tests! {
    async fn the_demo_seed_builds_the_district_tree_and_is_idempotent(app: TestApp) {
        seed_demo(&app).await;
        seed_demo(&app).await;
        let reply = app.get("/api/v1/areas").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let areas = reply.json.as_array().expect("a list");
        let count = |level: &str| areas.iter().filter(|a| a["level"] == level).count();
        assert_eq!((count("district"), count("street"), count("community"), count("grid")), (1, 1, 3, 12));
        assert_eq!(areas[0]["name_zh"], "汉台区");
    }

    async fn a_subtree_holds_the_root_and_its_descendants_only(app: TestApp) {
        seed_demo(&app).await;
        let all = app.get("/api/v1/areas").await.json;
        let community = all
            .as_array()
            .expect("a list")
            .iter()
            .find(|a| a["level"] == "community")
            .expect("a community")
            .clone();
        let reply = app.get(&format!("/api/v1/areas?root={}", community["id"])).await;
        let subtree = reply.json.as_array().expect("a list");
        assert_eq!(subtree.len(), 5, "the community and its 4 grids: {}", reply.text);
        assert!(subtree.iter().skip(1).all(|a| a["parent_id"] == community["id"]));
    }

    async fn an_unknown_root_is_a_404_problem(app: TestApp) {
        app.get("/api/v1/areas?root=424242").await.assert_problem(404, "area_not_found");
    }
}
