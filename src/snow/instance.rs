//! The seam in front of a ServiceNow instance. `Instance` is small and object-safe: one
//! Table API request (`send`), the Batch API (`batch`), and who is asking where. Every
//! layer above `snow` takes `&dyn Instance`; the HTTP `Client` is the implementation
//! calsync ships (with its one error mapper, retries, limits and deadline), and a test can
//! put a wrapper in front of it that counts requests or answers a chosen one itself.
//!
//! `InstanceExt` builds the typed Table API calls (a paged list, get, insert, update,
//! update of encrypted fields, delete, the one-read login check) on `send`, for every
//! implementation at once, so a fake writes `send` and nothing else.

use super::batch::{BatchError, Served};
use super::error::SnError;
use super::query::Query;
use crate::urls::InstanceUrl;
use futures::future::BoxFuture;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;

/// One Table API request: `/api/now/table/{table}[/{sys_id}]?{params}` with an optional
/// JSON body. The same value goes out alone (`Instance::send`) or as one item of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub table: String,
    pub sys_id: Option<String>,
    /// The `sysparm_*` query parameters, in order.
    pub params: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// Every read and write asks for plain sys_ids rather than reference links.
const PLAIN_REFERENCES: (&str, &str) = ("sysparm_exclude_reference_link", "true");

fn plain_references() -> Vec<(String, String)> {
    vec![(PLAIN_REFERENCES.0.into(), PLAIN_REFERENCES.1.into())]
}

/// The most records one list request asks for; `InstanceExt::list` follows pages.
pub const PAGE: usize = 1000;

impl Request {
    /// An insert; a `sys_id` in the body is kept by the instance, so later requests in the
    /// same batch may already point at the new record.
    pub fn insert(table: &str, body: Value) -> Request {
        Request {
            method: Method::POST,
            table: table.into(),
            sys_id: None,
            params: plain_references(),
            body: Some(body),
        }
    }
    pub fn update(table: &str, sys_id: &str, body: Value) -> Request {
        Request {
            method: Method::PATCH,
            table: table.into(),
            sys_id: Some(sys_id.into()),
            params: plain_references(),
            body: Some(body),
        }
    }
    /// An update of encrypted fields. They are saved only when the request says its values
    /// are display values (`sysparm_input_display_value=true`); otherwise the instance drops
    /// them without a word.
    pub fn update_encrypted(table: &str, sys_id: &str, body: Value) -> Request {
        let mut r = Request::update(table, sys_id, body);
        r.params.push(("sysparm_input_display_value".into(), "true".into()));
        r
    }
    pub fn get(table: &str, sys_id: &str) -> Request {
        Request {
            method: Method::GET,
            table: table.into(),
            sys_id: Some(sys_id.into()),
            params: plain_references(),
            body: None,
        }
    }
    pub fn delete(table: &str, sys_id: &str) -> Request {
        Request { method: Method::DELETE, table: table.into(), sys_id: Some(sys_id.into()), params: vec![], body: None }
    }
    /// One page of the records of `table` matching `query`, from `offset`.
    pub fn list_page(table: &str, query: &Query, fields: &[&str], offset: usize) -> Request {
        let mut params = plain_references();
        params.push(("sysparm_limit".into(), PAGE.to_string()));
        params.push(("sysparm_offset".into(), offset.to_string()));
        if !query.is_empty() {
            params.push(("sysparm_query".into(), query.to_string()));
        }
        if !fields.is_empty() {
            params.push(("sysparm_fields".into(), fields.join(",")));
        }
        Request { method: Method::GET, table: table.into(), sys_id: None, params, body: None }
    }

    /// Whether the request changes the instance (anything but a GET).
    pub fn is_write(&self) -> bool {
        self.method != Method::GET
    }

    /// The value of one query parameter, if the request has it.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The request's path and query on the instance, as a Batch API item names it.
    pub fn path_and_query(&self) -> String {
        let path = match &self.sys_id {
            Some(id) => format!("/api/now/table/{}/{id}", self.table),
            None => format!("/api/now/table/{}", self.table),
        };
        if self.params.is_empty() {
            return path;
        }
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.params).finish();
        format!("{path}?{query}")
    }
}

/// A ServiceNow instance as calsync talks to it.
pub trait Instance: Send + Sync {
    /// The instance's address.
    fn instance(&self) -> &InstanceUrl;

    /// The account the requests act as.
    fn user(&self) -> &str;

    /// Sends one Table API request; its `result` member, or None when the answer has no
    /// body (a delete's 204).
    fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>>;

    /// Sends `requests` as one Batch API call and answers each, in order. The default is an
    /// instance without the Batch API: it refuses, and nothing ran.
    fn batch<'a>(&'a self, requests: &'a [Request]) -> BoxFuture<'a, Result<Vec<Served>, BatchError>> {
        let _ = requests;
        Box::pin(async {
            Err(BatchError::Refused(SnError::NotFound { table: "batch".into(), sys_id: "/api/now/v1/batch".into() }))
        })
    }

    /// The same instance without the command's deadline, for the one thing that must still
    /// be tried when time is up: putting the admin's current application back. An
    /// implementation with no deadline is itself.
    fn without_deadline(&self) -> Box<dyn Instance + '_> {
        Box::new(self)
    }
}

/// A reference, a box or an `Arc` of an instance is that instance.
macro_rules! forward {
    ($($ptr:ty),*) => {$(
        impl<T: Instance + ?Sized> Instance for $ptr {
            fn instance(&self) -> &InstanceUrl {
                (**self).instance()
            }
            fn user(&self) -> &str {
                (**self).user()
            }
            fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>> {
                (**self).send(request)
            }
            fn batch<'a>(&'a self, requests: &'a [Request]) -> BoxFuture<'a, Result<Vec<Served>, BatchError>> {
                (**self).batch(requests)
            }
            fn without_deadline(&self) -> Box<dyn Instance + '_> {
                (**self).without_deadline()
            }
        }
    )*};
}

forward!(&T, Box<T>, std::sync::Arc<T>);

fn decode<T: DeserializeOwned>(table: &str, v: Option<Value>) -> Result<T, SnError> {
    let v = v.ok_or_else(|| SnError::Decode { table: table.into(), reason: "the answer had no record".into() })?;
    serde_json::from_value(v).map_err(|e| SnError::Decode { table: table.into(), reason: e.to_string() })
}

/// The typed Table API calls, built on `Instance::send` for every implementation.
pub trait InstanceExt: Instance {
    /// Every record of `table` matching `query`, following pages.
    fn list<T: DeserializeOwned + Send>(
        &self,
        table: &str,
        query: &Query,
        fields: &[&str],
    ) -> impl Future<Output = Result<Vec<T>, SnError>> + Send {
        async move {
            let mut out = Vec::new();
            let mut offset = 0usize;
            loop {
                let rows = match self.send(&Request::list_page(table, query, fields, offset)).await? {
                    Some(Value::Array(rows)) => rows,
                    _ => {
                        return Err(SnError::Decode {
                            table: table.into(),
                            reason: "expected a list of records".into(),
                        });
                    }
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
    }

    /// Sends the password once, in one small read of the user's own record, so that a
    /// wrong password is refused once instead of once per concurrent read (an instance
    /// with a lockout policy counts each). Commands call this before any concurrent round.
    fn check_login(&self) -> impl Future<Output = Result<(), SnError>> + Send {
        async move {
            let q = Query::new().eq("user_name", self.user())?;
            let request = Request {
                method: Method::GET,
                table: "sys_user".into(),
                sys_id: None,
                params: vec![
                    ("sysparm_query".into(), q.to_string()),
                    ("sysparm_fields".into(), "sys_id".into()),
                    ("sysparm_limit".into(), "1".into()),
                ],
                body: None,
            };
            self.send(&request).await.map(|_| ())
        }
    }

    fn get<T: DeserializeOwned>(&self, table: &str, sys_id: &str) -> impl Future<Output = Result<T, SnError>> + Send {
        async move { decode(table, self.send(&Request::get(table, sys_id)).await?) }
    }

    fn insert<T: DeserializeOwned>(
        &self,
        table: &str,
        body: &Value,
    ) -> impl Future<Output = Result<T, SnError>> + Send {
        async move { decode(table, self.send(&Request::insert(table, body.clone())).await?) }
    }

    fn update<T: DeserializeOwned>(
        &self,
        table: &str,
        sys_id: &str,
        body: &Value,
    ) -> impl Future<Output = Result<T, SnError>> + Send {
        async move { decode(table, self.send(&Request::update(table, sys_id, body.clone())).await?) }
    }

    /// Sets encrypted fields of an existing record (`Request::update_encrypted`).
    fn update_encrypted<T: DeserializeOwned>(
        &self,
        table: &str,
        sys_id: &str,
        body: &Value,
    ) -> impl Future<Output = Result<T, SnError>> + Send {
        async move { decode(table, self.send(&Request::update_encrypted(table, sys_id, body.clone())).await?) }
    }

    fn delete(&self, table: &str, sys_id: &str) -> impl Future<Output = Result<(), SnError>> + Send {
        async move { self.send(&Request::delete(table, sys_id)).await.map(|_| ()) }
    }
}

impl<T: Instance + ?Sized> InstanceExt for T {}
