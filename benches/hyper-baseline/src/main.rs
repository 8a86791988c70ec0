//! The raw baseline for Linli's `/healthz` throughput: hyper's HTTP/1 server on a
//! multi-threaded tokio runtime, answering every request with the bytes Linli's `/healthz`
//! sends (`{"status":"ok"}`, `application/json`) and nothing else — no routing, no middleware.
//!
//! Usage: `linli-bench-hyper-baseline PORT` (binds 127.0.0.1:PORT).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const BODY: &[u8] = br#"{"status":"ok"}"#;

async fn healthz(
    _req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A client hanging up mid-request is not the baseline's concern.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(healthz))
                .await;
        });
    }
}

fn main() -> ExitCode {
    let Some(port) = std::env::args().nth(1).and_then(|a| a.parse::<u16>().ok()) else {
        eprintln!("usage: linli-bench-hyper-baseline PORT");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("linli-bench-hyper-baseline: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("linli-bench-hyper-baseline: {error}");
            ExitCode::FAILURE
        }
    }
}
