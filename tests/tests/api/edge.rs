//! Every error the edge can produce is problem+json with a stable code.

use linli_tests::engine_tests;

engine_tests! {
    async fn an_unknown_route_is_a_404_problem(app: TestApp) {
        app.get("/api/v1/no-such-thing").await.assert_problem(404, "route_not_found");
        app.get("/nowhere").await.assert_problem(404, "route_not_found");
    }

    async fn a_wrong_method_is_a_405_problem(app: TestApp) {
        let reply = app.send(app.client.delete(format!("{}/api/v1/areas", app.address))).await;
        reply.assert_problem(405, "method_not_allowed");
    }

    async fn a_malformed_query_parameter_is_a_400_problem_naming_it(app: TestApp) {
        let reply = app.get("/api/v1/areas?root=abc").await;
        let problem = reply.assert_problem(400, "invalid_parameter");
        assert_eq!(problem["errors"][0]["field"], "root");
    }

    async fn an_oversized_body_is_a_413_problem(app: TestApp) {
        let body = "x".repeat(2 * 1024 * 1024);
        let reply = app
            .send(app.client.post(format!("{}/api/v1/areas", app.address)).body(body.clone()))
            .await;
        reply.assert_problem(413, "payload_too_large");
        // Without a declared length (chunked), the limit still holds.
        let stream = futures_stream(body);
        let reply = app
            .send(app.client.post(format!("{}/api/v1/areas", app.address)).body(stream))
            .await;
        reply.assert_problem(413, "payload_too_large");
    }

    async fn problems_carry_the_request_id_of_the_response(app: TestApp) {
        let reply = app.get("/nowhere").await;
        let header = reply.headers["x-request-id"].to_str().expect("ascii");
        assert_eq!(reply.json["request_id"], header);
    }
}

fn futures_stream(body: String) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}
