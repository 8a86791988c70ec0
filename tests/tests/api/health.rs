use linli_tests::engine_tests;

engine_tests! {
    async fn healthz_answers_ok(app: TestApp) {
        let reply = app.get("/healthz").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json["status"], "ok");
    }

    async fn the_liveness_probe_is_counted_and_answers_head_too(app: TestApp) {
        app.get("/healthz").await;
        let head = app.send(app.client.head(format!("{}/healthz", app.address))).await;
        assert_eq!(head.status, 200);
        let reply = app.get("/metrics").await;
        assert!(
            reply.text.contains(r#"linli_http_requests_total{operation="healthz",method="GET",status="200"}"#),
            "{}",
            reply.text
        );
    }

    async fn readyz_reports_the_engine_once_migrated(app: TestApp) {
        let reply = app.get("/readyz").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let engine = match app.engine {
            linli_tests::Engine::Sqlite => "sqlite",
            linli_tests::Engine::Postgres => "postgres",
        };
        assert_eq!(reply.json["database"], engine);
    }

    async fn metrics_count_requests_by_operation_and_status(app: TestApp) {
        app.get("/api/v1/areas").await;
        let reply = app.get("/metrics").await;
        assert_eq!(reply.status, 200);
        assert!(reply.content_type().starts_with("text/plain"));
        assert!(
            reply.text.contains(r#"linli_http_requests_total{operation="list_areas",method="GET",status="200"}"#),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("linli_http_request_duration_seconds_bucket"));
        assert!(reply.text.contains(r#"linli_db_pool_connections{state="max"}"#));
    }

    async fn docs_and_spec_are_served(app: TestApp) {
        let docs = app.get("/docs").await;
        assert_eq!(docs.status, 200);
        assert!(docs.content_type().starts_with("text/html"));
        let spec = app.get("/api/v1/openapi.json").await;
        assert_eq!(spec.status, 200);
        assert_eq!(spec.json["info"]["title"], "Linli");
    }

    async fn a_client_request_id_is_echoed_and_one_is_made_otherwise(app: TestApp) {
        let reply = app
            .send(app.client.get(format!("{}/healthz", app.address)).header("x-request-id", "trace-42"))
            .await;
        assert_eq!(reply.headers["x-request-id"], "trace-42");
        let reply = app.get("/healthz").await;
        assert_eq!(reply.headers["x-request-id"].len(), 32);
    }
}
