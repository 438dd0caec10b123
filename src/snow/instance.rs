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
            Err(BatchError::Refused(SnError::BadRequest {
                table: "batch".into(),
                message: "this instance does not take the Batch API".into(),
                detail: None,
            }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A table of `rows` records, served a page at a time; every request kept.
    struct Pages {
        url: InstanceUrl,
        rows: usize,
        seen: Mutex<Vec<Request>>,
    }

    impl Instance for Pages {
        fn instance(&self) -> &InstanceUrl {
            &self.url
        }
        fn user(&self) -> &'static str {
            "admin"
        }
        fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>> {
            self.seen.lock().unwrap().push(request.clone());
            let offset: usize = request.param("sysparm_offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let limit: usize = request.param("sysparm_limit").and_then(|o| o.parse().ok()).unwrap_or(PAGE);
            let page: Vec<Value> =
                (offset..self.rows.min(offset + limit)).map(|n| serde_json::json!({ "n": n })).collect();
            Box::pin(async move { Ok(Some(Value::Array(page))) })
        }
    }

    fn pages(rows: usize) -> Pages {
        Pages { url: InstanceUrl::parse("https://dev1.service-now.com").unwrap(), rows, seen: Mutex::default() }
    }

    #[tokio::test]
    async fn a_list_follows_pages_until_a_short_one() {
        for (rows, requests) in [(0, 1), (999, 1), (1000, 2), (2500, 3)] {
            let p = pages(rows);
            let got: Vec<Value> = p.list("sys_alias", &Query::new(), &["n"]).await.unwrap();
            assert_eq!(got.len(), rows);
            assert!(got.iter().enumerate().all(|(i, v)| v["n"] == i), "in order, none twice");
            let seen = p.seen.lock().unwrap();
            assert_eq!(seen.len(), requests, "{rows} rows");
            let offsets: Vec<&str> = seen.iter().filter_map(|r| r.param("sysparm_offset")).collect();
            let expected: Vec<String> = (0..requests).map(|i| (i * PAGE).to_string()).collect();
            assert_eq!(offsets, expected);
            assert!(seen.iter().all(|r| r.param("sysparm_fields") == Some("n") && !r.is_write()));
        }
    }

    #[tokio::test]
    async fn the_login_check_is_one_small_read_of_the_users_own_record() {
        let p = pages(5);
        p.check_login().await.unwrap();
        let seen = p.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let r = &seen[0];
        assert_eq!((r.method.clone(), r.table.as_str()), (Method::GET, "sys_user"));
        assert_eq!(r.param("sysparm_query"), Some("user_name=admin"));
        assert_eq!((r.param("sysparm_limit"), r.param("sysparm_fields")), (Some("1"), Some("sys_id")));
    }

    #[tokio::test]
    async fn an_instance_that_does_not_say_it_takes_the_batch_api_refuses_batches() {
        let p = pages(0);
        let refused = p.batch(&[Request::get("sys_user", "x")]).await;
        assert!(matches!(refused, Err(BatchError::Refused(_))), "{refused:?}");
        assert!(p.seen.lock().unwrap().is_empty(), "nothing was sent");
    }

    #[test]
    fn a_request_names_its_path_and_query_as_a_batch_item_does() {
        let r = Request::update_encrypted("oauth_credential", "abc", serde_json::json!({"token_received": "t"}));
        assert_eq!(
            r.path_and_query(),
            "/api/now/table/oauth_credential/abc?sysparm_exclude_reference_link=true&sysparm_input_display_value=true"
        );
        assert_eq!(
            Request::delete("sys_user_preference", "p").path_and_query(),
            "/api/now/table/sys_user_preference/p"
        );
        let q = Query::new().eq("name", "a&b").unwrap();
        let page = Request::list_page("sys_alias", &q, &[], 0).path_and_query();
        assert!(page.contains("sysparm_query=name%3Da%26b"), "{page}");
    }
}
