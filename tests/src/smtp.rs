//! A real SMTP server on loopback that keeps what it receives, for email assertions.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server};

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: Vec<u8>,
}

#[derive(Clone, Default)]
struct Capture {
    inbox: Arc<Mutex<Vec<Received>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Capture {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
        self.to.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_owned());
        response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        };
        self.inbox.lock().expect("inbox lock").push(message);
        response::OK
    }
}

/// The server; it listens until the test process ends.
pub struct SmtpServer {
    /// The port on 127.0.0.1.
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Binds `127.0.0.1:0` and serves on a background thread.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Binds `127.0.0.1:port` (0 for any) and serves on a background thread; a test that
    /// shows what happens while SMTP is down starts the server late on a port it chose.
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("SMTP port binds");
        let port = listener.local_addr().expect("a local address").port();
        let capture = Capture::default();
        let inbox = capture.inbox.clone();
        let mut server = Server::new(capture);
        server
            .with_name("linli-test-smtp")
            // More than Linli's SMTP pool keeps open, so pooled idle connections never starve
            // a new one (each thread serves one connection at a time).
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(error) = server.serve() {
                eprintln!("test SMTP server stopped: {error}");
            }
        });
        Self { port, inbox }
    }

    /// A loopback port nothing listens on (yet): bound, read and released.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox lock").clone()
    }
}
