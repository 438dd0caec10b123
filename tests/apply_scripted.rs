//! Apply with a chosen request answered by a stand-in (`common::instance::Faulty` in front
//! of the sandbox): a refused login, a rate limit or an error page that outlasted the
//! retries, the instance's sign-in or hibernation page, or an answer lost after the
//! instance did the work, at each write of a batched apply and of one that goes one record
//! per request. After each: the failure is reported and typed (exit 3 or 1), the current
//! application is put back unless the fault hit that very request, the journal is kept
//! exactly when it was not, and a plain rerun converges with every record exactly once.
//! Also: a lost switch whose restore is refused, finished from the journal; a batch the
//! instance cuts short; a state directory that cannot be written, which stops the apply
//! before its first request.

mod common;

use calsync::plan::{self, apply::Report, journal};
use calsync::snow::Instance;
use common::instance::{At, Fault, Faulty, Recorder};
use common::*;

const RECORDS: [(&str, &str); 4] = [
    ("sys_alias", "Contoso_Graph_Personal"),
    ("oauth_2_0_credentials", "Contoso Graph Personal"),
    ("http_connection", "Contoso Graph Personal"),
    ("sn_wsd_rsvsync_provider", "Contoso Graph Personal"),
];

/// What `calsync apply --yes` runs: read, diff, and the journaled apply; with nothing to
/// change, the picker put back when an interrupted run left it switched.
async fn apply_like_the_cli(dir: &std::path::Path, c: &dyn Instance) -> Report {
    let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(c, &p).await.expect("state reads");
    let d = plan::diff(&p, &st);
    let j = journal::Journal::for_login(dir, &c.instance().to_string(), c.user());
    if !d.has_changes() {
        if let Some(prior) = j.load() {
            plan::apply::restore_current_app(c, &st, &prior).await.expect("picker put back");
            j.clear();
        }
        return Report::default();
    }
    journal::apply_journaled(dir, c, &d, &st, |_| {}).await.expect("journal kept")
}

fn converged(sb: &calsync::sandbox::Sandbox, label: &str) {
    for (table, name) in RECORDS {
        assert_eq!(count(sb, table, "name", name), 1, "{label}: {table} \"{name}\" exactly once");
    }
    assert_eq!(count(sb, "sys_user_preference", "name", "apps.current_app"), 0, "{label}: the picker put back");
    let mode = row(sb, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode").unwrap();
    assert_eq!(mode["value"], "Personal", "{label}");
}

/// Each fault, and whether it is an access problem (exit 3) rather than a failed write (1).
fn faults() -> Vec<(&'static str, Fault, bool)> {
    vec![
        ("a refused login", Fault::unauthorized(), true),
        ("a rate limit past the retries", Fault::rate_limited(), false),
        ("a 503 page past the retries", Fault::unavailable_page(), false),
        ("the sign-in page", Fault::sign_in_page(), true),
        ("the hibernation page", Fault::hibernating(), true),
        ("a lost answer", Fault::Lost, true),
    ]
}

/// The writes of a full apply of the example plan, as the instance gets them.
async fn writes_of_a_full_apply(batch_api: bool) -> Vec<String> {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    // The recorder behind the stand-in: it logs what reaches the instance.
    let faulty = Faulty::new(Recorder::new(client(&sb)), vec![]);
    let faulty = if batch_api { faulty } else { faulty.without_batch_api() };
    let r = apply_like_the_cli(dir.path(), &faulty).await;
    assert!(!r.failed() && r.restore_error.is_none(), "{r:?}");
    faulty.inner().take().into_iter().filter(|l| l.seen.write).map(|l| l.seen.what).collect()
}

async fn matrix(batch_api: bool) {
    let writes = writes_of_a_full_apply(batch_api).await;
    let expected: &[&str] = if batch_api {
        &["POST sys_user_preference", "BATCH 6", "DELETE sys_user_preference"]
    } else {
        &[
            "POST sys_user_preference",
            "POST sys_alias",
            "POST oauth_2_0_credentials",
            "POST http_connection",
            "POST sn_wsd_rsvsync_provider",
            "PATCH sn_wsd_rsvsync_provider",
            "PATCH sys_properties",
            "DELETE sys_user_preference",
        ]
    };
    assert_eq!(writes, expected, "the writes of a full apply");
    for k in 1..=writes.len() {
        for (what, fault, access) in faults() {
            let label = format!("{what} at write {k} ({})", writes[k - 1]);
            let sb = sandbox().await;
            let dir = tempfile::tempdir().unwrap();
            let faulty = Faulty::new(client(&sb), vec![(At::Write(k), fault)]);
            let faulty = if batch_api { faulty } else { faulty.without_batch_api() };

            let first = apply_like_the_cli(dir.path(), &faulty).await;
            let hit = faulty.hit();
            assert_eq!(hit.len(), 1, "{label}: the fault was met once");
            let hit_the_restore = hit[0].what == "DELETE sys_user_preference";
            assert!(first.failed() || first.restore_error.is_some(), "{label}: reported: {first:?}");
            assert_eq!(first.access_problem(), access, "{label}: typed up to the exit code: {first:?}");
            let journal = journal::Journal::for_login(dir.path(), &faulty.instance().to_string(), faulty.user());
            if hit_the_restore {
                assert!(first.restore_error.is_some(), "{label}: the restore's failure is said");
                assert!(journal.load().is_some(), "{label}: the journal is kept for the next run");
            } else {
                assert!(first.restore_error.is_none(), "{label}: the restore ran: {first:?}");
                let prefs = count(&sb, "sys_user_preference", "name", "apps.current_app");
                assert_eq!(prefs, 0, "{label}: the picker was put back after the failure");
                assert!(journal.load().is_none(), "{label}: the journal is cleared once the picker is back");
            }

            // The cause goes away; a plain rerun finishes the work.
            let c = client(&sb);
            let second = apply_like_the_cli(dir.path(), &c).await;
            assert!(!second.failed() && second.restore_error.is_none(), "{label}: rerun: {second:?}");
            converged(&sb, &label);
            assert!(journal.load().is_none(), "{label}: no journal after the rerun");
            let before = sb.writes();
            let third = apply_like_the_cli(dir.path(), &c).await;
            assert!(third.outcomes.is_empty(), "{label}: {third:?}");
            assert_eq!(sb.writes(), before, "{label}: the third run writes nothing");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_every_write_of_a_batched_apply_then_a_rerun_converges() {
    matrix(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_every_write_of_a_one_by_one_apply_then_a_rerun_converges() {
    matrix(false).await;
}

/// The switch ran but its answer was lost, and the look-up the restore makes before putting
/// anything back is refused: the picker stays switched, and only the journal knows it was
/// calsync's doing. The next run, through the journal, deletes the preference calsync made
/// instead of taking the switched value for the admin's own.
#[tokio::test(flavor = "multi_thread")]
async fn an_uncertain_switch_whose_restore_is_refused_is_finished_by_the_next_run_from_the_journal() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    // The first write is the switch; the second read of the preferences the restore's
    // look-up (the first is the diff's).
    let faults = vec![(At::Write(1), Fault::Lost), (At::Read("sys_user_preference", 2), Fault::unauthorized())];
    let faulty = Faulty::new(client(&sb), faults);
    let first = apply_like_the_cli(dir.path(), &faulty).await;
    let hit: Vec<String> = faulty.hit().into_iter().map(|s| s.what).collect();
    assert_eq!(hit, ["POST sys_user_preference", "GET sys_user_preference"]);
    assert!(first.failed(), "{first:?}");
    assert!(first.outcomes.iter().all(|o| !o.status.is_done()), "nothing written: {first:?}");
    let restore = first.restore_error.as_ref().expect("the restore's failure is said");
    assert!(restore.is_access_problem(), "a refused login: exit 3");
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 1, "the picker is left switched");
    let journal = journal::Journal::for_login(dir.path(), &faulty.instance().to_string(), faulty.user());
    assert_eq!(journal.load(), Some(plan::apply::Prior { original: None }), "the journal says there was no picker");

    let second = apply_like_the_cli(dir.path(), &client(&sb)).await;
    assert!(!second.failed() && second.restore_error.is_none(), "{second:?}");
    converged(&sb, "after the journaled rerun");
    assert!(journal.load().is_none());
}

/// A batch the instance stops partway (a size or time limit): the items it ran are done,
/// the rest are reported as left out (exit 1, not 3), the picker is put back, and the rerun
/// writes what was left out, each record exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_cut_short_by_the_instance_is_finished_by_the_rerun() {
    // The example plan writes six records: alias, credential, connection, its provider, the
    // general provider retired, and the mode property.
    const ITEMS: usize = 6;
    for served in 0..ITEMS {
        let label = format!("{served} of {ITEMS} items served");
        let sb = sandbox().await;
        let dir = tempfile::tempdir().unwrap();
        let faulty = Faulty::new(client(&sb), vec![(At::Write(2), Fault::ServesOnly(served))]);
        let first = apply_like_the_cli(dir.path(), &faulty).await;
        assert_eq!(faulty.hit().len(), 1, "{label}: the batch was the second write");
        let statuses: Vec<String> = first.outcomes.iter().map(|o| format!("{:?}", o.status)).collect();
        let done = first.outcomes.iter().filter(|o| o.status.is_done()).count();
        assert_eq!(done, served, "{label}: {statuses:?}");
        let left_out = first
            .outcomes
            .iter()
            .filter(|o| matches!(o.status, plan::apply::Status::Failed(plan::apply::WriteError::Unserviced)))
            .count();
        assert_eq!(left_out, ITEMS - served, "{label}: {statuses:?}");
        assert!(!first.access_problem() && first.restore_error.is_none(), "{label}: {first:?}");
        assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "{label}: picker put back");

        let second = apply_like_the_cli(dir.path(), &client(&sb)).await;
        assert!(!second.failed(), "{label}: {second:?}");
        converged(&sb, &label);
    }
}

/// A state directory calsync cannot write: the journal cannot be kept, so the apply sends
/// nothing at all, not even the switch, and says which directory and why.
#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_state_directory_stops_the_apply_before_any_request() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"").unwrap();
    let state_dir = file.join("state");
    let rec = Recorder::new(client(&sb));
    let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&rec, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    assert!(d.has_changes());
    rec.take();
    let e = journal::apply_journaled(&state_dir, &rec, &d, &st, |_| {}).await.expect_err("no journal, no apply");
    assert!(rec.take().is_empty(), "nothing was sent");
    let text = e.to_string();
    assert!(text.contains(&state_dir.display().to_string()) && text.contains("nothing was written"), "{text}");
    assert_eq!(count(&sb, "sys_alias", "name", "Contoso_Graph_Personal"), 0);
}
