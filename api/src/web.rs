//! The web front end: the files of `web/`, embedded into the binary at build time and served
//! at `/` beside the API. The app shell (`/`) is never cached, so a new release reaches every
//! browser at its next visit; every other file lives under `/static/<version>/`, where the
//! version is a digest of all the files, so it can be cached for a year and revalidated by
//! ETag. Every response carries a strict content security policy: the front end runs no
//! inline script or style and can be framed by no one.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use poem::http::header::{self, HeaderValue};
use poem::http::{HeaderMap, StatusCode};
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};
use sha2::{Digest, Sha256};

use linli_domain::db::Db;
use poem_openapi::types::ToJSON;

use crate::auth::{caller_for_token, session_cookie_value};
use crate::home::read_home;
use crate::problem::{Problem, ProblemJson};

/// The files of `web/` without the browser tests and their node modules.
#[derive(rust_embed::RustEmbed)]
#[folder = "../web/"]
#[exclude = "tests/*"]
#[exclude = "*.md"]
struct Files;

/// Where versioned files are served; the shell's `{{static}}` placeholders point here.
pub const STATIC_PREFIX: &str = "/static";

/// The policy for every front-end response: only this origin's files, no inline code, no
/// plugins, no framing, forms and requests to this origin only. Images may also be `blob:`
/// URLs: charts are fetched with the bearer token and shown from memory.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Cache policy of the files under the current version: they never change under that URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Below this size gzip saves too little to be worth a second copy.
const GZIP_MIN_BYTES: usize = 1024;

/// One file, ready to send.
struct Asset {
    body: Vec<u8>,
    gzip: Option<Vec<u8>>,
    etag: HeaderValue,
    mime: HeaderValue,
}

impl Asset {
    /// Prepares a file read at start: its ETag from its digest and the smallest gzip copy,
    /// when that is smaller.
    fn new(body: Vec<u8>, mime: &str) -> Self {
        Self::compressed(body, mime, flate2::Compression::best())
    }

    /// Prepares `body` with gzip at `level`: the best once at start, a fast one for a page
    /// made per request.
    fn compressed(body: Vec<u8>, mime: &str, level: flate2::Compression) -> Self {
        let digest = Sha256::digest(&body);
        let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16])))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        let gzip = (body.len() >= GZIP_MIN_BYTES)
            .then(|| gzip(&body, level))
            .flatten()
            .filter(|packed| packed.len() < body.len());
        let mime = HeaderValue::from_str(mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
        Self {
            body,
            gzip,
            etag,
            mime,
        }
    }
}

/// `body` gzipped at `level`.
fn gzip(body: &[u8], level: flate2::Compression) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// Where a signed-in browser's shell carries its home's data: just before `</body>`.
const BODY_END: &str = "</body>";

/// The id of the element holding that data (a JSON data block, which no policy lets run).
const HOME_DATA_ID: &str = "linli-home";

/// The embedded front end, read once at start.
pub struct WebAssets {
    version: String,
    shell: Asset,
    /// The shell's text, for pages that carry a signed-in person's home data.
    shell_page: String,
    files: HashMap<String, Asset>,
}

impl WebAssets {
    /// Loads every embedded file; the version is a digest over all of them, so any change to
    /// any file moves every URL and no browser mixes two releases.
    pub fn load() -> Arc<Self> {
        let mut names: Vec<String> = Files::iter().map(|name| name.into_owned()).collect();
        names.sort();
        let mut digest = Sha256::new();
        let mut files = HashMap::new();
        let mut shell_source = Vec::new();
        for name in names {
            let Some(file) = Files::get(&name) else {
                continue;
            };
            digest.update(name.as_bytes());
            digest.update(file.metadata.sha256_hash());
            if name == "index.html" {
                shell_source = file.data.into_owned();
            } else {
                let mime = mime_for(&name);
                files.insert(name, Asset::new(file.data.into_owned(), mime));
            }
        }
        let version = hex::encode(&digest.finalize()[..6]);
        let page = String::from_utf8_lossy(&shell_source)
            .replace("{{static}}", &format!("{STATIC_PREFIX}/{version}"));
        Arc::new(Self {
            version,
            shell: Asset::new(page.clone().into_bytes(), "text/html; charset=utf-8"),
            shell_page: page,
            files,
        })
    }

    /// The current version segment of asset URLs.
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// The content type of a front-end file; only the kinds `web/` holds are known.
fn mime_for(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The app shell: every screen starts here and routes by the URL fragment. A browser holding
/// a live session cookie also gets its home's data (`get_home`'s view) in the page, so the
/// home draws without another round trip; a stale cookie, or a store that cannot answer now,
/// gets the plain shell, and the page asks the API as usual.
#[handler]
pub async fn shell(assets: Data<&Arc<WebAssets>>, db: Data<&Db>, headers: &HeaderMap) -> Response {
    let signed_in = match session_cookie_value(headers) {
        Some(token) => signed_in_page(&assets, &db, token).await,
        None => None,
    };
    let mut response = send(
        signed_in.as_ref().unwrap_or(&assets.shell),
        headers,
        "no-store",
    );
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    response
}

/// The shell with the home's data of the session `token` belongs to, if it is live.
async fn signed_in_page(assets: &WebAssets, db: &Db, token: &str) -> Option<Asset> {
    let caller = match caller_for_token(db, token).await {
        Ok(found) => found?,
        Err(error) => {
            tracing::warn!(%error, "the shell could not check the session cookie");
            return None;
        }
    };
    let home = match read_home(db, caller.principal).await {
        Ok(home) => home,
        Err(_) => {
            tracing::warn!("the shell could not read the home's data");
            return None;
        }
    };
    let block = format!(
        "<script type=\"application/json\" id=\"{HOME_DATA_ID}\">{}</script>\n{BODY_END}",
        json_for_html(&home.to_json_string())
    );
    let page = assets.shell_page.replacen(BODY_END, &block, 1);
    Some(Asset::compressed(
        page.into_bytes(),
        "text/html; charset=utf-8",
        flate2::Compression::fast(),
    ))
}

/// JSON made safe inside an HTML element: no `<`, `>` or `&` can close the block or start
/// markup (each is written as its `\uXXXX` escape, which JSON reads back unchanged).
fn json_for_html(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A file under `/static/<version>/`. A stale version (a page loaded before a release) still
/// gets the current file, but uncached, so the old URL never pins new content for a year.
#[handler]
pub fn asset(
    assets: Data<&Arc<WebAssets>>,
    Path((version, path)): Path<(String, String)>,
    headers: &HeaderMap,
) -> Response {
    let Some(file) = assets.files.get(path.trim_start_matches('/')) else {
        return secure(
            ProblemJson(Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such front-end file",
            ))
            .into_response(),
        );
    };
    let cache = if version == assets.version {
        IMMUTABLE
    } else {
        "no-cache"
    };
    send(file, headers, cache)
}

/// The response for `file`: 304 when the browser holds it, gzip when the browser takes it.
fn send(file: &Asset, request: &HeaderMap, cache: &'static str) -> Response {
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == file.etag)
        });
    let mut builder = Response::builder()
        .header(header::ETAG, file.etag.clone())
        .header(header::CACHE_CONTROL, cache)
        .header(header::VARY, "Accept-Encoding");
    let response = if fresh {
        builder.status(StatusCode::NOT_MODIFIED).finish()
    } else {
        builder = builder.header(header::CONTENT_TYPE, file.mime.clone());
        match &file.gzip {
            Some(packed) if accepts_gzip(request) => builder
                .header(header::CONTENT_ENCODING, "gzip")
                .body(packed.clone()),
            _ => builder.body(file.body.clone()),
        }
    };
    secure(response)
}

/// True when `Accept-Encoding` names gzip without refusing it (`q=0`).
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| {
            list.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let coding = parts.next().unwrap_or_default();
                let refused = parts.any(|p| p.replace(' ', "") == "q=0");
                (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
            })
        })
}

/// Adds the security headers every front-end response carries.
fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_taken_only_when_offered_and_not_refused() {
        assert!(accepts_gzip(&with("accept-encoding", "gzip, deflate, br")));
        assert!(accepts_gzip(&with(
            "accept-encoding",
            "br;q=1.0, GZIP;q=0.5"
        )));
        assert!(!accepts_gzip(&with("accept-encoding", "gzip;q=0, br")));
        assert!(!accepts_gzip(&with("accept-encoding", "identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn embedded_json_cannot_close_its_block_and_reads_back_the_same() {
        let hostile = r#"{"description":"</script><script>alert(1)</script> & <!--"}"#;
        let safe = json_for_html(hostile);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        let original: serde_json::Value = serde_json::from_str(hostile).expect("JSON");
        assert_eq!(back, original);
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_an_empty_one_is_none() {
        assert_eq!(
            session_cookie_value(&with("cookie", "a=1; linli_session=lt_x")),
            Some("lt_x")
        );
        assert_eq!(
            session_cookie_value(&with("cookie", "linli_session=")),
            None
        );
        assert_eq!(
            session_cookie_value(&with("cookie", "not_linli_session=lt_x")),
            None
        );
        assert_eq!(session_cookie_value(&HeaderMap::new()), None);
    }

    #[test]
    fn the_shell_points_at_the_current_version() {
        let assets = WebAssets::load();
        let page = String::from_utf8_lossy(&assets.shell.body).into_owned();
        assert!(!page.contains("{{static}}"));
        assert!(page.contains(&format!("{STATIC_PREFIX}/{}/", assets.version())));
    }
}
