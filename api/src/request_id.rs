//! The id that ties one request's response, problem body and log lines together.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header carrying the id in both directions.
pub const HEADER: &str = "x-request-id";

/// The current request's id, when called while serving a request.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `future` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// Accepts a client's id when it is short and plain; otherwise a new one is made, so ids can
/// be logged without escaping.
pub fn accept_or_generate(header: Option<&str>) -> String {
    header
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::now_v7().simple().to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_kept_and_others_replaced() {
        assert_eq!(accept_or_generate(Some("abc-123")), "abc-123");
        assert_ne!(accept_or_generate(Some("bad id\n")), "bad id\n");
        assert_eq!(accept_or_generate(None).len(), 32);
    }
}
