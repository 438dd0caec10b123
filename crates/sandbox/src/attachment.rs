//! A basic Attachment API (SNDocs `api-reference/rest-apis/c_AttachmentAPI`): upload a
//! file to a record (`POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`,
//! the raw body, any Content-Type), list and read the metadata
//! (`GET /api/now/attachment`, `GET /api/now/attachment/{sys_id}`), download the content
//! (`GET .../{sys_id}/file`) and delete (`DELETE .../{sys_id}`, 204). Metadata lives in
//! `sys_attachment`; the content sits beside the records in the state file.

use super::server::{Admitted, AttachmentPath, Inner, envelope};
use super::store::{Caller, Display, RenderOptions, Row, new_sys_id, now_utc};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Arc;

const TABLE: &str = "sys_attachment";

fn opts(inner: &Inner) -> RenderOptions<'_> {
    RenderOptions { fields: None, display: Display::Value, exclude_links: true, base_url: inner.base_url() }
}

fn no_record() -> Response {
    envelope(404, "Record doesn't exist", Some("Attachment record not found"))
}

pub async fn collection(
    State(inner): State<Arc<Inner>>,
    Admitted(caller): Admitted,
    method: Method,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return envelope(405, "Method not Supported", Some("The requested method is not supported by this resource"));
    }
    if !caller.admin {
        return envelope(403, "Insufficient rights to query records", None);
    }
    let store = inner.store();
    let query = params.get("sysparm_query").cloned().unwrap_or_default();
    let limit: usize = params.get("sysparm_limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
    let offset: usize = params.get("sysparm_offset").and_then(|l| l.parse().ok()).unwrap_or(0);
    let rows = store.query(TABLE, &query);
    let page: Vec<Value> =
        rows.iter().skip(offset).take(limit).map(|r| store.render(TABLE, r, &opts(&inner))).collect();
    let mut r = axum::Json(json!({ "result": page })).into_response();
    r.headers_mut().insert("X-Total-Count", HeaderValue::from(rows.len() as u64));
    r
}

/// `/attachment/{id}`: the metadata (GET), a delete (DELETE), or with `id` = `file` an upload.
pub async fn record(
    State(inner): State<Arc<Inner>>,
    Admitted(caller): Admitted,
    method: Method,
    Path(AttachmentPath { sys_id: id }): Path<AttachmentPath>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match (method, id.as_str()) {
        (Method::POST, "file") => upload(&inner, &caller, &params, &headers, &body),
        (Method::GET | Method::HEAD, _) => {
            let store = inner.store();
            match store.get(TABLE, &id) {
                Some(row) if caller.admin => {
                    axum::Json(json!({ "result": store.render(TABLE, row, &opts(&inner)) })).into_response()
                }
                _ => no_record(),
            }
        }
        (Method::DELETE, _) => {
            let mut store = inner.store();
            if store.get(TABLE, &id).is_none() || !caller.admin {
                return no_record();
            }
            store.rows.retain(|r| r.get("sys_id") != Some(&id));
            store.files.remove(&id);
            store.save();
            super::server::written(&inner, StatusCode::NO_CONTENT.into_response())
        }
        _ => envelope(405, "Method not Supported", Some("The requested method is not supported by this resource")),
    }
}

pub async fn file(
    State(inner): State<Arc<Inner>>,
    Admitted(caller): Admitted,
    Path(AttachmentPath { sys_id: id }): Path<AttachmentPath>,
) -> Response {
    let store = inner.store();
    let (Some(row), Some(content)) = (store.get(TABLE, &id), store.files.get(&id)) else { return no_record() };
    if !caller.admin {
        return no_record();
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(content).unwrap_or_default();
    let kind = row.get("content_type").cloned().unwrap_or_else(|| "application/octet-stream".into());
    let mut r = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&kind) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn upload(
    inner: &Inner,
    caller: &Caller,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let (table, target, name) = (get("table_name"), get("table_sys_id"), get("file_name"));
    if table.is_empty() || target.is_empty() || name.is_empty() {
        return envelope(
            400,
            "Failed to create the attachment",
            Some("table_name, table_sys_id and file_name are required"),
        );
    }
    let mut store = inner.store();
    if super::schema::table(&table).is_none() {
        return envelope(400, &format!("Invalid table {table}"), None);
    }
    if store.get(&table, &target).is_none() {
        return envelope(400, "Failed to create the attachment", Some("The target record was not found"));
    }
    if !caller.admin {
        return envelope(403, "Operation Failed", Some("ACL Exception Insert Failed due to security constraints"));
    }
    let sys_id = new_sys_id();
    let now = now_utc();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let mut row = Row::new();
    for c in super::schema::columns(TABLE) {
        row.insert(c.name.to_string(), c.default.to_string());
    }
    let hash: String = sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    for (k, v) in [
        ("sys_id", sys_id.clone()),
        ("sys_class_name", TABLE.to_string()),
        ("file_name", name),
        ("table_name", table),
        ("table_sys_id", target),
        ("content_type", content_type),
        ("size_bytes", body.len().to_string()),
        ("size_compressed", body.len().to_string()),
        ("hash", hash),
        ("download_link", format!("{}/api/now/attachment/{sys_id}/file", inner.base_url())),
        ("sys_created_on", now.clone()),
        ("sys_updated_on", now),
        ("sys_created_by", caller.user_name.clone()),
        ("sys_updated_by", caller.user_name.clone()),
    ] {
        row.insert(k.to_string(), v);
    }
    store.files.insert(sys_id.clone(), base64::engine::general_purpose::STANDARD.encode(body));
    store.rows.push(row.clone());
    store.save();
    let value = store.render(TABLE, &row, &opts(inner));
    let mut r = (StatusCode::CREATED, axum::Json(json!({ "result": value }))).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("{}/api/now/attachment/{sys_id}", inner.base_url())) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    super::server::written(inner, r)
}
