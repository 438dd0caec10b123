//! The single-shot loopback listener that receives the authorization redirect.
//!
//! Bound to 127.0.0.1 only (RFC 8252 §8.3), on an ephemeral port unless one is given.
//! It ends on the first redirect whose `state` matches; requests with a missing or wrong
//! state, stray requests (favicon, scanners) and requests naming another Host are answered
//! and ignored, so they can neither end the flow nor reach the code exchange.
//! `/start` redirects to the authorize URL, a short address that is easy to copy.

use super::redirect::{self, Redirect, RedirectError};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

const PAGE: &str = include_str!("../../assets/oauth/page.html");
/// A redirect's query or form body is never larger than this.
const MAX_BODY: u64 = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The redirect for this sign-in arrived (a code or the provider's error). Final.
    Received(Redirect),
    /// A request was turned away; the listener goes on waiting.
    Rejected(RedirectError),
}

#[derive(Debug, thiserror::Error)]
#[error(
    "could not listen on 127.0.0.1:{port} ({reason}); pick another port with --port, or leave it out to get a free one"
)]
pub struct ListenError {
    pub port: u16,
    pub reason: String,
}

pub struct Listener {
    port: u16,
    server: Option<tiny_http::Server>,
    events: mpsc::UnboundedReceiver<Event>,
    sender: Option<mpsc::UnboundedSender<Event>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
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
    /// Binds 127.0.0.1:`port` (0 = ephemeral). Nothing is answered before `serve`.
    pub fn bind(port: u16) -> Result<Listener, ListenError> {
        let server =
            tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| ListenError { port, reason: e.to_string() })?;
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(port);
        let (tx, events) = mpsc::unbounded_channel();
        Ok(Listener {
            port,
            server: Some(server),
            events,
            sender: Some(tx),
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        })
    }

    /// Starts answering on its own thread, for the sign-in with this state.
    pub fn serve(&mut self, expected_state: String, authorize_url: String) {
        let (Some(server), Some(tx)) = (self.server.take(), self.sender.take()) else { return };
        let port = self.port;
        let stop_flag = self.stop.clone();
        self.thread = Some(std::thread::spawn(move || {
            let hosts = [format!("localhost:{port}"), format!("127.0.0.1:{port}")];
            while !stop_flag.load(Ordering::SeqCst) {
                let req = match server.recv_timeout(Duration::from_millis(50)) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(_) => break,
                };
                if serve(req, &hosts, &expected_state, &authorize_url, &tx) {
                    break;
                }
            }
        }));
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

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(req: tiny_http::Request, status: u16, body: String) {
    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
    for (n, v) in [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Connection", "close"),
    ] {
        if let Some(h) = header(n, v) {
            resp.add_header(h);
        }
    }
    let _ = req.respond(resp);
}

/// Answers one request; true when the flow is over.
fn serve(
    mut req: tiny_http::Request,
    hosts: &[String],
    state: &str,
    authorize_url: &str,
    tx: &mpsc::UnboundedSender<Event>,
) -> bool {
    // Another Host means a page elsewhere is talking to the port (DNS rebinding): refuse.
    let host = req.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str().to_ascii_lowercase());
    if !host.as_ref().is_some_and(|h| hosts.iter().any(|x| x == h)) {
        respond(req, 400, page(false, "Wrong address", "This listener answers only on localhost.", None));
        return false;
    }
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    if path == "/start" && *req.method() == tiny_http::Method::Get {
        let mut resp = tiny_http::Response::empty(302);
        if let Some(h) = header("Location", authorize_url) {
            resp.add_header(h);
        }
        let _ = req.respond(resp);
        return false;
    }
    if path != "/" {
        respond(req, 404, page(false, "Not found", "Nothing here.", None));
        return false;
    }
    let params = match req.method() {
        tiny_http::Method::Get => redirect::parse_query(query),
        tiny_http::Method::Post => {
            let mut body = String::new();
            if req.as_reader().take(MAX_BODY).read_to_string(&mut body).is_err() {
                respond(req, 400, page(false, "Unreadable request", "The request could not be read.", None));
                return false;
            }
            redirect::parse_query(&body)
        }
        _ => {
            respond(req, 405, page(false, "Not allowed", "Only the sign-in redirect is accepted here.", None));
            return false;
        }
    };
    match redirect::read(&params, state) {
        Ok(Redirect::Code { code }) => {
            respond(
                req,
                200,
                page(
                    true,
                    "Signed in",
                    "calsync received the sign-in. Return to the terminal: it checks which account signed in before it keeps anything. You can close this tab.",
                    None,
                ),
            );
            let _ = tx.send(Event::Received(Redirect::Code { code }));
            true
        }
        Ok(Redirect::Error(e)) => {
            let detail = format!("{}: {}", e.error, e.description.clone().unwrap_or_default());
            respond(
                req,
                200,
                page(
                    false,
                    "Sign-in failed",
                    "Microsoft sent back an error. Return to the terminal: calsync explains it and what to do.",
                    Some(&detail),
                ),
            );
            let _ = tx.send(Event::Received(Redirect::Error(e)));
            true
        }
        Err(RedirectError::Empty) => {
            respond(
                req,
                200,
                page(
                    true,
                    "Waiting for the sign-in",
                    "calsync is waiting for Microsoft to send the browser back here.",
                    None,
                ),
            );
            false
        }
        Err(e) => {
            respond(req, 400, page(false, "Request refused", &e.to_string(), None));
            let _ = tx.send(Event::Rejected(e));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflected_values_are_escaped() {
        let p = page(false, "<t>", "a & b", Some("<script>alert('x')</script>"));
        assert!(!p.contains("<script>alert"));
        assert!(p.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(p.contains("&lt;t&gt;"));
    }
}
