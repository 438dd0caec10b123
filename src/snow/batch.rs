//! Many Table API requests in one round trip, through ServiceNow's Batch API
//! (`POST /api/now/v1/batch`, docs/servicenow-facts.md "REST behaviour").
//!
//! Each request becomes one `rest_requests` item (its ID is its position, its body base64
//! JSON); the instance runs them in order and answers each in `serviced_requests`, or
//! lists it in `unserviced_requests` when a size or time limit stopped the batch. Every
//! item's answer goes through the same mapper as a request sent alone, so a refused insert
//! in a batch is the same `SnError` it would be on its own.
//!
//! An instance that does not take the Batch API (an older release, or an ACL on it) answers
//! the batch itself with 400, 403, 404 or 405: that is `BatchError::Refused`, and nothing in
//! it ran, so the caller may send the requests one by one instead.
//!
//! The items are `snow::Request`s, the same values `Instance::send` takes; `Client` is the
//! HTTP `Instance::batch`, and `Answer::batch_meaning` reads the batch's own answer.

use super::client::{Answer, Client, map_answer, read_body, transport_reason};
use super::error::SnError;
use super::instance::Request;
use crate::urls::InstanceUrl;
use base64::Engine;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What became of one request of a batch.
#[derive(Debug)]
pub enum Served {
    /// It ran: its `result` (None for a 204).
    Done(Option<Value>),
    /// It ran and the instance refused it, or its answer could not be read.
    Failed(SnError),
    /// A limit stopped the batch before it: it did not run.
    Unserviced,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The instance does not take the Batch API; none of the requests ran.
    #[error("the instance refused the Batch API ({0})")]
    Refused(SnError),
    /// The batch itself failed; its requests may or may not have run.
    #[error(transparent)]
    Failed(SnError),
}

impl Client {
    /// Sends `requests` as one Batch API call and answers each, in order.
    pub async fn batch(&self, requests: &[Request]) -> Result<Vec<Served>, BatchError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let items: Vec<Value> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut item = json!({
                    "id": i.to_string(),
                    "method": r.method.as_str(),
                    "url": r.path_and_query(),
                    "headers": [
                        {"name": "Accept", "value": "application/json"},
                        {"name": "Content-Type", "value": "application/json"},
                    ],
                });
                if let Some(body) = &r.body {
                    item["body"] = Value::String(B64.encode(body.to_string()));
                }
                item
            })
            .collect();
        let body = json!({"batch_request_id": "calsync", "rest_requests": items});
        let answer = self.send_batch(&body).await?;
        Ok(self.read_items(requests, &answer))
    }

    /// Posts the batch; retries only a 429 (nothing in the batch ran).
    async fn send_batch(&self, body: &Value) -> Result<Value, BatchError> {
        let url = format!("{}/api/now/v1/batch", self.instance());
        let retry = self.retry_policy();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // The same bounds as every other request: one time limit for the exchange and
            // the size cap while the answer streams.
            let limit = self.next_limit().map_err(BatchError::Failed)?;
            let exchange = async {
                let resp = self
                    .authed(Method::POST, &url)
                    .header(header::CONTENT_TYPE, "application/json")
                    .json(body)
                    .send()
                    .await
                    .map_err(|e| SnError::Unreachable {
                        url: self.instance().to_string(),
                        reason: transport_reason(&e),
                    })?;
                let status = resp.status();
                let content_type = resp
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let retry_after = resp
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.trim().parse::<u64>().ok());
                let text = read_body(resp, self.instance(), self.limits().max_body).await?;
                Ok::<_, SnError>((status, content_type, retry_after, text))
            };
            let (status, content_type, retry_after, text) = match tokio::time::timeout(limit, exchange).await {
                Ok(r) => r.map_err(BatchError::Failed)?,
                Err(_) => {
                    let url = self.instance().to_string();
                    let error = self.next_limit().err().unwrap_or(SnError::Slow { url, secs: limit.as_secs() });
                    return Err(BatchError::Failed(error));
                }
            };
            let answer = Answer { status, content_type, retry_after, body: text };
            match answer.batch_meaning(self.instance(), self.user()) {
                Ok(v) => return Ok(v),
                Err(BatchError::Failed(SnError::RateLimited { .. })) if attempt < retry.attempts => {
                    let wait = retry_after
                        .map(Duration::from_secs)
                        .unwrap_or_else(|| retry.base_wait.saturating_mul(1 << (attempt - 1).min(6)));
                    if wait > retry.max_wait {
                        return Err(BatchError::Failed(SnError::RateLimited { attempts: attempt, retry_after }));
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn read_items(&self, requests: &[Request], answer: &Value) -> Vec<Served> {
        let serviced = answer.get("serviced_requests").and_then(Value::as_array).cloned().unwrap_or_default();
        let unserviced: Vec<String> = answer
            .get("unserviced_requests")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(id_text).collect())
            .unwrap_or_default();
        requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let id = i.to_string();
                if let Some(item) = serviced.iter().find(|s| s.get("id").and_then(id_text).as_deref() == Some(&id)) {
                    return self.read_item(r, item);
                }
                if unserviced.contains(&id) {
                    return Served::Unserviced;
                }
                Served::Failed(SnError::Decode {
                    table: r.table.clone(),
                    reason: "the Batch API answer left this request out".into(),
                })
            })
            .collect()
    }

    fn read_item(&self, r: &Request, item: &Value) -> Served {
        let code = item.get("status_code").and_then(Value::as_u64).unwrap_or(0);
        let Some(status) = u16::try_from(code).ok().and_then(|c| StatusCode::from_u16(c).ok()) else {
            return Served::Failed(SnError::Decode {
                table: r.table.clone(),
                reason: format!("a Batch API item came back with status {code}"),
            });
        };
        let header = |name: &str| {
            item.get("headers").and_then(Value::as_array).and_then(|hs| {
                hs.iter()
                    .find(|h| h.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(name)))
                    .and_then(|h| h.get("value").and_then(Value::as_str))
                    .map(str::to_string)
            })
        };
        let encoded = item.get("body").and_then(Value::as_str).unwrap_or("");
        let Ok(bytes) = B64.decode(encoded.replace(['\n', '\r', ' '], "")) else {
            return Served::Failed(SnError::Decode {
                table: r.table.clone(),
                reason: "a Batch API item's body is not base64".into(),
            });
        };
        let body = String::from_utf8_lossy(&bytes).into_owned();
        // The item's own Content-Type when the instance sent its headers; JSON otherwise,
        // as every item asked for it.
        let content_type = header("content-type").unwrap_or_else(|| "application/json".into()).to_ascii_lowercase();
        let retry_after = header("retry-after").and_then(|s| s.trim().parse().ok());
        let answer = Answer { status, content_type, retry_after, body };
        match map_answer(answer, self.instance(), self.user(), &r.table, r.sys_id.as_deref()) {
            Ok(v) => Served::Done(v),
            Err(f) => Served::Failed(f.into_error(1)),
        }
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Answer {
    /// What this answer to a Batch API call means: its JSON body on 200; `Refused` when the
    /// instance does not take the Batch API; `Failed` for everything else (sign-in, rate
    /// limit, an HTML page, 5xx).
    pub fn batch_meaning(self, instance: &InstanceUrl, user: &str) -> Result<Value, BatchError> {
        let status = self.status;
        if status.is_success() && self.content_type.contains("json") {
            return serde_json::from_str(&self.body)
                .map_err(|e| BatchError::Failed(SnError::Decode { table: "batch".into(), reason: e.to_string() }));
        }
        let refused = matches!(status.as_u16(), 400 | 403 | 404 | 405);
        let error = match map_answer(self, instance, user, "batch", None) {
            Err(f) => f.into_error(1),
            Ok(_) => SnError::Decode {
                table: "batch".into(),
                reason: format!("the Batch API answered {status} without JSON"),
            },
        };
        // An HTML page (a sign-in, a hibernating instance) is not a refusal of the Batch API.
        if refused && !matches!(error, SnError::NotTableApi { .. } | SnError::Unauthorized { .. }) {
            return Err(BatchError::Refused(error));
        }
        Err(BatchError::Failed(error))
    }
}
