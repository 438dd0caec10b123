//! The Batch API (SNDocs `api-reference/rest-apis/batch-api`): `POST /api/now/v1/batch`
//! with `{"batch_request_id", "rest_requests": [{id, method, url, headers, body (base64),
//! exclude_response_headers}]}` runs each request in order, as the instance would have run
//! it alone (its ACLs, its rules), and answers 200 with `serviced_requests` (id,
//! status_code, status_text, headers, base64 body, execution_time) and
//! `unserviced_requests` (the IDs left over when a limit was reached).
//!
//! The whole batch is one round trip: latency and the other fault switches apply to it
//! once, not to each item. An item whose body is over the 5 MB item limit, and every item
//! after it, goes unserviced.

use super::server::{Inner, SubRequest, authenticate, envelope, faults, router};
use super::store::Caller;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tower::ServiceExt;

/// Each item's body may be at most this big (the `glide.rest.batch.max.inputSize` default).
pub const MAX_ITEM_BYTES: usize = 5 * 1024 * 1024;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One item of `rest_requests`, read leniently: the instance takes numbers for IDs.
struct Item {
    id: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    exclude_headers: bool,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn item(v: &Value) -> Result<Item, String> {
    let id = text(v.get("id")).ok_or("every rest_requests item needs an id")?;
    let method = text(v.get("method")).ok_or_else(|| format!("item {id} has no method"))?;
    let url = text(v.get("url")).ok_or_else(|| format!("item {id} has no url"))?;
    let headers = v
        .get("headers")
        .and_then(Value::as_array)
        .map(|hs| {
            hs.iter().filter_map(|h| Some((text(h.get("name"))?, text(h.get("value")).unwrap_or_default()))).collect()
        })
        .unwrap_or_default();
    let exclude_headers = match v.get("exclude_response_headers") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    Ok(Item { id, method, url, headers, body: text(v.get("body")), exclude_headers })
}

/// Runs one item through the sandbox's own routes; `Err` when its answer was cut off.
async fn run(app: &Router, caller: &Caller, batch_headers: &HeaderMap, it: &Item) -> Result<Value, Value> {
    let started = Instant::now();
    let body = it.body.as_deref().map(|b| B64.decode(b.replace(['\n', '\r', ' '], ""))).transpose();
    let Ok(body) = body else {
        return Ok(json!({
            "id": it.id, "status_code": 400, "status_text": "Bad Request", "headers": [],
            "body": B64.encode(br#"{"error":{"message":"The item body is not valid base64","detail":null},"status":"failure"}"#),
            "error_message": "The item body is not valid base64", "execution_time": 0
        }));
    };
    let method = Method::from_bytes(it.method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::GET);
    let mut req = Request::builder().method(method).uri(&it.url);
    let mut has_accept = false;
    for (k, v) in &it.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            has_accept |= k == header::ACCEPT;
            req = req.header(k, v);
        }
    }
    // An item without its own Accept gets JSON, as pysnc's batches (which send none) do.
    if !has_accept {
        req = req.header(header::ACCEPT, "application/json");
    }
    // Every item runs as the caller who sent the batch (signed in once: `SubRequest`).
    if let Some(auth) = batch_headers.get(header::AUTHORIZATION) {
        req = req.header(header::AUTHORIZATION, auth.clone());
    }
    let Ok(mut req) = req.body(Body::from(body.unwrap_or_default())) else {
        return Ok(json!({
            "id": it.id, "status_code": 400, "status_text": "Bad Request", "headers": [], "body": "",
            "error_message": format!("{} is not a relative URL the instance can serve", it.url), "execution_time": 0
        }));
    };
    req.extensions_mut().insert(SubRequest(caller.clone()));
    let response = match app.clone().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let headers: Vec<Value> = if it.exclude_headers {
        Vec::new()
    } else {
        parts
            .headers
            .iter()
            .map(|(k, v)| json!({"name": k.as_str(), "value": v.to_str().unwrap_or_default()}))
            .collect()
    };
    let collected = axum::body::to_bytes(body, usize::MAX).await;
    let answer = |bytes: &Bytes| {
        json!({
            "id": it.id,
            "status_code": parts.status.as_u16(),
            "status_text": parts.status.canonical_reason().unwrap_or(""),
            "headers": headers,
            "body": B64.encode(bytes),
            "execution_time": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    };
    match collected {
        Ok(bytes) => Ok(answer(&bytes)),
        Err(_) => Err(answer(&Bytes::new())),
    }
}

pub async fn batch(State(inner): State<Arc<Inner>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = faults(&inner).await {
        return r;
    }
    let caller = match authenticate(&inner, &headers) {
        Ok(caller) => caller,
        Err(r) => return *r,
    };
    if inner.faults.no_batch.load(Ordering::Relaxed) {
        return envelope(400, "Requested URI does not represent any resource", None);
    }
    inner.stats.batches.fetch_add(1, Ordering::SeqCst);
    if method != Method::POST {
        return envelope(405, "Method not Supported", Some("The Batch API takes POST only"));
    }
    if !headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json")) {
        return envelope(415, "Unsupported Media Type", Some("The Batch API takes application/json only"));
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return envelope(400, "Exception while reading request", Some("The payload is not valid JSON."));
    };
    let Some(items) = request.get("rest_requests").and_then(Value::as_array) else {
        return envelope(400, "Exception while reading request", Some("rest_requests is required"));
    };
    let items: Vec<Item> = match items.iter().map(item).collect() {
        Ok(items) => items,
        Err(why) => return envelope(400, "Exception while reading request", Some(&why)),
    };
    let mut serviced = Vec::new();
    let mut unserviced = Vec::new();
    let mut cut = false;
    // The whole batch is one unit on the records: one file lock, one pick-up of what other
    // processes wrote, one save at the end.
    let unit = inner.records.begin_batch();
    let app = router(inner.clone());
    for it in &items {
        if !unserviced.is_empty() || it.body.as_ref().is_some_and(|b| b.len() / 4 * 3 > MAX_ITEM_BYTES) {
            unserviced.push(Value::String(it.id.clone()));
            continue;
        }
        match run(&app, &caller, &headers, it).await {
            Ok(answer) => serviced.push(answer),
            Err(answer) => {
                cut = true;
                serviced.push(answer);
            }
        }
    }
    drop(unit);
    let batch_id = text(request.get("batch_request_id")).unwrap_or_default();
    let answer = axum::Json(json!({
        "batch_request_id": batch_id,
        "serviced_requests": serviced,
        "unserviced_requests": unserviced,
    }))
    .into_response();
    if cut {
        // One of its writes was to lose its answer: the batch's answer goes with it, after
        // every item ran, as a connection dropped on the way back leaves it.
        let (parts, _) = answer.into_parts();
        let broken =
            futures::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped")) });
        return Response::from_parts(parts, Body::from_stream(broken));
    }
    answer
}
