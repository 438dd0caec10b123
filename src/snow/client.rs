//! The HTTP implementation of `snow::Instance`, the one Table API client: built once with
//! timeouts, a user agent and one way to sign each request (basic auth, or a bearer token
//! from the instance's own OAuth endpoints, see `auth.rs`); every answer goes through one
//! mapper (`read_answer`) and one retry loop, within the per-request limits and the
//! command's deadline. The typed calls (list, get, insert, ...) are `InstanceExt`'s, built
//! on `Instance::send`. Nothing here logs a header or a body, so the password and record
//! values stay out of logs.

use super::batch::{BatchError, Served};
use super::error::{HtmlPage, SnError, classify_html};
use super::instance::{Instance, Request};
use crate::urls::InstanceUrl;
use futures::future::BoxFuture;
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long and how often to retry 429 and 5xx answers.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// The longest single wait calsync accepts; a `Retry-After` beyond it ends the retries.
    pub max_wait: Duration,
    /// First wait when the instance gives no `Retry-After`; doubles each time.
    pub base_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, max_wait: Duration::from_secs(30), base_wait: Duration::from_millis(500) }
    }
}

/// How much of the instance's time and memory one request, and one command, may take.
/// A hostile or broken instance must not hold calsync for ever or fill its memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most one answer may take, from connecting to its last byte.
    pub request: Duration,
    /// The largest answer body read; a longer one is refused while it streams.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { request: Duration::from_secs(30), max_body: 32 << 20 }
    }
}

/// The default total time a command may spend talking to the instance.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(600);

/// How each request proves who sends it.
#[derive(Clone)]
pub enum Auth {
    /// User name and password (with an MFA code appended, where the account has MFA).
    Basic(SecretString),
    /// An access token the instance issued (OAuth); the user name is the token's owner.
    Bearer(SecretString),
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    instance: InstanceUrl,
    user: String,
    auth: Auth,
    retry: RetryPolicy,
    limits: Limits,
    /// When set, no request is sent (and none waits) past this instant.
    deadline: Option<(tokio::time::Instant, Duration)>,
    requests: Arc<AtomicU64>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("instance", &self.instance.to_string())
            .field("user", &self.user)
            .field(
                "auth",
                &match self.auth {
                    Auth::Basic(_) => "basic <redacted>",
                    Auth::Bearer(_) => "bearer <redacted>",
                },
            )
            .finish()
    }
}

/// The longest instance message (or transport reason) calsync repeats.
const MAX_MESSAGE_CHARS: usize = 500;

impl Client {
    pub fn new(instance: InstanceUrl, user: &str, password: SecretString) -> Result<Self, SnError> {
        Self::with_auth(instance, user, Auth::Basic(password))
    }

    /// A client that signs each request with `auth`; `user` names the account it acts as.
    pub fn with_auth(instance: InstanceUrl, user: &str, auth: Auth) -> Result<Self, SnError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SnError::Unreachable { url: instance.to_string(), reason: e.to_string() })?;
        Ok(Client {
            http,
            instance,
            user: user.to_string(),
            auth,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            deadline: None,
            requests: Arc::default(),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Every request from now on must end within `total` (retries and their waits
    /// included); a command sets this once, so a slow instance cannot hold it for ever.
    pub fn with_deadline(mut self, total: Duration) -> Self {
        self.deadline = Some((tokio::time::Instant::now() + total, total));
        self
    }

    /// The same client without the command's deadline, for the one thing that must still
    /// be tried when time is up: putting the admin's current application back.
    pub fn without_deadline(&self) -> Client {
        Client { deadline: None, ..self.clone() }
    }

    /// The time left before the deadline, or the error that says it has passed.
    fn time_left(&self) -> Result<Option<Duration>, SnError> {
        match self.deadline {
            None => Ok(None),
            Some((at, total)) => {
                let left = at.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    Err(SnError::Deadline { url: self.instance.to_string(), secs: total.as_secs() })
                } else {
                    Ok(Some(left))
                }
            }
        }
    }

    pub fn instance(&self) -> &InstanceUrl {
        &self.instance
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// Whether requests carry a bearer token rather than a password.
    pub fn uses_token(&self) -> bool {
        matches!(self.auth, Auth::Bearer(_))
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A request to the instance with calsync's login and `Accept: application/json`,
    /// counted in `requests_sent`.
    pub(super) fn authed(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.with_login(self.http.request(method, url)).header(header::ACCEPT, "application/json")
    }

    /// The request with calsync's login: the password or the instance's bearer token.
    fn with_login(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::Basic(p) => req.basic_auth(&self.user, Some(p.expose_secret())),
            Auth::Bearer(t) => req.bearer_auth(t.expose_secret()),
        }
    }

    pub(super) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    pub(super) fn limits(&self) -> Limits {
        self.limits
    }

    /// How long the next exchange may take: the per-request limit, or less when the
    /// command's deadline is nearer; an error once the deadline has passed.
    pub(super) fn next_limit(&self) -> Result<Duration, SnError> {
        Ok(self.time_left()?.map_or(self.limits.request, |l| l.min(self.limits.request)))
    }

    fn table_url(&self, table: &str, sys_id: Option<&str>) -> String {
        match sys_id {
            Some(id) => format!("{}/api/now/table/{table}/{id}", self.instance),
            None => format!("{}/api/now/table/{table}", self.instance),
        }
    }

    /// Sends one request with retries; returns the `result` member (None for 204).
    async fn send_one(&self, request: &Request) -> Result<Option<Value>, SnError> {
        let Request { method, table, sys_id, params, body } = request;
        let (method, sys_id, body) = (method.clone(), sys_id.as_deref(), body.as_ref());
        let url = self.table_url(table, sys_id);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let left = self.time_left()?;
            let limit = left.map_or(self.limits.request, |l| l.min(self.limits.request));
            let req = self.http.request(method.clone(), &url).query(params);
            let mut req = self.with_login(req).header(header::ACCEPT, "application/json");
            if let Some(b) = body {
                req = req.header(header::CONTENT_TYPE, "application/json").json(b);
            } else if method != Method::GET {
                // The Table API wants Content-Type on every write, DELETE included.
                req = req.header(header::CONTENT_TYPE, "application/json");
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            // One limit for the whole exchange, from connecting to the answer's last byte.
            let exchange = async {
                match req.send().await {
                    Ok(resp) => {
                        read_answer(resp, &self.instance, &self.user, table, sys_id, self.limits.max_body).await
                    }
                    Err(e) => Err(Failure::final_(SnError::Unreachable {
                        url: self.instance.to_string(),
                        reason: transport_reason(&e),
                    })),
                }
            };
            let outcome = match tokio::time::timeout(limit, exchange).await {
                Ok(o) => o,
                Err(_) if left.is_some_and(|l| l <= self.limits.request) => {
                    return Err(self.time_left().err().unwrap_or(SnError::Deadline {
                        url: self.instance.to_string(),
                        secs: self.deadline.map(|d| d.1.as_secs()).unwrap_or_default(),
                    }));
                }
                // An answer that does not finish in time is not asked for again: an
                // instance that drips its answer would only do it again.
                Err(_) => return Err(SnError::Slow { url: self.instance.to_string(), secs: limit.as_secs() }),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(f) => {
                    // Writes are retried only when the instance certainly did not run them (429).
                    let may_retry =
                        f.retryable && (method == Method::GET || f.status == Some(StatusCode::TOO_MANY_REQUESTS));
                    if !may_retry || attempt >= self.retry.attempts {
                        return Err(f.into_error(attempt));
                    }
                    let wait = match f.retry_after {
                        Some(secs) => Duration::from_secs(secs),
                        None => self.retry.base_wait.saturating_mul(1 << (attempt - 1).min(6)),
                    };
                    // A wait that would end past the deadline is not worth starting.
                    if let Some(left) = self.time_left()?
                        && wait.min(self.retry.max_wait) >= left
                    {
                        return Err(f.into_error(attempt));
                    }
                    if wait > self.retry.max_wait {
                        if f.retry_after.is_some() {
                            return Err(f.into_error(attempt));
                        }
                        tokio::time::sleep(self.retry.max_wait).await;
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
    }
}

impl Instance for Client {
    fn instance(&self) -> &InstanceUrl {
        &self.instance
    }
    fn user(&self) -> &str {
        &self.user
    }
    fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>> {
        Box::pin(self.send_one(request))
    }
    fn batch<'a>(&'a self, requests: &'a [Request]) -> BoxFuture<'a, Result<Vec<Served>, BatchError>> {
        Box::pin(Client::batch(self, requests))
    }
    fn without_deadline(&self) -> Box<dyn Instance + '_> {
        Box::new(Client::without_deadline(self))
    }
}

pub(super) fn transport_reason(e: &reqwest::Error) -> String {
    // reqwest's message names the URL, never the credentials; the URL can carry a long
    // query, so the sentence is cut.
    let mut chain = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        chain = format!("{chain}: {inner}");
        src = inner.source();
    }
    if chain.to_ascii_lowercase().contains("certificate") {
        // A TLS failure also counts as a connect error; say which it is.
        let detail = chain.rsplit(": ").next().unwrap_or_default();
        return format!(
            "its TLS certificate was not accepted ({}): it is self-signed, expired, or issued for another name. calsync talks only to an instance whose certificate a public authority signed",
            crate::sanitize::line_clipped(detail, 200)
        );
    }
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "the connection was refused or the host could not be found".into()
    } else {
        crate::sanitize::line_clipped(&chain, MAX_MESSAGE_CHARS)
    }
}

/// A failed answer, and whether trying again could help.
pub(super) struct Failure {
    pub error: SnError,
    pub retryable: bool,
    pub retry_after: Option<u64>,
    pub status: Option<StatusCode>,
}

impl Failure {
    fn final_(error: SnError) -> Self {
        Failure { error, retryable: false, retry_after: None, status: None }
    }
    pub(super) fn into_error(self, attempts: u32) -> SnError {
        match self.error {
            SnError::RateLimited { retry_after, .. } => SnError::RateLimited { attempts, retry_after },
            SnError::Server { status, message, .. } => SnError::Server { status, message, attempts },
            e => e,
        }
    }
}

/// The single error mapper: status, content type and the `{"error":{..}}` envelope.
async fn read_answer(
    resp: reqwest::Response,
    instance: &InstanceUrl,
    user: &str,
    table: &str,
    sys_id: Option<&str>,
    max_body: usize,
) -> Result<Option<Value>, Failure> {
    let status = resp.status();
    let content_type =
        resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let retry_after = resp
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok());
    if status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    let body = read_body(resp, instance, max_body).await.map_err(|error| {
        // A cut connection is worth another try; an answer too large to read is not.
        let retryable = matches!(error, SnError::Unreachable { .. });
        Failure { error, retryable, retry_after: None, status: Some(status) }
    })?;
    map_answer(Answer { status, content_type, retry_after, body }, instance, user, table, sys_id)
}

/// An answer as it arrived: over HTTP, as one item of a Batch API answer, or made up by a
/// test that stands in for the instance (so its 401, 429 or HTML page is read by the same
/// mapper as a real one).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    /// Lower case, as the mapper compares it.
    pub content_type: String,
    pub retry_after: Option<u64>,
    pub body: String,
}

impl Answer {
    /// An answer whose body is JSON.
    pub fn json(status: StatusCode, body: &Value) -> Answer {
        Answer { status, content_type: "application/json".into(), retry_after: None, body: body.to_string() }
    }

    /// An answer whose body is a web page.
    pub fn html(status: StatusCode, page: &str) -> Answer {
        Answer { status, content_type: "text/html; charset=utf-8".into(), retry_after: None, body: page.into() }
    }

    /// What this answer to `request` means, through the one mapper: its `result` member, or
    /// the error it stands for (as after the last attempt: nothing here retries).
    pub fn meaning(self, instance: &InstanceUrl, user: &str, request: &Request) -> Result<Option<Value>, SnError> {
        map_answer(self, instance, user, &request.table, request.sys_id.as_deref()).map_err(|f| f.into_error(1))
    }
}

/// What an answer means: the `result` member, or the error it stands for.
pub(super) fn map_answer(
    answer: Answer,
    instance: &InstanceUrl,
    user: &str,
    table: &str,
    sys_id: Option<&str>,
) -> Result<Option<Value>, Failure> {
    let Answer { status, content_type, retry_after, body } = answer;
    if status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    if content_type.contains("html") || (!content_type.contains("json") && body.trim_start().starts_with('<')) {
        let page = classify_html(&body);
        // A 5xx HTML page from a load balancer is worth another try; a sign-in or
        // hibernation page is not.
        let retryable = status.is_server_error() && matches!(page, HtmlPage::Other(_));
        let error = if retryable {
            SnError::Server { status: status.as_u16(), message: None, attempts: 1 }
        } else {
            SnError::NotTableApi { url: instance.to_string(), page }
        };
        return Err(Failure { error, retryable, retry_after, status: Some(status) });
    }
    let json: Option<Value> = serde_json::from_str(&body).ok();
    if status.is_success() {
        return match json {
            Some(Value::Object(mut map)) if map.contains_key("result") => Ok(map.remove("result")),
            _ if body.trim().is_empty() => Ok(None),
            _ => Err(Failure::final_(SnError::NotJson {
                url: instance.to_string(),
                status: status.as_u16(),
                content_type,
            })),
        };
    }
    let (message, detail) = envelope(json.as_ref());
    let table = table.to_string();
    let fail = |error, retryable| Failure { error, retryable, retry_after, status: Some(status) };
    Err(match status.as_u16() {
        401 if detail
            .as_deref()
            .is_some_and(|d| d.to_ascii_lowercase().contains(crate::facts::BASIC_RESTRICTED_MARKER)) =>
        {
            fail(SnError::BasicRestricted { user: user.to_string() }, false)
        }
        401 => fail(
            SnError::Unauthorized {
                user: user.to_string(),
                message: message.unwrap_or_else(|| "User Not Authenticated".into()),
            },
            false,
        ),
        403 => {
            fail(SnError::Forbidden { table, message: message.unwrap_or_else(|| "Forbidden".into()), detail }, false)
        }
        404 if json.is_none() => fail(SnError::NotJson { url: instance.to_string(), status: 404, content_type }, false),
        404 => fail(SnError::NotFound { table, sys_id: sys_id.unwrap_or("?").to_string() }, false),
        400 => {
            fail(SnError::BadRequest { table, message: message.unwrap_or_else(|| "Bad Request".into()), detail }, false)
        }
        429 => fail(SnError::RateLimited { attempts: 1, retry_after }, true),
        s @ (502..=504) => fail(SnError::Server { status: s, message, attempts: 1 }, true),
        s if json.is_none() => fail(SnError::NotJson { url: instance.to_string(), status: s, content_type }, false),
        s => fail(SnError::Server { status: s, message, attempts: 1 }, false),
    })
}

/// Reads the body as it streams, and stops as soon as it would pass `max` bytes.
pub(super) async fn read_body(
    mut resp: reqwest::Response,
    instance: &InstanceUrl,
    max: usize,
) -> Result<String, SnError> {
    let too_large = || SnError::TooLarge { url: instance.to_string(), limit_mib: max >> 20 };
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(SnError::Unreachable { url: instance.to_string(), reason: transport_reason(&e) }),
        }
    }
    // Valid UTF-8 (the usual case) is taken over without a copy.
    Ok(String::from_utf8(body).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn envelope(json: Option<&Value>) -> (Option<String>, Option<String>) {
    let err = json.and_then(|j| j.get("error"));
    // The instance's own words: cleaned of terminal escapes and cut to a readable length.
    let s = |k: &str| {
        err.and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(|s| crate::sanitize::line_clipped(s, MAX_MESSAGE_CHARS))
            .filter(|s| !s.is_empty())
    };
    (s("message"), s("detail"))
}
