//! Stand-ins in front of the sandbox's HTTP client, through `snow::Instance`:
//! - `Faulty` answers a chosen request itself (a 401, a 429 after the retries gave up, a
//!   5xx or HTML page), or lets the instance run it and loses the answer on the way back;
//!   it can also be an instance without the Batch API;
//! - `Recorder` logs every request with the round trip it went out in.
//!
//! Both hand everything else to the real client unchanged, so the sandbox still does the
//! work and the one error mapper still reads every made-up answer (`snow::Answer`).

use calsync::snow::batch::{BatchError, Served};
use calsync::snow::{Answer, Instance, Request, SnError};
use calsync::urls::InstanceUrl;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What happens at the request a fault is set on.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The instance never sees the request; calsync reads this answer instead.
    Answers(Answer),
    /// The instance runs the request; its answer is lost on the way back.
    Lost,
    /// A Batch API call whose size or time limit the instance reaches after this many
    /// items: it runs those, and lists the rest as unserviced.
    ServesOnly(usize),
}

impl Fault {
    /// A refused login (the password changed under the run).
    pub fn unauthorized() -> Fault {
        let body =
            json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}});
        Fault::Answers(Answer::json(reqwest::StatusCode::UNAUTHORIZED, &body))
    }
    /// A rate limit that outlasted the retries.
    pub fn rate_limited() -> Fault {
        let mut a =
            Answer::json(reqwest::StatusCode::TOO_MANY_REQUESTS, &json!({"error": {"message": "Too many requests"}}));
        a.retry_after = Some(60);
        Fault::Answers(a)
    }
    /// A load balancer's error page that outlasted the retries.
    pub fn unavailable_page() -> Fault {
        Fault::Answers(Answer::html(
            reqwest::StatusCode::SERVICE_UNAVAILABLE,
            "<html><head><title>503 Service Unavailable</title></head></html>",
        ))
    }
    /// The instance's sign-in page where the Table API should answer.
    pub fn sign_in_page() -> Fault {
        Fault::Answers(Answer::html(
            reqwest::StatusCode::OK,
            "<html><head><title>Log in | ServiceNow</title></head><form action=\"login.do\"></form></html>",
        ))
    }
    /// A developer instance that went to sleep.
    pub fn hibernating() -> Fault {
        Fault::Answers(Answer::html(
            reqwest::StatusCode::OK,
            "<html><body class=\"instance-hibernating-page\">Your instance is hibernating</body></html>",
        ))
    }
}

/// Which request a fault is set on, counting from 1.
#[derive(Debug, Clone, Copy)]
pub enum At {
    /// The nth write (anything but a GET); a Batch API call is one write.
    Write(usize),
    /// The nth request of any kind; a Batch API call is one request.
    Request(usize),
    /// The nth read of this table.
    Read(&'static str, usize),
    /// The nth request (not a batch) the test picks out.
    Matching(fn(&Request) -> bool, usize),
}

/// A request as a stand-in saw it: "GET sys_user", or "BATCH 5".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub what: String,
    pub table: String,
    pub write: bool,
}

impl Seen {
    fn of(r: &Request) -> Seen {
        Seen { what: format!("{} {}", r.method, r.table), table: r.table.clone(), write: r.is_write() }
    }
    fn batch(n: usize) -> Seen {
        Seen { what: format!("BATCH {n}"), table: "batch".into(), write: true }
    }
}

#[derive(Default)]
struct FaultState {
    requests: AtomicUsize,
    writes: AtomicUsize,
    /// Reads so far, per table.
    reads: Mutex<std::collections::HashMap<String, usize>>,
    /// Requests each `At::Matching` rule picked out so far, by rule.
    matched: Mutex<std::collections::HashMap<usize, usize>>,
    /// The requests a fault hit, in order.
    hit: Mutex<Vec<Seen>>,
}

/// The sandbox, except at the requests the faults are set on.
pub struct Faulty<I> {
    inner: I,
    faults: Arc<Vec<(At, Fault)>>,
    batch_api: bool,
    state: Arc<FaultState>,
}

impl<I: Instance> Faulty<I> {
    pub fn new(inner: I, faults: Vec<(At, Fault)>) -> Self {
        Faulty { inner, faults: Arc::new(faults), batch_api: true, state: Arc::default() }
    }
    /// An instance that refuses the Batch API, as an older release or an ACL does.
    pub fn without_batch_api(mut self) -> Self {
        self.batch_api = false;
        self
    }
    /// The instance behind the stand-in.
    pub fn inner(&self) -> &I {
        &self.inner
    }
    /// The requests a fault hit.
    pub fn hit(&self) -> Vec<Seen> {
        self.state.hit.lock().unwrap().clone()
    }
    /// The fault for the request `seen` (`request`, when it is not a batch), counting it.
    fn fault_for(&self, seen: &Seen, request: Option<&Request>) -> Option<Fault> {
        let n = self.state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let w = if seen.write { self.state.writes.fetch_add(1, Ordering::SeqCst) + 1 } else { 0 };
        let r = if seen.write {
            0
        } else {
            let mut reads = self.state.reads.lock().unwrap();
            let r = reads.entry(seen.table.clone()).or_insert(0);
            *r += 1;
            *r
        };
        let fault = self.faults.iter().enumerate().find_map(|(i, (at, f))| {
            let here = match *at {
                At::Request(k) => k == n,
                At::Write(k) => seen.write && k == w,
                At::Read(table, k) => !seen.write && seen.table == table && k == r,
                At::Matching(picks, k) => {
                    request.is_some_and(picks) && {
                        let mut matched = self.state.matched.lock().unwrap();
                        let m = matched.entry(i).or_insert(0);
                        *m += 1;
                        *m == k
                    }
                }
            };
            here.then(|| f.clone())
        })?;
        self.state.hit.lock().unwrap().push(seen.clone());
        Some(fault)
    }
    fn lost(&self) -> SnError {
        SnError::Unreachable {
            url: self.inner.instance().to_string(),
            reason: "connection closed before the message completed".into(),
        }
    }
}

impl<I: Instance> Instance for Faulty<I> {
    fn instance(&self) -> &InstanceUrl {
        self.inner.instance()
    }
    fn user(&self) -> &str {
        self.inner.user()
    }
    fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>> {
        Box::pin(async move {
            match self.fault_for(&Seen::of(request), Some(request)) {
                None => self.inner.send(request).await,
                Some(Fault::Answers(a)) => a.meaning(self.instance(), self.user(), request),
                Some(Fault::ServesOnly(_)) => panic!("ServesOnly is for a Batch API call, not {}", request.table),
                Some(Fault::Lost) => {
                    let _ = self.inner.send(request).await;
                    Err(self.lost())
                }
            }
        })
    }
    fn batch<'a>(&'a self, requests: &'a [Request]) -> BoxFuture<'a, Result<Vec<Served>, BatchError>> {
        Box::pin(async move {
            if !self.batch_api {
                let refusal = Answer::json(
                    reqwest::StatusCode::BAD_REQUEST,
                    &json!({"error": {"message": "Requested URI does not represent any resource"}}),
                );
                return Err(refusal.batch_meaning(self.instance(), self.user()).expect_err("a 400 is a refusal"));
            }
            match self.fault_for(&Seen::batch(requests.len()), None) {
                None => self.inner.batch(requests).await,
                Some(Fault::Answers(a)) => {
                    Err(a.batch_meaning(self.instance(), self.user()).expect_err("the fault is an error"))
                }
                Some(Fault::Lost) => {
                    let _ = self.inner.batch(requests).await;
                    Err(BatchError::Failed(self.lost()))
                }
                Some(Fault::ServesOnly(k)) => {
                    let k = k.min(requests.len());
                    let mut served = if k == 0 { Vec::new() } else { self.inner.batch(&requests[..k]).await? };
                    served.extend((k..requests.len()).map(|_| Served::Unserviced));
                    Ok(served)
                }
            }
        })
    }
    fn without_deadline(&self) -> Box<dyn Instance + '_> {
        Box::new(Faulty {
            inner: self.inner.without_deadline(),
            faults: self.faults.clone(),
            batch_api: self.batch_api,
            state: self.state.clone(),
        })
    }
}

/// One request as the recorder logged it, with the round trip it went out in: 1 + the
/// highest round of the requests that had come back before it was sent. Requests sent
/// together share a round; one that waits for another's answer is in a later one.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seen: Seen,
    pub round: usize,
}

#[derive(Default)]
struct Log {
    entries: Mutex<Vec<Logged>>,
    /// The highest round of the requests answered so far.
    answered: AtomicUsize,
}

/// The sandbox, with every request logged.
pub struct Recorder<I> {
    inner: I,
    log: Arc<Log>,
}

impl<I: Instance> Recorder<I> {
    pub fn new(inner: I) -> Self {
        Recorder { inner, log: Arc::default() }
    }
    /// Everything logged so far; the log starts again empty.
    pub fn take(&self) -> Vec<Logged> {
        self.log.answered.store(0, Ordering::SeqCst);
        std::mem::take(&mut *self.log.entries.lock().unwrap())
    }
    async fn logged<T>(&self, seen: Seen, answer: impl std::future::Future<Output = T>) -> T {
        let round = self.log.answered.load(Ordering::SeqCst) + 1;
        self.log.entries.lock().unwrap().push(Logged { seen, round });
        // Requests started together are all logged before any answer is taken, however
        // fast the instance is.
        tokio::task::yield_now().await;
        let out = answer.await;
        self.log.answered.fetch_max(round, Ordering::SeqCst);
        out
    }
}

impl<I: Instance> Instance for Recorder<I> {
    fn instance(&self) -> &InstanceUrl {
        self.inner.instance()
    }
    fn user(&self) -> &str {
        self.inner.user()
    }
    fn send<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<Option<Value>, SnError>> {
        Box::pin(self.logged(Seen::of(request), self.inner.send(request)))
    }
    fn batch<'a>(&'a self, requests: &'a [Request]) -> BoxFuture<'a, Result<Vec<Served>, BatchError>> {
        Box::pin(self.logged(Seen::batch(requests.len()), self.inner.batch(requests)))
    }
    fn without_deadline(&self) -> Box<dyn Instance + '_> {
        Box::new(Recorder { inner: self.inner.without_deadline(), log: self.log.clone() })
    }
}

/// Requests per table (a batch counted as "batch"), sorted by table.
pub fn per_table(log: &[Logged]) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for l in log {
        *m.entry(l.seen.table.clone()).or_insert(0) += 1;
    }
    m
}

/// The round trips a log took: its highest round.
pub fn rounds(log: &[Logged]) -> usize {
    log.iter().map(|l| l.round).max().unwrap_or(0)
}
