//! The sandbox's HTTP face: the Table API routes, basic auth, and the fault switches that
//! tests turn on (latency, 429 every N requests, 503 every N, a hibernation page).

use super::schema;
use super::shared::{Locked, Shared};
use super::store::{ApiError, Caller, Display, RenderOptions, Write, not_found};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
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
    /// Answer reads of `sys_dictionary` and `sys_choice` with 403.
    pub hide_dictionary: AtomicBool,
    /// Answer the Batch API as an instance without it does (400, unknown resource).
    pub no_batch: AtomicBool,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub writes: AtomicU64,
    /// Batch API calls answered (each also counts once in `requests`).
    pub batches: AtomicU64,
}

pub struct Inner {
    pub records: Shared,
    pub faults: Faults,
    pub stats: Stats,
    pub base_url: OnceLock<String>,
    pub passwords: Mutex<BTreeMap<String, String>>,
    pub idp: Mutex<super::identity::Idp>,
    pub sign_in: Mutex<super::auth::SignIn>,
}

impl Inner {
    pub fn base_url(&self) -> &str {
        self.base_url.get().map(String::as_str).unwrap_or("")
    }

    /// The records, locked against this process's other requests and other processes.
    pub fn store(&self) -> Locked<'_> {
        self.records.lock()
    }
}

/// Marks a request the Batch API runs on a caller's behalf: it is part of the batch's
/// round trip, so the fault switches (latency, 429, 503) do not apply to it again, and it
/// runs in the session of the caller who sent the batch, signed in once for all items.
#[derive(Debug, Clone)]
pub struct SubRequest(pub Caller);

/// Path parameters are taken by name, so a versioned route's `version` is ignored
/// (`/api/now/v2/table/...` answers as `/api/now/table/...`). The table a Table API path
/// names (read by `TableRequest`).
#[derive(Debug, Deserialize)]
pub struct TablePath {
    table: String,
}

/// The record a Table API record path names.
#[derive(Debug, Deserialize)]
pub struct RecordPath {
    sys_id: String,
}

/// The record an Attachment API path names (see `TablePath`).
#[derive(Debug, Deserialize)]
pub struct AttachmentPath {
    pub sys_id: String,
}

pub fn router(inner: Arc<Inner>) -> Router {
    let mut router = Router::new();
    // Each REST API answers the same with and without a version in its path.
    for api in ["/api/now", "/api/now/{version}"] {
        router = router
            .route(&format!("{api}/table/{{table}}"), any(table_collection))
            .route(&format!("{api}/table/{{table}}/{{sys_id}}"), any(table_record))
            .route(&format!("{api}/batch"), any(super::batch::batch))
            .route(&format!("{api}/attachment"), any(super::attachment::collection))
            .route(&format!("{api}/attachment/{{sys_id}}"), any(super::attachment::record))
            .route(&format!("{api}/attachment/{{sys_id}}/file"), get(super::attachment::file));
    }
    router
        .route("/", get(home))
        .merge(super::identity::routes())
        .merge(super::graph::routes())
        .merge(super::wcs::routes())
        .merge(super::auth::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn(answer_as_asked))
        .with_state(inner)
}

/// Shapes an answer the way the request asked for it: `X-no-response-body: true` on a
/// write drops the body (and a 200 becomes 204), and `Accept: application/xml` turns a
/// JSON answer into XML.
async fn answer_as_asked(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (no_body, xml) = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let accept = header("accept");
        (
            matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH)
                && header("x-no-response-body").eq_ignore_ascii_case("true"),
            accept.contains("xml") && !accept.contains("json"),
        )
    };
    let response = next.run(req).await;
    if no_body && response.status().is_success() {
        let (mut parts, _) = response.into_parts();
        if parts.status == StatusCode::OK {
            parts.status = StatusCode::NO_CONTENT;
        }
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, axum::body::Body::empty());
    }
    let is_json =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    if !xml || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        let broken =
            futures::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped")) });
        return Response::from_parts(parts, axum::body::Body::from_stream(broken));
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=UTF-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(super::xml::from_json(&value)))
}

pub fn envelope(status: u16, message: &str, detail: Option<&str>) -> Response {
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
pub async fn faults(inner: &Inner) -> Option<Response> {
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

pub fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let refused = |detail: &str| {
        let mut r = envelope(401, "User Not Authenticated", Some(detail));
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("BASIC realm=\"Service-now\""));
        Box::new(r)
    };
    let unauthorized = || refused("Required to provide Auth information");
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(unauthorized)?;
    // An access token from the instance's own OAuth endpoints (auth.rs).
    let bearer = value.strip_prefix("Bearer ").map(|t| super::auth::bearer_user(inner, t).ok_or_else(unauthorized));
    let user_from_token;
    let user = match bearer {
        Some(found) => {
            user_from_token = found?;
            user_from_token.as_str()
        }
        None => {
            let encoded =
                value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")).ok_or_else(unauthorized)?;
            let decoded =
                base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| unauthorized())?;
            let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
            let (user, password) = text.split_once(':').ok_or_else(unauthorized)?;
            if let Some(detail) = super::auth::basic_refusal(inner, user, password) {
                return Err(refused(detail));
            }
            user_from_token = user.to_string();
            user_from_token.as_str()
        }
    };
    let store = inner.store();
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
        Some(a) if !(a.contains("json") || a.contains("xml") || a.contains("*/*")) => {
            return Err(Box::new(envelope(
                406,
                "Requested response format is not supported",
                Some("Only application/json and application/xml are supported"),
            )));
        }
        _ => {}
    }
    // Writes with a body need a Content-Type (reference §1.1), and the body must be JSON.
    // DELETE carries no body and needs none: the Table API reference's own DELETE example
    // sends only Accept, and pysnc deletes without it (docs/servicenow-facts.md).
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
            None => return Err(Box::new(envelope(400, "Content-Type header is missing", None))),
            Some(c) if !c.contains("json") => {
                return Err(Box::new(envelope(
                    415,
                    "Unsupported Media Type",
                    Some("The sandbox reads JSON request bodies only (application/json)"),
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A boolean request parameter: the instance takes `true` in any case (`True`, as Python
/// clients send it).
pub fn flag(params: &HashMap<String, String>, name: &str) -> bool {
    params.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn render_opts<'a>(inner: &'a Inner, params: &HashMap<String, String>) -> RenderOptions<'a> {
    // An empty `sysparm_fields=` asks for nothing in particular: every field comes back.
    let fields: Option<Vec<String>> = params
        .get("sysparm_fields")
        .map(|f| f.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .filter(|f: &Vec<String>| !f.is_empty());
    RenderOptions {
        fields,
        display: match params.get("sysparm_display_value").map(|v| v.to_ascii_lowercase()).as_deref() {
            Some("true") => Display::Display,
            Some("all") => Display::All,
            _ => Display::Value,
        },
        exclude_links: flag(params, "sysparm_exclude_reference_link"),
        base_url: inner.base_url(),
    }
}

/// The caller of a request to the instance's APIs, as every such request is admitted
/// first: through the fault switches and basic auth, unless it runs inside a batch, which
/// met both once already. A request refused there is answered with the refusal.
pub struct Admitted(pub Caller);

impl FromRequestParts<Arc<Inner>> for Admitted {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, inner: &Arc<Inner>) -> Result<Admitted, Response> {
        if let Some(SubRequest(caller)) = parts.extensions.get::<SubRequest>() {
            return Ok(Admitted(caller.clone()));
        }
        if let Some(r) = faults(inner).await {
            return Err(r);
        }
        authenticate(inner, &parts.headers).map(Admitted).map_err(|r| *r)
    }
}

/// A Table API request past what every one goes through first: an admitted caller, the
/// Accept and Content-Type headers, and a table that exists.
pub struct TableRequest {
    caller: Caller,
    method: Method,
    table: String,
}

impl FromRequestParts<Arc<Inner>> for TableRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, inner: &Arc<Inner>) -> Result<TableRequest, Response> {
        let Admitted(caller) = Admitted::from_request_parts(parts, inner).await?;
        let Path(TablePath { table }) =
            Path::<TablePath>::from_request_parts(parts, inner).await.map_err(IntoResponse::into_response)?;
        check_headers(&parts.method, &parts.headers).map_err(|r| *r)?;
        if schema::table(&table).is_none() {
            return Err(envelope(400, &format!("Invalid table {table}"), None));
        }
        Ok(TableRequest { caller, method: parts.method.clone(), table })
    }
}

async fn table_collection(
    State(inner): State<Arc<Inner>>,
    TableRequest { caller, method, table }: TableRequest,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    match method {
        Method::GET | Method::HEAD => list(&inner, &table, &params, &caller),
        Method::POST => {
            let Some(map) = json_object(&body) else {
                return envelope(400, "Exception while reading request", Some("The payload is not valid JSON."));
            };
            let mut store = inner.store();
            let write = Write {
                caller: &caller,
                base_url: inner.base_url(),
                input_display: flag(&params, "sysparm_input_display_value"),
            };
            match store.insert(&table, &map, &write) {
                Ok(row) => {
                    store.save();
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
    let dictionary = ["sys_dictionary", "sys_choice"].contains(&table);
    if (!caller.admin && !readable_without_admin(table))
        || (dictionary && inner.faults.hide_dictionary.load(Ordering::Relaxed))
    {
        return envelope(403, "Insufficient rights to query records", None);
    }
    let store = inner.store();
    // Name/value pairs are an alternative to sysparm_query.
    let mut query = params.get("sysparm_query").cloned().unwrap_or_default();
    if !params.contains_key("sysparm_query") {
        let pairs: Vec<String> =
            params.iter().filter(|(k, _)| !k.starts_with("sysparm_")).map(|(k, v)| format!("{k}={v}")).collect();
        query = pairs.join("^");
    }
    // The instance evaluates this dynamic value to the caller's own sys_id.
    let query = query.replace("javascript:gs.getUserID()", &caller.user_id);
    let rows = store.query_with(table, &query, !inner.faults.no_dot_walk.load(Ordering::Relaxed));
    let total = rows.len();
    let limit: usize = params.get("sysparm_limit").and_then(|l| l.parse().ok()).unwrap_or(10_000);
    let offset: usize = params.get("sysparm_offset").and_then(|l| l.parse().ok()).unwrap_or(0);
    let opts = render_opts(inner, params);
    let page: Vec<Value> = rows.iter().skip(offset).take(limit).map(|r| store.render(table, r, &opts)).collect();
    let mut r = axum::Json(json!({ "result": page })).into_response();
    let h = r.headers_mut();
    h.insert("X-Total-Count", HeaderValue::from(total as u64));
    if !flag(params, "sysparm_suppress_pagination_header") && limit > 0 {
        // Each link repeats the request's own parameters (query, fields, display value...)
        // with its page's offset and limit.
        let mut kept: Vec<(&String, &String)> =
            params.iter().filter(|(k, _)| *k != "sysparm_offset" && *k != "sysparm_limit").collect();
        kept.sort();
        let base = format!("{}/api/now/table/{table}", inner.base_url());
        let link = |off: usize, rel: &str| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
            q.append_pair("sysparm_limit", &limit.to_string());
            q.append_pair("sysparm_offset", &off.to_string());
            format!("<{base}?{}>;rel=\"{rel}\"", q.finish())
        };
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
    TableRequest { caller, method, table }: TableRequest,
    Path(RecordPath { sys_id }): Path<RecordPath>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut store = inner.store();
    let opts = render_opts(&inner, &params);
    match method {
        Method::GET | Method::HEAD => {
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
            let write = Write {
                caller: &caller,
                base_url: inner.base_url(),
                input_display: flag(&params, "sysparm_input_display_value"),
            };
            match store.update(&table, &sys_id, &map, &write) {
                Ok(row) => {
                    store.save();
                    written(&inner, axum::Json(json!({ "result": store.render(&table, &row, &opts) })).into_response())
                }
                Err(e) => api_error(e),
            }
        }
        Method::DELETE => match store.delete(&table, &sys_id, &caller) {
            Ok(()) => {
                store.save();
                written(&inner, StatusCode::NO_CONTENT.into_response())
            }
            Err(e) => api_error(e),
        },
        _ => envelope(405, "Method not Supported", Some("The requested method is not supported by this resource")),
    }
}

/// Counts a write; when it is the one to cut, its answer loses its body mid-response.
pub fn written(inner: &Inner, r: Response) -> Response {
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
