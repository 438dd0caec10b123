//! Round trips and wall time of a full doctor against the sandbox with 100 ms added to
//! every request and 50 extra own aliases, credentials and connections. Run:
//! `cargo bench --bench doctor`.

use calsync::doctor::{checks, read};
use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::Client;
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Instant;

const LATENCY_MS: u64 = 100;
const EXTRA: usize = 50;

fn grow(sb: &Sandbox) {
    sb.with_store(|s| {
        let pick = |s: &sandbox::Store, table: &str, col: &str, v: &str| {
            s.first_where(table, col, v).unwrap()["sys_id"].clone()
        };
        let wcs = pick(s, "sys_scope", "scope", "sn_wsd_rsvsync");
        let parent = pick(s, "sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online");
        let profile = pick(s, "oauth_entity_profile", "name", "Microsoft Exchange Online_personalAuth default profile");
        let template = |table: &str, name: &str| s.first_where(table, "name", name).unwrap().clone();
        let (alias_t, cred_t, conn_t) = (
            template("sys_alias", "Microsoft_Exchange_Online_PersonalAuth"),
            template("oauth_2_0_credentials", "MS Graph 1"),
            template("http_connection", "MS Graph 1"),
        );
        for i in 0..EXTRA {
            let id = |k: u8| format!("{i:0>30}{k:02}");
            let mut a = alias_t.clone();
            a.insert("sys_id".into(), id(1));
            a.insert("name".into(), format!("Mailbox_{i}"));
            a.insert("id".into(), format!("sn_wsd_rsvsync.Mailbox_{i}"));
            a.insert("parent".into(), parent.clone());
            a.insert("sys_scope".into(), wcs.clone());
            let mut c = cred_t.clone();
            c.insert("sys_id".into(), id(2));
            c.insert("name".into(), format!("Mailbox {i}"));
            c.insert("oauth_entity_profile".into(), profile.clone());
            let mut n = conn_t.clone();
            n.insert("sys_id".into(), id(3));
            n.insert("name".into(), format!("Mailbox {i}"));
            n.insert("connection_alias".into(), id(1));
            n.insert("credential".into(), id(2));
            s.rows.extend([a, c, n]);
        }
    });
}

#[tokio::main]
async fn main() {
    let mut walls = vec![];
    let mut requests = 0;
    let mut findings = 0;
    for _ in 0..5 {
        let sb = Sandbox::start(sandbox::Options::default()).await.unwrap();
        grow(&sb);
        sb.set_latency_ms(LATENCY_MS);
        let client = Client::new(
            InstanceUrl::parse(sb.url()).unwrap(),
            seed::ADMIN_USER,
            SecretString::from(seed::ADMIN_PASSWORD),
        )
        .unwrap();
        let started = Instant::now();
        let snap = read::read(&client).await.unwrap();
        findings = checks::run(&snap).len();
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        requests = client.requests_sent();
        sb.stop().await;
    }
    walls.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let w = walls[walls.len() / 2];
    println!(
        "doctor on the sandbox with {EXTRA} extra aliases, credentials and connections, latency {LATENCY_MS} ms, median of 5"
    );
    println!("| records checked | HTTP requests | wall time | in round trips | findings |");
    println!("|---|---|---|---|---|");
    println!(
        "| {} connections, {} credentials | {requests} | {w:.0} ms | {:.1} | {findings} |",
        EXTRA + 2,
        EXTRA + 2,
        w / LATENCY_MS as f64
    );
}
