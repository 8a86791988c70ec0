//! The committed spec is the contract: it must match what the code generates.

#[test]
fn the_committed_spec_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json exists");
    let generated = linli_api::routes::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale; regenerate it with:\n    cargo run -p linli-api -- openapi > openapi/openapi.json"
    );
}

#[test]
fn every_operation_has_a_summary_an_id_and_an_error_response() {
    let spec: serde_json::Value =
        serde_json::from_str(&linli_api::routes::spec_json()).expect("valid JSON");
    let paths = spec["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(operation["summary"].is_string(), "{id} has no summary");
            let responses = operation["responses"].as_object().expect("responses");
            let has_problem = responses.iter().any(|(status, r)| {
                status.as_str() != "200" && r["content"].get("application/problem+json").is_some()
            });
            assert!(has_problem, "{id} documents no problem+json error response");
        }
    }
}
