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

const LATENCY_MS: u64 = 100;
const RUNS: usize = 3;
const SIZES: [usize; 3] = [1, 10, 50];

/// The two rooms of mailbox `i`: (location, room mailbox).
fn rooms(i: usize) -> [(String, String); 2] {
    ["a", "b"].map(|r| (format!("Room {i:02}{r}"), format!("room-{i:02}{r}@contoso.com")))
}

/// The rooms' locations, as Workplace Service Delivery has them before calsync runs.
fn add_spaces(sb: &Sandbox, n: usize) {
    sb.with_store(|s| {
        for i in 0..n {
            for (name, email) in rooms(i) {
                s.rows.push(std::collections::BTreeMap::from([
                    ("sys_id".to_string(), sandbox::store::new_sys_id()),
                    ("sys_class_name".to_string(), calsync::facts::SPACE_TABLE.to_string()),
                    ("name".to_string(), name),
                    (calsync::facts::SPACE_EMAIL_COLUMN.to_string(), email),
                ]));
            }
        }
    });
}

/// A personal-mode plan with `n` delegated mailboxes and two rooms each.
fn mailboxes(n: usize) -> String {
    let mut t = String::from("mode = \"personal\"\n");
    for i in 0..n {
        for (location, email) in rooms(i) {
            t += &format!("[[room]]\nlocation = \"{location}\"\nemail = \"{email}\"\nprovider = \"Rooms {i:02}\"\n\n");
        }
        t += &format!(
            "[[alias]]\nname = \"Rooms_{i:02}\"\n\n\
             [[credential]]\nname = \"Rooms {i:02}\"\nprofile = \"Microsoft Exchange Online_personalAuth default profile\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n\
             [[connection]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ncredential = \"Rooms {i:02}\"\n\n\
             [[provider]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n"
        );
    }
    t
}

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
