//! Applying a diff in a few round trips, whatever its size: every new record gets its
//! sys_id from calsync before anything is written (the instance keeps a caller-chosen
//! sys_id), so records that point at each other can go out together; the writes of each
//! application scope go as one Batch API call, with the current-application switch before
//! it and the restore after the last one as requests of their own. A personal-mode plan,
//! all in one scope, costs a switch, one batch and a restore, at one mailbox or fifty.
//!
//! Every item's answer is checked as a single write would be (the alias's generated ID and
//! scope included). An instance that refuses the Batch API gets one request per record
//! instead, and the report says so.

use super::apply::{CurrentApp, Outcome, Prior, Progress, Report, RestoreError, Status, WriteError, write_one};
use super::diff::{Action, Diff, InstanceState, Item, Kind, Val};
use crate::snow::Request;
use crate::snow::batch::{BatchError, Served};
use crate::snow::{Instance, SnError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A sys_id for a record calsync is about to create: 32 hexadecimal digits, random.
fn new_sys_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The writes of one scope, in the diff's order.
struct Group<'a> {
    scope: &'a str,
    items: Vec<&'a Item>,
}

fn groups(diff: &Diff) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for item in diff.items.iter().filter(|i| matches!(i.action, Action::Create | Action::Update)) {
        match out.last_mut() {
            Some(g) if g.scope == item.scope => g.items.push(item),
            _ => out.push(Group { scope: &item.scope, items: vec![item] }),
        }
    }
    out
}

fn outcome(client: &dyn Instance, item: &Item, sys_id: Option<String>, status: Status) -> Outcome {
    Outcome {
        kind: item.kind,
        name: item.name.clone(),
        action: item.action,
        link: sys_id.as_ref().map(|id| client.instance().form_link(&item.table, id)),
        sys_id,
        status,
    }
}

/// The body of one write, with references to records of this apply resolved to the
/// sys_ids chosen for them.
fn body(item: &Item, chosen: &HashMap<(Kind, String), String>) -> Result<Value, WriteError> {
    let mut body = super::apply::write_fields(item, chosen)?;
    if item.action == Action::Create
        && let Some(id) = chosen.get(&(item.kind, item.name.clone()))
    {
        body.insert("sys_id".into(), Value::String(id.clone()));
    }
    Ok(Value::Object(body))
}

/// What one item's answer means for the report.
fn check(
    client: &dyn Instance,
    item: &Item,
    chosen: Option<&String>,
    sent: Option<&Value>,
    served: Served,
) -> Result<String, WriteError> {
    let result = match served {
        Served::Done(Some(v)) => v,
        Served::Done(None) => return Err(WriteError::NoRecord),
        Served::Failed(e) => return Err(WriteError::Instance(Arc::new(e))),
        Served::Unserviced => return Err(WriteError::Unserviced),
    };
    if let Some(sent) = sent {
        super::verify::check(&item.table, sent, &result)?;
    }
    let text = |k: &str| result.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let sys_id = text("sys_id");
    if let Some(want) = chosen
        && *want != sys_id
    {
        return Err(WriteError::SysIdNotKept { got: sys_id, chosen: want.clone() });
    }
    if let Some(expect) = &item.expect_id {
        let scope = result.get("sys_scope").map(crate::snow::records::plain).unwrap_or_default();
        if text("id") != *expect || scope != item.scope {
            return Err(WriteError::AliasElsewhere {
                got: text("id"),
                expected: expect.clone(),
                link: client.instance().form_link(&item.table, &sys_id),
            });
        }
    }
    Ok(sys_id)
}

/// As `apply::apply_resuming`, in one batch per scope.
pub async fn apply_batched(
    client: &dyn Instance,
    diff: &Diff,
    st: &InstanceState,
    prior: Option<&Prior>,
    mut progress: impl FnMut(Progress),
) -> Report {
    let mut report = Report::default();
    if diff.has_conflicts() {
        return report;
    }
    let chosen: HashMap<(Kind, String), String> = diff
        .items
        .iter()
        .filter(|i| i.action == Action::Create)
        .map(|i| ((i.kind, i.name.clone()), new_sys_id()))
        .collect();
    let mut app = CurrentApp::new(st, prior);
    let mut stopped = false;
    let mut one_by_one = false;
    for group in groups(diff) {
        if stopped {
            for item in &group.items {
                report.outcomes.push(outcome(client, item, item.sys_id.clone(), Status::Skipped));
            }
            continue;
        }
        match app.switch(client, group.scope).await {
            Ok(true) => progress(Progress::Scope(group.scope)),
            Ok(false) => {}
            Err(e) => {
                let e = Arc::new(e);
                for item in &group.items {
                    let status = if stopped { Status::Skipped } else { Status::Failed(WriteError::Switch(e.clone())) };
                    report.outcomes.push(outcome(client, item, item.sys_id.clone(), status));
                    stopped = true;
                }
                continue;
            }
        }
        if one_by_one {
            stopped = write_singly(client, &group.items, &chosen, &mut report, &mut progress).await;
            continue;
        }
        match write_group(client, &group.items, &chosen, &mut report, &mut progress).await {
            GroupEnd::Written { failed } => stopped = failed,
            GroupEnd::Refused(e) => {
                report.notes.push(format!(
                    "The instance refused the Batch API ({e}); calsync wrote one record per request instead."
                ));
                one_by_one = true;
                stopped = write_singly(client, &group.items, &chosen, &mut report, &mut progress).await;
            }
        }
    }
    if let Err(e) = app.restore(client).await {
        report.restore_error = Some(RestoreError(Arc::new(e)));
    }
    report
}

enum GroupEnd {
    Written { failed: bool },
    Refused(SnError),
}

/// One scope's writes as one Batch API call.
async fn write_group(
    client: &dyn Instance,
    items: &[&Item],
    chosen: &HashMap<(Kind, String), String>,
    report: &mut Report,
    progress: &mut impl FnMut(Progress),
) -> GroupEnd {
    let mut requests = Vec::new();
    let mut sendable = Vec::new();
    let mut failed = false;
    for item in items {
        match body(item, chosen) {
            Ok(b) => {
                requests.push(match (&item.action, &item.sys_id) {
                    (Action::Update, Some(id)) => Request::update(&item.table, id, b),
                    _ => Request::insert(&item.table, b),
                });
                sendable.push(*item);
            }
            Err(error) => {
                failed = true;
                report.outcomes.push(outcome(client, item, item.sys_id.clone(), Status::Failed(error)));
            }
        }
    }
    for item in &sendable {
        progress(Progress::Writing(item));
    }
    let served = match client.batch(&requests).await {
        Ok(s) => s,
        Err(BatchError::Refused(e)) => return GroupEnd::Refused(e),
        Err(BatchError::Failed(e)) => {
            let e = Arc::new(e);
            for item in sendable {
                let error = WriteError::Batch { count: requests.len(), error: e.clone() };
                let o = outcome(client, item, item.sys_id.clone(), Status::Failed(error));
                progress(Progress::Written(&o));
                report.outcomes.push(o);
            }
            return GroupEnd::Written { failed: true };
        }
    };
    // A record that points at one whose create failed was written with a dangling
    // reference: say so, so the rerun that repairs it is expected.
    let mut missing: Vec<(Kind, String)> = Vec::new();
    for (item, answer) in sendable.into_iter().zip(served) {
        let mine = chosen.get(&(item.kind, item.name.clone()));
        let sent = body(item, chosen).ok();
        let status = match check(client, item, mine.filter(|_| item.action == Action::Create), sent.as_ref(), answer) {
            Ok(sys_id) => {
                let dangling = item.writes.iter().find_map(|(_, v)| match v {
                    Val::Created(k, n) if missing.contains(&(*k, n.clone())) => Some(format!("{} \"{n}\"", k.label())),
                    _ => None,
                });
                match dangling {
                    Some(what) => outcome(client, item, Some(sys_id), Status::Failed(WriteError::Dangling { what })),
                    None => outcome(client, item, Some(sys_id), Status::Done),
                }
            }
            Err(error) => {
                if item.action == Action::Create {
                    missing.push((item.kind, item.name.clone()));
                }
                outcome(client, item, item.sys_id.clone(), Status::Failed(error))
            }
        };
        failed |= matches!(status.status, Status::Failed(_));
        progress(Progress::Written(&status));
        report.outcomes.push(status);
    }
    GroupEnd::Written { failed }
}

/// The per-record path, for an instance without the Batch API: stops at the first failure.
async fn write_singly(
    client: &dyn Instance,
    items: &[&Item],
    chosen: &HashMap<(Kind, String), String>,
    report: &mut Report,
    progress: &mut impl FnMut(Progress),
) -> bool {
    let mut stopped = false;
    for item in items {
        if stopped {
            report.outcomes.push(outcome(client, item, item.sys_id.clone(), Status::Skipped));
            continue;
        }
        progress(Progress::Writing(item));
        let o = match body(item, chosen) {
            Err(error) => outcome(client, item, item.sys_id.clone(), Status::Failed(error)),
            Ok(b) => match write_one(client, item, &b).await {
                Ok(sys_id) => outcome(client, item, Some(sys_id), Status::Done),
                Err(error) => outcome(client, item, item.sys_id.clone(), Status::Failed(error)),
            },
        };
        stopped = matches!(o.status, Status::Failed(_));
        progress(Progress::Written(&o));
        report.outcomes.push(o);
    }
    stopped
}
