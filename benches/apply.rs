//! Requests, wall time and round trips of a full apply (one request per record, and
//! batched through the Batch API), a no-op apply and the doctor, against the sandbox with
//! 100 ms added to every HTTP request, at 1, 10 and 50 delegated mailboxes (each with its
//! own alias, credential, connection, calendar provider and two rooms). Run:
//! `cargo bench --bench apply`.
//!
//! A full apply and a no-op apply are what `calsync apply` runs: read the instance, diff,
//! write. The doctor is `doctor::examine`, what `calsync doctor` runs.

use calsync::plan::{self, apply::apply_one_by_one, batched::apply_batched};
use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::Client;
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Instant;

#[path = "../tests/common/mailboxes.rs"]
mod mailboxes;
use mailboxes::{add_spaces, mailboxes};

const LATENCY_MS: u64 = 100;
const RUNS: usize = 3;
const SIZES: [usize; 3] = [1, 10, 50];

fn client(sb: &Sandbox) -> Client {
    let url = InstanceUrl::parse(sb.url()).unwrap();
    Client::new(url, seed::ADMIN_USER, SecretString::from(seed::ADMIN_PASSWORD)).unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    PerRecord,
    Batched,
}

/// One apply as `calsync apply` runs it: (HTTP requests, wall ms, records written).
async fn apply_once(sb: &Sandbox, text: &str, way: Way) -> (u64, f64, usize) {
    let c = client(sb);
    let p = plan::parse("plan.toml", text).unwrap();
    let started = Instant::now();
    let st = plan::read_state(&c, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    let changes = d.summary().create + d.summary().update;
    let r = match way {
        Way::PerRecord => apply_one_by_one(&c, &d, &st, None, |_| {}).await,
        Way::Batched => apply_batched(&c, &d, &st, None, |_| {}).await,
    };
    assert!(!r.failed(), "{r:?}");
    (c.requests_sent(), started.elapsed().as_secs_f64() * 1000.0, changes)
}

async fn doctor_once(sb: &Sandbox) -> (u64, f64) {
    let c = client(sb);
    let started = Instant::now();
    // What `calsync doctor` runs with: the OS keyring, the system clock.
    let services = calsync::config::Services::system(calsync::config::Config::isolated(
        std::env::temp_dir().join("calsync-bench-apply"),
    ));
    let (_, report) = calsync::doctor::examine(&services, &c, sb.url(), Some(sb.url())).await.unwrap();
    std::hint::black_box(report);
    (c.requests_sent(), started.elapsed().as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

struct Row {
    what: String,
    written: usize,
    requests: u64,
    ms: Vec<f64>,
}

impl Row {
    fn print(&self, n: usize) {
        let ms = median(self.ms.clone());
        println!(
            "| {n} | {} | {} | {} | {ms:.0} ms | {:.1} |",
            self.what,
            self.written,
            self.requests,
            ms / LATENCY_MS as f64
        );
    }
}

#[tokio::main]
async fn main() {
    println!(
        "personal mode, n delegated mailboxes (alias, credential, connection, provider, two rooms each), sandbox latency {LATENCY_MS} ms per HTTP request, median of {RUNS} runs"
    );
    println!("| mailboxes | run | records written | HTTP requests | wall time | in round trips |");
    println!("|---|---|---|---|---|---|");
    for n in SIZES {
        let text = mailboxes(n);
        let new_row = |what: &str| Row { what: what.into(), written: 0, requests: 0, ms: vec![] };
        let mut rows = [
            new_row("full apply, one request per record"),
            new_row("full apply, batched"),
            new_row("no-op apply"),
            new_row("doctor"),
        ];
        for _ in 0..RUNS {
            for (i, way) in [Way::PerRecord, Way::Batched].into_iter().enumerate() {
                let sb = Sandbox::start(sandbox::Options::default()).await.unwrap();
                add_spaces(&sb, n);
                sb.set_latency_ms(LATENCY_MS);
                let (req, ms, written) = apply_once(&sb, &text, way).await;
                rows[i].requests = req;
                rows[i].written = written;
                rows[i].ms.push(ms);
                if way == Way::Batched {
                    let (req, ms, written) = apply_once(&sb, &text, way).await;
                    assert_eq!(written, 0);
                    rows[2].requests = req;
                    rows[2].ms.push(ms);
                    let (req, ms) = doctor_once(&sb).await;
                    rows[3].requests = req;
                    rows[3].ms.push(ms);
                }
                sb.stop().await;
            }
        }
        for r in &rows {
            r.print(n);
        }
    }
}
