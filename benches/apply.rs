//! Round trips and wall time of a full apply and a no-op apply against the sandbox with
//! 100 ms of latency added to every request. Run: `cargo bench --bench apply`.

use calsync::plan::{self, apply::apply};
use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::Client;
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Instant;

const LATENCY_MS: u64 = 100;
const RUNS: usize = 5;

async fn once(sb: &Sandbox, text: &str) -> (u64, f64, usize) {
    let url = InstanceUrl::parse(sb.url()).unwrap();
    let client = Client::new(url, seed::ADMIN_USER, SecretString::from(seed::ADMIN_PASSWORD)).unwrap();
    let p = plan::parse("plan.toml", text).unwrap();
    let started = Instant::now();
    let st = plan::read_state(&client, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    let changes = d.summary().create + d.summary().update;
    let r = apply(&client, &d, &st, |_| {}).await;
    assert!(!r.failed());
    (client.requests_sent(), started.elapsed().as_secs_f64() * 1000.0, changes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/personal-own-alias.toml")).unwrap();
    let (mut full_ms, mut noop_ms) = (vec![], vec![]);
    let (mut full_rt, mut noop_rt, mut changes) = (0, 0, 0);
    for _ in 0..RUNS {
        let sb = Sandbox::start(sandbox::Options::default()).await.unwrap();
        sb.set_latency_ms(LATENCY_MS);
        let (rt, ms, ch) = once(&sb, &text).await;
        full_ms.push(ms);
        full_rt = rt;
        changes = ch;
        let (rt, ms, _) = once(&sb, &text).await;
        noop_ms.push(ms);
        noop_rt = rt;
        sb.stop().await;
    }
    println!("apply of examples/personal-own-alias.toml, sandbox latency {LATENCY_MS} ms, median of {RUNS} runs");
    println!("| apply | records written | HTTP requests | wall time | in round trips |");
    println!("|---|---|---|---|---|");
    let f = median(full_ms);
    let n = median(noop_ms);
    println!("| full (fresh instance) | {changes} | {full_rt} | {f:.0} ms | {:.1} |", f / LATENCY_MS as f64);
    println!("| no-op (second run) | 0 | {noop_rt} | {n:.0} ms | {:.1} |", n / LATENCY_MS as f64);
}
