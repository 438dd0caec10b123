//! The one ServiceNow Table API client: built once with timeouts, a user agent and one
//! way to sign each request (basic auth, or a bearer token from the instance's own OAuth
//! endpoints, see `auth.rs`); every answer goes through one mapper (`read_answer`) and one retry loop.
//! Nothing here logs a header or a body, so the password and record values stay out of logs.

use super::error::{HtmlPage, SnError, classify_html};
use super::query::Query;
use crate::urls::InstanceUrl;
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
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

const PAGE: usize = 1000;

impl Client {
    pub fn new(instance: InstanceUrl, user: &str, password: SecretString) -> Result<Self, SnError> {
        Self::with_auth(instance, user, Auth::Basic(password))
    }

    /// A client that signs each request with `auth`; `user` names the account it acts as.
    pub fn with_auth(instance: InstanceUrl, user: &str, auth: Auth) -> Result<Self, SnError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SnError::Unreachable { url: instance.to_string(), reason: e.to_string() })?;
        Ok(Client {
            http,
            instance,
            user: user.to_string(),
            auth,
            retry: RetryPolicy::default(),
            requests: Arc::default(),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
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

    fn table_url(&self, table: &str, sys_id: Option<&str>) -> String {
        match sys_id {
            Some(id) => format!("{}/api/now/table/{table}/{id}", self.instance),
            None => format!("{}/api/now/table/{table}", self.instance),
        }
    }

    /// Every record of `table` matching `query`, following pages.
    pub async fn list<T: DeserializeOwned>(
        &self,
        table: &str,
        query: &Query,
        fields: &[&str],
    ) -> Result<Vec<T>, SnError> {
        let mut out = Vec::new();
        let mut offset = 0usize;
        loop {
            let mut params = vec![
                ("sysparm_exclude_reference_link".to_string(), "true".to_string()),
                ("sysparm_limit".to_string(), PAGE.to_string()),
                ("sysparm_offset".to_string(), offset.to_string()),
            ];
            if !query.is_empty() {
                params.push(("sysparm_query".into(), query.to_string()));
            }
            if !fields.is_empty() {
                params.push(("sysparm_fields".into(), fields.join(",")));
            }
            let value = self.send(Method::GET, table, None, &params, None).await?;
            let rows = match value {
                Some(Value::Array(rows)) => rows,
                _ => return Err(SnError::Decode { table: table.into(), reason: "expected a list of records".into() }),
            };
            let n = rows.len();
            for row in rows {
                out.push(
                    serde_json::from_value(row)
                        .map_err(|e| SnError::Decode { table: table.into(), reason: e.to_string() })?,
                );
            }
            if n < PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, table: &str, sys_id: &str) -> Result<T, SnError> {
        let params = [("sysparm_exclude_reference_link".to_string(), "true".to_string())];
        let v = self.send(Method::GET, table, Some(sys_id), &params, None).await?;
        decode(table, v)
    }

    pub async fn insert<T: DeserializeOwned>(&self, table: &str, body: &Value) -> Result<T, SnError> {
        let params = [("sysparm_exclude_reference_link".to_string(), "true".to_string())];
        let v = self.send(Method::POST, table, None, &params, Some(body)).await?;
        decode(table, v)
    }

    pub async fn update<T: DeserializeOwned>(&self, table: &str, sys_id: &str, body: &Value) -> Result<T, SnError> {
        let params = [("sysparm_exclude_reference_link".to_string(), "true".to_string())];
        let v = self.send(Method::PATCH, table, Some(sys_id), &params, Some(body)).await?;
        decode(table, v)
    }

    /// Sets encrypted fields of an existing record. They are saved only when the request
    /// says its values are display values (`sysparm_input_display_value=true`); otherwise
    /// the instance drops them without a word.
    pub async fn update_encrypted<T: DeserializeOwned>(
        &self,
        table: &str,
        sys_id: &str,
        body: &Value,
    ) -> Result<T, SnError> {
        let params = [
            ("sysparm_exclude_reference_link".to_string(), "true".to_string()),
            ("sysparm_input_display_value".to_string(), "true".to_string()),
        ];
        let v = self.send(Method::PATCH, table, Some(sys_id), &params, Some(body)).await?;
        decode(table, v)
    }

    pub async fn delete(&self, table: &str, sys_id: &str) -> Result<(), SnError> {
        self.send(Method::DELETE, table, Some(sys_id), &[], None).await.map(|_| ())
    }

    /// Sends one request with retries; returns the `result` member (None for 204).
    async fn send(
        &self,
        method: Method,
        table: &str,
        sys_id: Option<&str>,
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Option<Value>, SnError> {
        let url = self.table_url(table, sys_id);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let req = self.http.request(method.clone(), &url).query(params);
            let mut req = self.with_login(req).header(header::ACCEPT, "application/json");
            if let Some(b) = body {
                req = req.header(header::CONTENT_TYPE, "application/json").json(b);
            } else if method != Method::GET {
                // The Table API wants Content-Type on every write, DELETE included.
                req = req.header(header::CONTENT_TYPE, "application/json");
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = match req.send().await {
                Ok(resp) => read_answer(resp, &self.instance, &self.user, table, sys_id).await,
                Err(e) => Err(Failure::final_(SnError::Unreachable {
                    url: self.instance.to_string(),
                    reason: transport_reason(&e),
                })),
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

fn decode<T: DeserializeOwned>(table: &str, v: Option<Value>) -> Result<T, SnError> {
    let v = v.ok_or_else(|| SnError::Decode { table: table.into(), reason: "the answer had no record".into() })?;
    serde_json::from_value(v).map_err(|e| SnError::Decode { table: table.into(), reason: e.to_string() })
}

pub(super) fn transport_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "the connection was refused or the host could not be found".into()
    } else {
        // reqwest's message names the URL, never the credentials.
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s = format!("{s}: {inner}");
            src = inner.source();
        }
        s
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
    let body = resp.text().await.map_err(|e| {
        let retryable = true;
        Failure {
            error: SnError::Unreachable { url: instance.to_string(), reason: transport_reason(&e) },
            retryable,
            retry_after: None,
            status: Some(status),
        }
    })?;
    map_answer(Answer { status, content_type, retry_after, body }, instance, user, table, sys_id)
}

/// An answer as it arrived: over HTTP, or as one item of a Batch API answer.
pub(super) struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub retry_after: Option<u64>,
    pub body: String,
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

fn envelope(json: Option<&Value>) -> (Option<String>, Option<String>) {
    let err = json.and_then(|j| j.get("error"));
    let s = |k: &str| err.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty());
    (s("message"), s("detail"))
}
