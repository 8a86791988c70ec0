//! The `linli` command, built inside this package so `cargo test` always builds it before the
//! black-box tests that run it as a process (a binary of another package is not rebuilt by
//! `cargo test`). Same code as `api/src/main.rs`.

fn main() -> std::process::ExitCode {
    linli_api::cli::main()
}
