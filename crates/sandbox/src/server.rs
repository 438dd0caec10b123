//! The sandbox's HTTP face: the Table API routes, basic auth, and the fault switches that
//! tests turn on (latency, 429 every N requests, 503 every N, a hibernation page).

use super::schema;
use super::store::{ApiError, Caller, Display, RenderOptions, Store, not_found};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const HIBERNATING_PAGE: &str = include_str!("../../../assets/sandbox/hibernating.html");

/// Switches a test flips to make the sandbox misbehave the way real instances do.
#[derive(Debug, Default)]
pub struct Faults {
    /// Added to every request before it is answered.
    pub latency_ms: AtomicU64,
    /// Every Nth request gets 429 with `Retry-After` (0 = off).
    pub rate_limit_every: AtomicU64,
    pub retry_after_secs: AtomicU64,
    /// Every Nth request gets 503 (0 = off).
    pub unavailable_every: AtomicU64,
    /// Answer everything with the hibernation page.
    pub hibernating: AtomicBool,
    /// Ignore conditions on dotted paths (`user.user_name=...`) as unknown columns.
    pub no_dot_walk: AtomicBool,
    /// Carry out the Nth write (1-based; 0 = off) but cut its answer off mid-response, as a
    /// dropped connection or a killed client would leave it.
    pub cut_write: AtomicU64,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub writes: AtomicU64,
}

pub struct Inner {
    pub store: Mutex<Store>,
    pub faults: Faults,
    pub stats: Stats,
    pub base_url: OnceLock<String>,
    pub persist: Option<PathBuf>,
    pub passwords: Mutex<BTreeMap<String, String>>,
    pub idp: Mutex<super::identity::Idp>,
}

impl Inner {
    pub fn base_url(&self) -> &str {
        self.base_url.get().map(String::as_str).unwrap_or("")
    }

    /// Writes the records to the state file, atomically, so a killed process leaves either
    /// the old or the new state.
    pub fn save(&self, store: &Store) {
        let Some(path) = &self.persist else { return };
        let Ok(text) = serde_json::to_vec(&store.without_secrets()) else { return };
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}

pub fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/api/now/table/{table}", any(table_collection))
        .route("/api/now/table/{table}/{sys_id}", any(table_record))
        .route("/api/now/{version}/table/{table}", any(versioned_collection))
        .route("/api/now/{version}/table/{table}/{sys_id}", any(versioned_record))
        .route("/", get(home))
        .merge(super::identity::routes())
        .fallback(fallback)
        .with_state(inner)
}

fn envelope(status: u16, message: &str, detail: Option<&str>) -> Response {
    let body = json!({"error": {"message": message, "detail": detail}, "status": "failure"});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

fn api_error(e: ApiError) -> Response {
    (StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(e.body())).into_response()
}

async fn home() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>calsync sandbox instance</title></head><body><h1>calsync sandbox instance</h1><p>A simulated ServiceNow instance. Use the Table API under /api/now/table/.</p></body></html>",
    )
        .into_response()
}

async fn fallback(State(inner): State<Arc<Inner>>, uri: axum::http::Uri) -> Response {
    if let Some(r) = faults(&inner).await {
        return r;
    }
    if uri.path().starts_with("/api/") {
        return envelope(400, "Requested URI does not represent any resource", None);
    }
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<html><head><title>Page not found</title></head><body>Page not found</body></html>",
    )
        .into_response()
}

/// Latency, hibernation, 429 and 503, in the order a real front end would apply them.
async fn faults(inner: &Inner) -> Option<Response> {
    let n = inner.stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let f = &inner.faults;
    let latency = f.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if f.hibernating.load(Ordering::Relaxed) {
        return Some(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], HIBERNATING_PAGE).into_response());
    }
    let every = f.rate_limit_every.load(Ordering::Relaxed);
    if every > 0 && n.is_multiple_of(every) {
        let secs = f.retry_after_secs.load(Ordering::Relaxed);
        let reset =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) + secs;
        let mut r =
            envelope(429, "Rate limit exceeded", Some("Rate limit of 5000 requests per hour for Table API exceeded"));
        let h = r.headers_mut();
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        h.insert("X-RateLimit-Limit", HeaderValue::from(5000u64));
        h.insert("X-RateLimit-Reset", HeaderValue::from(reset));
        h.insert("X-RateLimit-Rule", HeaderValue::from_static("d8f2a1b0c3e44f5a9b6c7d8e9f0a1b2c"));
        return Some(r);
    }
    let every = f.unavailable_every.load(Ordering::Relaxed);
    if every > 0 && n.is_multiple_of(every) {
        return Some(envelope(503, "Service Unavailable", Some("The instance is temporarily unavailable")));
    }
    None
}

fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let unauthorized = || {
        let mut r = envelope(401, "User Not Authenticated", Some("Required to provide Auth information"));
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("BASIC realm=\"Service-now\""));
        Box::new(r)
    };
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(unauthorized)?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")).ok_or_else(unauthorized)?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (user, password) = text.split_once(':').ok_or_else(unauthorized)?;
    let ok = inner.passwords.lock().map(|p| p.get(user).map(String::as_str) == Some(password)).unwrap_or(false);
    if !ok {
        return Err(unauthorized());
    }
    let store = inner.store.lock().map_err(|_| unauthorized())?;
    let row = store
        .first_where("sys_user", "user_name", user)
        .filter(|r| r.get("active").map(String::as_str) == Some("true"))
        .ok_or_else(unauthorized)?;
    let user_id = row["sys_id"].clone();
    let admin = store.scan("sys_user_has_role").any(|r| {
        r.get("user") == Some(&user_id)
            && store
                .get("sys_user_role", r.get("role").map(String::as_str).unwrap_or(""))
                .and_then(|role| role.get("name"))
                .map(String::as_str)
                == Some("admin")
    });
    Ok(Caller { user_id, user_name: user.to_string(), admin })
}

/// Tables a user without admin may read.
fn readable_without_admin(table: &str) -> bool {
    ["sys_user", "sys_user_has_role", "sys_user_role", "sys_user_preference"].contains(&table)
        || schema::is_a(table, "sys_scope")
}

fn check_headers(method: &Method, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    match accept {
        None => return Err(Box::new(envelope(400, "Accept header is missing", None))),
        Some(a) if !(a.contains("json") || a.contains("*/*")) => {
            return Err(Box::new(envelope(
                406,
                "Requested response format is not supported",
                Some("Only application/json and application/xml are supported"),
            )));
        }
        _ => {}
    }
    // Writes, DELETE included, need a Content-Type (reference §1.1); a body must be JSON.
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
        match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
            None => return Err(Box::new(envelope(400, "Content-Type header is missing", None))),
            Some(c) if !c.contains("json") => {
                return Err(Box::new(envelope(
                    415,
                    "Unsupported Media Type",
                    Some("Only application/json and application/xml are supported"),
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn render_opts<'a>(inner: &'a Inner, params: &HashMap<String, String>) -> RenderOptions<'a> {
    RenderOptions {
        fields: params.get("sysparm_fields").map(|f| f.split(',').map(|s| s.trim().to_string()).collect()),
        display: match params.get("sysparm_display_value").map(String::as_str) {
            Some("true") => Display::Display,
            Some("all") => Display::All,
            _ => Display::Value,
        },
        exclude_links: params.get("sysparm_exclude_reference_link").map(String::as_str) == Some("true"),
        base_url: inner.base_url(),
    }
}

/// What every Table API request goes through first: the fault switches, basic auth, the
/// Accept and Content-Type headers, and the table's existence.
async fn admit(inner: &Inner, method: &Method, headers: &HeaderMap, table: &str) -> Result<Caller, Box<Response>> {
    if let Some(r) = faults(inner).await {
        return Err(Box::new(r));
    }
    let caller = authenticate(inner, headers)?;
    check_headers(method, headers)?;
    if schema::table(table).is_none() {
        return Err(Box::new(envelope(400, &format!("Invalid table {table}"), None)));
    }
    Ok(caller)
}

async fn versioned_collection(
    state: State<Arc<Inner>>,
    method: Method,
    Path((_v, table)): Path<(String, String)>,
    q: Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    table_collection(state, method, Path(table), q, headers, body).await
}

async fn versioned_record(
    state: State<Arc<Inner>>,
    method: Method,
    Path((_v, table, id)): Path<(String, String, String)>,
    q: Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    table_record(state, method, Path((table, id)), q, headers, body).await
}

async fn table_collection(
    State(inner): State<Arc<Inner>>,
    method: Method,
    Path(table): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match admit(&inner, &method, &headers, &table).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    match method {
        Method::GET => list(&inner, &table, &params, &caller),
        Method::POST => {
            let Some(map) = json_object(&body) else {
                return envelope(400, "Exception while reading request", Some("The payload is not valid JSON."));
            };
            let mut store = match inner.store.lock() {
                Ok(s) => s,
                Err(_) => return envelope(500, "Internal error", None),
            };
            let input_display = params.get("sysparm_input_display_value").map(String::as_str) == Some("true");
            match store.insert(&table, &map, &caller, inner.base_url(), input_display) {
                Ok(row) => {
                    inner.save(&store);
                    let sys_id = row["sys_id"].clone();
                    let value = store.render(&table, &row, &render_opts(&inner, &params));
                    let mut r = (StatusCode::CREATED, axum::Json(json!({ "result": value }))).into_response();
                    if let Ok(loc) =
                        HeaderValue::from_str(&format!("{}/api/now/table/{table}/{sys_id}", inner.base_url()))
                    {
                        r.headers_mut().insert(header::LOCATION, loc);
                    }
                    written(&inner, r)
                }
                Err(e) => api_error(e),
            }
        }
        _ => envelope(405, "Method not Supported", Some("The requested method is not supported by this resource")),
    }
}

fn list(inner: &Inner, table: &str, params: &HashMap<String, String>, caller: &Caller) -> Response {
    if !caller.admin && !readable_without_admin(table) {
        return envelope(403, "Insufficient rights to query records", None);
    }
    let Ok(store) = inner.store.lock() else { return envelope(500, "Internal error", None) };
    // Name/value pairs are an alternative to sysparm_query.
    let mut query = params.get("sysparm_query").cloned().unwrap_or_default();
    if !params.contains_key("sysparm_query") {
        let pairs: Vec<String> =
            params.iter().filter(|(k, _)| !k.starts_with("sysparm_")).map(|(k, v)| format!("{k}={v}")).collect();
        query = pairs.join("^");
    }
    let rows = store.query_with(table, &query, !inner.faults.no_dot_walk.load(Ordering::Relaxed));
    let total = rows.len();
    let limit: usize = params.get("sysparm_limit").and_then(|l| l.parse().ok()).unwrap_or(10_000);
    let offset: usize = params.get("sysparm_offset").and_then(|l| l.parse().ok()).unwrap_or(0);
    let opts = render_opts(inner, params);
    let page: Vec<Value> = rows.iter().skip(offset).take(limit).map(|r| store.render(table, r, &opts)).collect();
    let mut r = axum::Json(json!({ "result": page })).into_response();
    let h = r.headers_mut();
    h.insert("X-Total-Count", HeaderValue::from(total as u64));
    if params.get("sysparm_suppress_pagination_header").map(String::as_str) != Some("true") && limit > 0 {
        let base = format!("{}/api/now/table/{table}", inner.base_url());
        let link = |off: usize, rel: &str| format!("<{base}?sysparm_offset={off}&sysparm_limit={limit}>;rel=\"{rel}\"");
        let mut links = vec![link(0, "first")];
        if offset > 0 {
            links.push(link(offset.saturating_sub(limit), "prev"));
        }
        if offset + limit < total {
            links.push(link(offset + limit, "next"));
        }
        let last = if total == 0 { 0 } else { ((total - 1) / limit) * limit };
        links.push(link(last, "last"));
        if let Ok(v) = HeaderValue::from_str(&links.join(",")) {
            h.insert(header::LINK, v);
        }
    }
    r
}

async fn table_record(
    State(inner): State<Arc<Inner>>,
    method: Method,
    Path((table, sys_id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match admit(&inner, &method, &headers, &table).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(mut store) = inner.store.lock() else { return envelope(500, "Internal error", None) };
    let opts = render_opts(&inner, &params);
    match method {
        Method::GET => {
            if !caller.admin && !readable_without_admin(&table) {
                return api_error(not_found());
            }
            match store.get(&table, &sys_id) {
                Some(row) => axum::Json(json!({ "result": store.render(&table, row, &opts) })).into_response(),
                None => api_error(not_found()),
            }
        }
        Method::PATCH | Method::PUT => {
            let Some(map) = json_object(&body) else {
                return envelope(400, "Exception while reading request", Some("The payload is not valid JSON."));
            };
            let input_display = params.get("sysparm_input_display_value").map(String::as_str) == Some("true");
            match store.update(&table, &sys_id, &map, &caller, inner.base_url(), input_display) {
                Ok(row) => {
                    inner.save(&store);
                    written(&inner, axum::Json(json!({ "result": store.render(&table, &row, &opts) })).into_response())
                }
                Err(e) => api_error(e),
            }
        }
        Method::DELETE => match store.delete(&table, &sys_id, &caller) {
            Ok(()) => {
                inner.save(&store);
                written(&inner, StatusCode::NO_CONTENT.into_response())
            }
            Err(e) => api_error(e),
        },
        _ => envelope(405, "Method not Supported", Some("The requested method is not supported by this resource")),
    }
}

/// Counts a write; when it is the one to cut, its answer loses its body mid-response.
fn written(inner: &Inner, r: Response) -> Response {
    let n = inner.stats.writes.fetch_add(1, Ordering::SeqCst) + 1;
    if inner.faults.cut_write.load(Ordering::SeqCst) != n {
        return r;
    }
    let (mut parts, _) = r.into_parts();
    // A 204 carries no body to cut: answer 200 and cut that.
    if parts.status == StatusCode::NO_CONTENT {
        parts.status = StatusCode::OK;
    }
    let broken =
        futures::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped")) });
    Response::from_parts(parts, axum::body::Body::from_stream(broken))
}

fn json_object(body: &Bytes) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}
