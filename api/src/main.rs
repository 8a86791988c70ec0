//! `linli`: everything lives in the library so the tests start the same service.

fn main() -> std::process::ExitCode {
    linli_api::cli::main()
}
