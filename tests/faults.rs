//! The fault matrix for apply: a write whose answer is cut off (a dropped connection, or a
//! client killed right after the instance did the work) at every write of a full apply,
//! an expired password and a hibernating instance halfway through. After each, a plain
//! rerun must converge: every record exactly once, the current application put back.

mod common;

use calsync::plan::{self, journal};
use common::*;

const RECORDS: [(&str, &str); 4] = [
    ("sys_alias", "Contoso_Graph_Personal"),
    ("oauth_2_0_credentials", "Contoso Graph Personal"),
    ("http_connection", "Contoso Graph Personal"),
    ("sn_wsd_rsvsync_provider", "Contoso Graph Personal"),
];

async fn apply_once(dir: &std::path::Path, c: &calsync::snow::Client) -> Result<calsync::plan::apply::Report, String> {
    let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(c, &p).await.map_err(|e| e.to_string())?;
    let d = plan::diff(&p, &st);
    if !d.has_changes() {
        // What a rerun does when the writes all landed: put the picker back if a run was cut.
        let j = journal::Journal::for_login(dir, &c.instance().to_string(), c.user());
        if let Some(prior) = j.load() {
            plan::apply::restore_current_app(c, &st, &prior).await.map_err(|e| e.to_string())?;
            j.clear();
        }
        return Ok(calsync::plan::apply::Report::default());
    }
    journal::apply_journaled(dir, c, &d, &st, |_| {}).await.map_err(|e| e.to_string())
}

fn converged(sb: &calsync::sandbox::Sandbox, label: &str) {
    for (table, name) in RECORDS {
        assert_eq!(count(sb, table, "name", name), 1, "{label}: {table} {name} exactly once");
    }
    assert_eq!(count(sb, "sys_user_preference", "name", "apps.current_app"), 0, "{label}: the picker put back");
    assert_eq!(
        row(sb, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode").unwrap()["value"],
        "Personal",
        "{label}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_cut_at_every_write_then_a_rerun_converges() {
    let dir = tempfile::tempdir().unwrap();
    // A full apply: picker switch, alias, credential, connection, provider, property, restore.
    let total = {
        let sb = sandbox().await;
        apply_once(dir.path(), &client(&sb)).await.unwrap();
        sb.writes()
    };
    assert!(total >= 7, "{total} writes in a full apply");
    for k in 1..=total {
        let sb = sandbox().await;
        let c = client(&sb);
        sb.cut_write(k);
        let first = apply_once(dir.path(), &c).await;
        let cut_noticed = match &first {
            Err(_) => true,
            Ok(r) => r.failed() || r.restore_error.is_some(),
        };
        assert!(cut_noticed, "write {k}: a cut answer is reported, not taken for success");
        sb.cut_write(0);
        let second = apply_once(dir.path(), &c).await.unwrap_or_else(|e| panic!("write {k}: rerun failed: {e}"));
        assert!(!second.failed(), "write {k}: {second:?}");
        converged(&sb, &format!("cut at write {k} of {total}"));
        // And a third run has nothing to do.
        let before = sb.writes();
        apply_once(dir.path(), &c).await.unwrap();
        assert_eq!(sb.writes(), before, "write {k}: the third run writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_password_or_hibernation_halfway_then_a_rerun_converges() {
    for fault in ["password", "hibernation"] {
        let sb = sandbox().await;
        let c = client(&sb);
        let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
        let st = plan::read_state(&c, &p).await.unwrap();
        let d = plan::diff(&p, &st);
        let mut writes = 0;
        let sbr = &sb;
        // One request per record, so the fault lands between two writes.
        let report = plan::apply::apply_one_by_one(&c, &d, &st, None, |ev| {
            if let plan::apply::Progress::Written(_) = ev {
                writes += 1;
                if writes == 2 {
                    match fault {
                        "password" => sbr.set_password("admin", "changed-by-someone"),
                        _ => sbr.set_hibernating(true),
                    }
                }
            }
        })
        .await;
        assert!(report.failed(), "{fault}: the apply stops");
        let msg = report.first_failure().map(ToString::to_string).unwrap_or_default();
        assert!(msg.contains(if fault == "password" { "refused the login" } else { "hibernating" }), "{fault}: {msg}");
        assert!(report.access_problem(), "{fault}: an access problem, typed up to the exit code");
        assert!(report.restore_error.is_some(), "{fault}: the picker could not be put back, and that is said");
        // The admin fixes the cause and runs again.
        sb.set_password("admin", calsync::sandbox::seed::ADMIN_PASSWORD);
        sb.set_hibernating(false);
        let st = plan::read_state(&c, &p).await.unwrap();
        let prior = plan::apply::Prior { original: None };
        let r = plan::apply::apply_resuming(&c, &plan::diff(&p, &st), &st, Some(&prior), |_| {}).await;
        assert!(!r.failed(), "{fault}: {r:?}");
        converged(&sb, fault);
    }
}

/// `calsync apply` whose login is refused halfway (the password changed under it) exits 3,
/// the code for a refused login, not 1.
#[tokio::test(flavor = "multi_thread")]
async fn a_login_refused_halfway_through_an_apply_exits_3() {
    let sb = sandbox().await;
    sb.set_latency_ms(150);
    let dir = tempfile::tempdir().unwrap();
    let plan = format!("{}/examples/personal-own-alias.toml", env!("CARGO_MANIFEST_DIR"));
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["apply", "--instance", sb.url(), "--user", "admin", "--yes", "--plan", &plan])
        .env("CALSYNC_PASSWORD", calsync::sandbox::seed::ADMIN_PASSWORD)
        .env("CALSYNC_STATE_DIR", dir.path())
        .env_remove("CALSYNC_INSTANCE")
        .env_remove("CALSYNC_USER")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while sb.writes() < 2 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the apply writes");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    sb.set_password("admin", "changed-by-someone");
    let out = child.wait_with_output().await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("refused the login"), "{text}");
    assert_eq!(out.status.code(), Some(3), "{text}");
}

/// The doctor only reads, through the same client: 429 storms and 503s are retried, a
/// hibernating instance is named, and a refused login exits 3 without showing the password.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_under_faults() {
    let sb = sandbox().await;
    let c = client(&sb);
    // Every 4th answer a 429 (Retry-After 1 s), every 7th a 503, over 16 concurrent reads.
    sb.set_rate_limit(4, 1);
    sb.set_unavailable_every(7);
    sb.set_latency_ms(20);
    let snap = calsync::doctor::read::read(&c).await.expect("reads retried through 429 and 503");
    assert!(calsync::doctor::checks::run(&snap).is_empty(), "the healthy seed, read through the faults");
    sb.set_rate_limit(0, 0);
    sb.set_unavailable_every(0);
    sb.set_hibernating(true);
    let e = calsync::doctor::read::read(&c).await.unwrap_err();
    assert!(e.to_string().contains("hibernating"), "{e}");
    sb.set_hibernating(false);

    let secret = "Doctor-Pw-5b1e-never-print";
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["doctor", "--instance", sb.url(), "--user", "admin", "--json"])
        .env("CALSYNC_PASSWORD", secret)
        .env_remove("CALSYNC_INSTANCE")
        .env_remove("CALSYNC_USER")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("refused the login") && !text.contains(secret), "{text}");
}

/// A batched apply (`plan::batched`) whose answer is cut at any of its writes: the picker
/// switch, any item of the batch (the whole batch's answer is lost, after every item ran),
/// or the restore. The rerun, told what the picker was before (as the journal tells it),
/// converges with every record exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn a_batched_apply_cut_at_every_write_then_a_rerun_converges() {
    async fn batched_once(
        c: &calsync::snow::Client,
        prior: &mut Option<calsync::plan::apply::Prior>,
    ) -> calsync::plan::apply::Report {
        let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
        let st = plan::read_state(c, &p).await.expect("state reads");
        let d = plan::diff(&p, &st);
        let record = prior.clone().unwrap_or_else(|| calsync::plan::apply::Prior::from_state(&st));
        if !d.has_changes() {
            if prior.is_some() {
                plan::apply::restore_current_app(c, &st, &record).await.expect("picker put back");
                *prior = None;
            }
            return calsync::plan::apply::Report::default();
        }
        let r = plan::batched::apply_batched(c, &d, &st, prior.as_ref(), |_| {}).await;
        *prior = if r.restore_error.is_some() { Some(record) } else { None };
        r
    }
    let total = {
        let sb = sandbox().await;
        let r = batched_once(&client(&sb), &mut None).await;
        assert!(!r.failed(), "{r:?}");
        assert_eq!(sb.batches(), 1);
        sb.writes()
    };
    assert_eq!(total, 8, "switch, six writes in one batch, restore");
    for k in 1..=total {
        let sb = sandbox().await;
        let c = client(&sb);
        let mut prior = None;
        sb.cut_write(k);
        let first = batched_once(&c, &mut prior).await;
        assert!(first.failed() || first.restore_error.is_some(), "write {k}: the cut is reported: {first:?}");
        sb.cut_write(0);
        let second = batched_once(&c, &mut prior).await;
        assert!(!second.failed() && second.restore_error.is_none(), "write {k}: {second:?}");
        converged(&sb, &format!("batched, cut at write {k} of {total}"));
        let before = sb.writes();
        batched_once(&c, &mut prior).await;
        assert_eq!(sb.writes(), before, "write {k}: the third run writes nothing");
    }
}
