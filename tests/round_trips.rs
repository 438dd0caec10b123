//! How many requests the reads and applies send, and in how many round trips, counted by
//! a recorder in front of the sandbox (`common::instance::Recorder`): a request sent before
//! any answer came back is in round 1; one sent after answers of round n came back is in
//! round n + 1. The README's request and round-trip figures (`cargo bench --bench apply`,
//! `--bench doctor`) rest on these counts; the benchmarks time them, these tests pin them.

mod common;

use calsync::plan::{self, apply::apply_one_by_one, batched::apply_batched};
use calsync::sandbox::Sandbox;
use common::instance::{Faulty, Logged, Recorder, per_table, rounds};
use common::mailboxes::{add_spaces, mailboxes};
use common::*;

fn tables(log: &[Logged]) -> Vec<(String, usize)> {
    per_table(log).into_iter().collect()
}

/// (requests, round trips, writes) of one apply as `calsync apply` runs it: read, diff, write.
async fn apply_counted(sb: &Sandbox, n: usize, batch_api: bool) -> (usize, usize, usize, Vec<Logged>) {
    let faulty = Faulty::new(Recorder::new(client(sb)), vec![]);
    let faulty = if batch_api { faulty } else { faulty.without_batch_api() };
    let p = plan::parse("plan.toml", &mailboxes(n)).unwrap();
    let st = plan::read_state(&faulty, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    let r = if batch_api {
        apply_batched(&faulty, &d, &st, None, |_| {}).await
    } else {
        apply_one_by_one(&faulty, &d, &st, None, |_| {}).await
    };
    assert!(!r.failed(), "{r:?}");
    let log = faulty.inner().take();
    let writes = log.iter().filter(|l| l.seen.write).count();
    (log.len(), rounds(&log), writes, log)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_reads_the_whole_setup_in_one_round() {
    let sb = sandbox().await;
    let rec = Recorder::new(client(&sb));
    let snapshot = calsync::doctor::read::read(&rec).await.unwrap();
    assert!(snapshot.user_found);
    let log = rec.take();
    assert!(log.iter().all(|l| !l.seen.write), "the doctor's read only reads");
    assert_eq!(rounds(&log), 1, "one concurrent round: {log:?}");
    // One read per table, the data dictionary (sys_dictionary, sys_choice), the spoke's
    // data source, the connection attributes included; the role holders twice (admin, and
    // the WCS admin role).
    let expected: Vec<(String, usize)> = [
        ("http_connection", 1),
        ("oauth_2_0_credentials", 1),
        ("oauth_credential", 1),
        ("oauth_entity", 1),
        ("oauth_entity_profile", 1),
        ("oauth_entity_profile_scope", 1),
        ("oauth_entity_scope", 1),
        ("oauth_requestor_profile", 1),
        ("sn_wsd_rsvsync_provider", 1),
        ("sys_alias", 1),
        ("sys_choice", 1),
        ("sys_connection_attribute", 1),
        ("sys_data_source", 1),
        ("sys_dictionary", 1),
        ("sys_properties", 1),
        ("sys_retry_policy", 1),
        ("sys_scope", 1),
        ("sys_user", 1),
        ("sys_user_has_role", 2),
        ("sys_user_preference", 1),
    ]
    .into_iter()
    .map(|(t, n)| (t.to_string(), n))
    .collect();
    assert_eq!(tables(&log), expected);
    assert_eq!(log.len(), 21);
}

/// `doctor::examine`, what `calsync doctor` runs, on the benchmark's instance with one
/// mailbox's rooms applied: the setup and the rooms' records in one round, the rooms'
/// locations in a second (they are looked up by the configurations found); nothing else
/// goes to the instance (the account check reads the keyring, here an empty one).
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_takes_two_rounds_with_rooms_and_one_without() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = services(dir.path(), Person::Leaves);
    let rec = Recorder::new(client(&sb));
    calsync::doctor::examine(&services, &rec, "sandbox", Some(sb.url())).await.unwrap();
    let log = rec.take();
    assert_eq!((log.len(), rounds(&log)), (26, 1), "{:?}", tables(&log));

    add_spaces(&sb, 1);
    apply_counted(&sb, 1, true).await;
    calsync::doctor::examine(&services, &rec, "sandbox", Some(sb.url())).await.unwrap();
    let log = rec.take();
    let second: Vec<&str> = log.iter().filter(|l| l.round == 2).map(|l| l.seen.what.as_str()).collect();
    assert_eq!((log.len(), rounds(&log)), (27, 2), "{:?}", tables(&log));
    assert_eq!(second, ["GET sn_wsd_core_space"], "only the locations wait for the first round");
}

/// The rows of the README's apply table at 1 and 10 mailboxes: requests and round trips of
/// a full apply (one request per record, and batched), and of a no-op apply.
#[tokio::test(flavor = "multi_thread")]
async fn apply_requests_and_round_trips_as_the_readme_gives_them() {
    for (n, per_record, written) in [(1, 29, 7), (10, 83, 61)] {
        let sb = sandbox().await;
        add_spaces(&sb, n);
        let (requests, trips, writes, log) = apply_counted(&sb, n, false).await;
        assert_eq!(requests, per_record, "{n} mailboxes, one request per record: {:?}", tables(&log));
        // The read, then each write waits for the one before: the switch, the records, the restore.
        assert_eq!(writes, written + 2, "{n}: the switch, {written} records, the restore");
        assert_eq!(trips, 1 + writes, "{n} mailboxes, one request per record");
        let (requests, trips, _, log) = apply_counted(&sb, n, true).await;
        assert_eq!(
            (requests, trips),
            (20, 1),
            "{n} mailboxes, a no-op apply is one round of reads: {:?}",
            tables(&log)
        );

        let sb = sandbox().await;
        add_spaces(&sb, n);
        let (requests, trips, writes, log) = apply_counted(&sb, n, true).await;
        assert_eq!(
            (requests, trips, writes),
            (23, 4, 3),
            "{n} mailboxes, batched: the read, switch, batch, restore: {:?}",
            tables(&log)
        );
    }
}
