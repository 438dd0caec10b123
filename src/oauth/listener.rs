//! The loopback listener that receives the authorization redirect.
//!
//! Bound to 127.0.0.1 only (RFC 8252 §8.3), on an ephemeral port unless one is given, and
//! to [::1] on the same port where the machine has IPv6, so that no other local program can
//! own the IPv6 side of the `localhost` name the redirect URI carries (Entra does not accept
//! `[::1]` redirect URIs and its portal refuses `http://127.0.0.1`, so the URI stays
//! `localhost`; see SECURITY.md). It ends on the first redirect whose `state` matches;
//! requests with a missing or wrong state, stray requests (favicon, scanners) and requests
//! naming another Host are answered and ignored, so they can neither end the flow nor reach
//! the code exchange. `/start` redirects to the authorize URL, a short address to copy.
//!
//! No client can stall or crash it: every connection is served on its own task, the request
//! line and headers must arrive within `HEAD_TIMEOUT` and fit in `MAX_HEAD`, a body is never
//! read (the redirect comes as a GET query), at most `MAX_CONNECTIONS` connections are open
//! (the oldest unanswered one is closed to make room), and running out of file descriptors
//! closes connections instead of the port. Stopping aborts the tasks; nothing is joined.

use super::redirect::{self, Redirect, RedirectError};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

const PAGE: &str = include_str!("../../assets/oauth/page.html");
/// The request line and headers together are never larger than this.
pub const MAX_HEAD: usize = 16 * 1024;
/// A connection must have sent its whole request head within this time.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Writing an answer may take this long before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Open connections at most; a new one closes the oldest that has not been answered.
pub const MAX_CONNECTIONS: usize = 128;
/// Failed accepts in a row (other than running out of descriptors) that end the listener.
const ACCEPT_FAILURES: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The redirect for this sign-in arrived (a code or the provider's error). Final.
    Received(Redirect),
    /// A request was turned away; the listener goes on waiting.
    Rejected(RedirectError),
    /// The listener could not go on accepting connections. Final.
    Died(String),
}

#[derive(Debug, thiserror::Error)]
#[error("could not listen on {address} ({reason}); pick another port with --port, or leave it out to get a free one")]
pub struct ListenError {
    pub address: String,
    pub reason: String,
}

pub struct Listener {
    port: u16,
    sockets: Vec<std::net::TcpListener>,
    events: mpsc::UnboundedReceiver<Event>,
    sender: Option<mpsc::UnboundedSender<Event>>,
    task: Option<AbortHandle>,
}

/// HTML-escapes text reflected into a page.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills the page template; every value is escaped here.
pub fn page(ok: bool, title: &str, message: &str, detail: Option<&str>) -> String {
    let detail = detail.map(|d| format!("<p class=\"detail\">{}</p>", escape(d))).unwrap_or_default();
    PAGE.replace("{{class}}", if ok { "ok" } else { "fail" })
        .replace("{{title}}", &escape(title))
        .replace("{{message}}", &escape(message))
        .replace("{{detail}}", &detail)
}

impl Listener {
    /// Binds 127.0.0.1:`port` (0 = ephemeral) and [::1] on the same port where there is
    /// an IPv6 loopback. Nothing is answered before `serve`.
    pub fn bind(port: u16) -> Result<Listener, ListenError> {
        // An ephemeral port whose IPv6 twin someone else holds is given back for another.
        let attempts = if port == 0 { 20 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            match bind_pair(port) {
                Ok((port, sockets)) => {
                    let (tx, events) = mpsc::unbounded_channel();
                    return Ok(Listener { port, sockets, events, sender: Some(tx), task: None });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| ListenError { address: format!("127.0.0.1:{port}"), reason: "no attempt".into() }))
    }

    /// Starts answering, on tasks of the current Tokio runtime, for the sign-in with this state.
    pub fn serve(&mut self, expected_state: String, authorize_url: String) {
        let Some(tx) = self.sender.take() else { return };
        let port = self.port;
        let ctx = Arc::new(Context {
            hosts: [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")],
            state: expected_state,
            authorize_url,
            tx,
            done: AtomicBool::new(false),
        });
        let listeners: std::io::Result<Vec<TcpListener>> =
            std::mem::take(&mut self.sockets).into_iter().map(TcpListener::from_std).collect();
        match listeners {
            Ok(listeners) => self.task = Some(tokio::spawn(accept_loop(listeners, ctx)).abort_handle()),
            Err(e) => {
                let _ = ctx.tx.send(Event::Died(e.to_string()));
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI to send: `http://localhost:PORT/` (Microsoft's portal accepts
    /// localhost, and ignores the port when matching it).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    pub fn start_url(&self) -> String {
        format!("http://localhost:{}/start", self.port)
    }

    /// The next thing the listener saw; None once it has stopped.
    pub async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Closes the port and every open connection. Returns at once: nothing is waited for.
    pub fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        self.sockets.clear();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind_pair(port: u16) -> Result<(u16, Vec<std::net::TcpListener>), ListenError> {
    let v4 = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|e| ListenError { address: format!("127.0.0.1:{port}"), reason: e.to_string() })?;
    let port = v4.local_addr().map(|a| a.port()).unwrap_or(port);
    let mut sockets = vec![v4];
    match std::net::TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))) {
        Ok(v6) => sockets.push(v6),
        // No IPv6 loopback on this machine: then no one can listen there either.
        Err(e)
            if e.kind() == std::io::ErrorKind::AddrNotAvailable
                || e.raw_os_error() == Some(libc::EAFNOSUPPORT)
                || e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => {}
        Err(e) => {
            return Err(ListenError {
                address: format!("[::1]:{port}"),
                reason: format!(
                    "{e}: another program holds the IPv6 side of localhost:{port}, where a browser may send the sign-in"
                ),
            });
        }
    }
    for s in &sockets {
        s.set_nonblocking(true)
            .map_err(|e| ListenError { address: format!("localhost:{port}"), reason: e.to_string() })?;
    }
    Ok((port, sockets))
}

struct Context {
    hosts: [String; 3],
    state: String,
    authorize_url: String,
    tx: mpsc::UnboundedSender<Event>,
    /// Set once the redirect has been passed on; later ones are answered, not sent.
    done: AtomicBool,
}

/// An open connection: its task, and whether its request has been read (then it is
/// being answered and is not closed to make room).
struct Open {
    task: AbortHandle,
    answered: Arc<AtomicBool>,
}

async fn accept_loop(listeners: Vec<TcpListener>, ctx: Arc<Context>) {
    // Dropping the set (when this task is aborted) aborts every connection task.
    let mut tasks = JoinSet::new();
    let mut open: VecDeque<Open> = VecDeque::new();
    let mut failures = 0u32;
    loop {
        while tasks.try_join_next().is_some() {}
        open.retain(|o| !o.task.is_finished());
        match accept_any(&listeners).await {
            Ok(stream) => {
                failures = 0;
                if open.len() >= MAX_CONNECTIONS {
                    close_oldest(&mut open);
                }
                let answered = Arc::new(AtomicBool::new(false));
                let task = tasks.spawn(connection(stream, ctx.clone(), answered.clone()));
                open.push_back(Open { task, answered });
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)) => {
                // Out of descriptors: make room by closing a connection, never the port.
                let closed = close_oldest(&mut open);
                tokio::time::sleep(Duration::from_millis(if closed { 5 } else { 50 })).await;
            }
            Err(e) => {
                failures += 1;
                if failures >= ACCEPT_FAILURES {
                    let _ = ctx.tx.send(Event::Died(e.to_string()));
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Closes the oldest connection that has not sent its request yet; false when none.
fn close_oldest(open: &mut VecDeque<Open>) -> bool {
    match open.iter().position(|o| !o.answered.load(Ordering::SeqCst)) {
        Some(i) => {
            if let Some(o) = open.remove(i) {
                o.task.abort();
            }
            true
        }
        None => false,
    }
}

async fn accept_any(listeners: &[TcpListener]) -> std::io::Result<TcpStream> {
    match listeners {
        [] => std::future::pending().await,
        [a] => a.accept().await.map(|(s, _)| s),
        [a, b, ..] => tokio::select! {
            r = a.accept() => r.map(|(s, _)| s),
            r = b.accept() => r.map(|(s, _)| s),
        },
    }
}

/// What reading a request head came to.
enum Head {
    Request {
        method: String,
        target: String,
        host: Option<String>,
    },
    TooLarge,
    Malformed,
    /// Closed, reset or failed before a whole head arrived: nothing to answer.
    Gone,
}

async fn read_head(stream: &mut TcpStream) -> Head {
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Head::Gone,
            Ok(n) => n,
        };
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n").map(|p| from + p + 4) {
            if end > MAX_HEAD {
                return Head::TooLarge;
            }
            return parse_head(&buf[..end]);
        }
        if buf.len() > MAX_HEAD {
            return Head::TooLarge;
        }
    }
}

fn parse_head(bytes: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Head::TooLarge,
        _ => return Head::Malformed,
    }
    let host = req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(|h| h.trim().to_ascii_lowercase());
    match (req.method, req.path) {
        (Some(m), Some(p)) => Head::Request { method: m.to_string(), target: p.to_string(), host },
        _ => Head::Malformed,
    }
}

async fn connection(mut stream: TcpStream, ctx: Arc<Context>, answered: Arc<AtomicBool>) {
    let head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await.unwrap_or(Head::Gone);
    answered.store(true, Ordering::SeqCst);
    let reply = match head {
        Head::Gone => return,
        Head::TooLarge => Reply::page(
            431,
            page(false, "Request too large", "The request's headers are larger than a sign-in redirect ever is.", None),
        ),
        Head::Malformed => Reply::page(400, page(false, "Unreadable request", "The request could not be read.", None)),
        Head::Request { method, target, host } => answer(&method, &target, host.as_deref(), &ctx),
    };
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(&reply.bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Reply {
    fn page(status: u16, body: String) -> Reply {
        Reply { status, location: None, body }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            302 => "Found",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Error",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        if let Some(l) = &self.location {
            head.push_str(&format!("Location: {l}\r\n"));
        }
        for (n, v) in [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("Connection", "close"),
        ] {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// Answers one request head; passes the redirect on when it is this sign-in's.
fn answer(method: &str, target: &str, host: Option<&str>, ctx: &Context) -> Reply {
    // Another Host means a page elsewhere is talking to the port (DNS rebinding): refuse.
    if !host.is_some_and(|h| ctx.hosts.iter().any(|x| x == h)) {
        return Reply::page(400, page(false, "Wrong address", "This listener answers only on localhost.", None));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/start" && method == "GET" {
        return Reply { status: 302, location: Some(ctx.authorize_url.clone()), body: String::new() };
    }
    if path != "/" {
        return Reply::page(404, page(false, "Not found", "Nothing here.", None));
    }
    if method != "GET" {
        // calsync asks for the redirect as a query (response_mode=query): a body is never read.
        return Reply::page(405, page(false, "Not allowed", "Only the sign-in redirect is accepted here.", None));
    }
    match redirect::read(&redirect::parse_query(query), &ctx.state) {
        Ok(r) => {
            let page = match &r {
                Redirect::Code { .. } => page(
                    true,
                    "Signed in",
                    "calsync received the sign-in. Return to the terminal: it checks which account signed in before it keeps anything. You can close this tab.",
                    None,
                ),
                Redirect::Error(e) => page(
                    false,
                    "Sign-in failed",
                    "Microsoft sent back an error. Return to the terminal: calsync explains it and what to do.",
                    Some(&format!("{}: {}", e.error, e.description.clone().unwrap_or_default())),
                ),
            };
            if !ctx.done.swap(true, Ordering::SeqCst) {
                let _ = ctx.tx.send(Event::Received(r));
            }
            Reply::page(200, page)
        }
        Err(RedirectError::Empty) => Reply::page(
            200,
            page(
                true,
                "Waiting for the sign-in",
                "calsync is waiting for Microsoft to send the browser back here.",
                None,
            ),
        ),
        Err(e) => {
            let reply = Reply::page(400, page(false, "Request refused", &e.to_string(), None));
            let _ = ctx.tx.send(Event::Rejected(e));
            reply
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listener_that_cannot_accept_ends_the_wait_with_a_reason() {
        let mut l = Listener::bind(0).unwrap();
        // A listening socket shut down for reading fails every accept (EINVAL).
        for s in &l.sockets {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid socket descriptor owned by `l`.
            unsafe { libc::shutdown(s.as_raw_fd(), libc::SHUT_RD) };
        }
        l.serve("s".into(), "https://login.example/authorize".into());
        let ev = tokio::time::timeout(Duration::from_secs(5), l.next()).await.expect("an event, not a hang");
        assert!(matches!(ev, Some(Event::Died(ref r)) if !r.is_empty()), "{ev:?}");
        assert_eq!(l.next().await, None);
    }

    #[test]
    fn the_ipv6_side_of_localhost_is_held_too() {
        let Ok(other) = std::net::TcpListener::bind("[::1]:0") else {
            eprintln!("not checked: this machine has no IPv6 loopback");
            return;
        };
        let l = Listener::bind(0).unwrap();
        assert_eq!(l.sockets.len(), 2, "127.0.0.1 and [::1]");
        assert!(
            std::net::TcpListener::bind(("::1", l.port())).is_err(),
            "another program could take [::1]:{}",
            l.port()
        );
        // A fixed port whose IPv6 side someone else holds is refused, with the reason.
        let taken = other.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", taken)).is_ok() {
            let e = Listener::bind(taken).err().expect("refused");
            assert!(e.to_string().contains(&format!("[::1]:{taken}")), "{e}");
        }
    }

    #[test]
    fn heads_are_bounded_and_parsed() {
        assert!(matches!(parse_head(b"GET /?a=b HTTP/1.1\r\nHost: LocalHost:5\r\n\r\n"),
            Head::Request { ref method, ref target, host: Some(ref h) } if method == "GET" && target == "/?a=b" && h == "localhost:5"));
        assert!(matches!(parse_head(b"\x01\x02 nonsense\r\n\r\n"), Head::Malformed));
        let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
        assert!(matches!(parse_head(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()), Head::TooLarge));
    }

    #[test]
    fn reflected_values_are_escaped() {
        let p = page(false, "<t>", "a & b", Some("<script>alert('x')</script>"));
        assert!(!p.contains("<script>alert"));
        assert!(p.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(p.contains("&lt;t&gt;"));
    }
}
