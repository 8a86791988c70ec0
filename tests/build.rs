//! Decides at build time whether the PostgreSQL cases run: they need `LINLI_TEST_POSTGRES_URL`.
//! Locally they are reported as ignored when it is unset; in CI (`CI=true`) it is mandatory.

fn main() {
    println!("cargo::rerun-if-env-changed=LINLI_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(linli_postgres)");
    let url = std::env::var("LINLI_TEST_POSTGRES_URL").unwrap_or_default();
    if !url.is_empty() {
        println!("cargo::rustc-cfg=linli_postgres");
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but LINLI_TEST_POSTGRES_URL is unset: the PostgreSQL cases are mandatory in CI"
        );
    } else {
        println!(
            "cargo::warning=LINLI_TEST_POSTGRES_URL is unset: PostgreSQL test cases will be reported as ignored"
        );
    }
}
