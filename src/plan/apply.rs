//! Making the instance match a diff: in dependency order (alias, credential, connection,
//! property), with the user's current application switched to the scope each record
//! belongs in and put back afterwards, even when a write fails. Never deletes a
//! configuration record; the only record it may remove is the preference it created itself.
//!
//! `apply` sends the writes of each scope as one Batch API call (`plan::batched`) and falls
//! back to one request per record (`apply_one_by_one`, the loop here) when the instance
//! refuses the Batch API.
//!
//! Both talk to the instance only through `snow::Instance`, so a stand-in can fail any one
//! of their requests: `tests/apply_scripted.rs` does, at every write, with each fault.

use super::diff::{Action, Diff, InstanceState, Item, Kind, Val};
use crate::facts;
use crate::snow::records::{Ref, Text, UserPreference};
use crate::snow::{Instance, InstanceExt, SnError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "message")]
pub enum Status {
    Done,
    Failed(#[serde(serialize_with = "as_sentence")] WriteError),
    Skipped,
}

impl Status {
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Done)
    }
}

/// Why one record was not written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error("could not switch the current application: {0}")]
    Switch(Arc<SnError>),
    #[error(transparent)]
    Instance(Arc<SnError>),
    #[error("the {kind} \"{name}\" it points at was not created")]
    NotCreated { kind: &'static str, name: String },
    #[error(
        "the instance created the alias as \"{got}\" in another application instead of {expected}: the current application did not take effect. Delete it ({link}) and run again"
    )]
    AliasElsewhere { got: String, expected: String, link: String },
    /// The instance answered, but did not keep a field as sent (`plan::verify`).
    #[error(transparent)]
    Dropped(#[from] super::verify::Dropped),
    /// The batch carrying this write failed as a whole: its writes may or may not have run.
    #[error(
        "the batch of {count} writes failed ({error}); some may have been written: run apply again, it picks up what is there"
    )]
    Batch { count: usize, error: Arc<SnError> },
    #[error("the instance left this write out of the batch (a size or time limit); run apply again to write it")]
    Unserviced,
    #[error("the instance answered the write without the record")]
    NoRecord,
    #[error(
        "the instance gave the new record the sys_id {got} instead of the one calsync chose ({chosen}), so records written with it may point at nothing; run apply again to repair them"
    )]
    SysIdNotKept { got: String, chosen: String },
    #[error("written, but it points at the {what}, which was not created; fix that and run apply again")]
    Dangling { what: String },
}

impl WriteError {
    /// The instance could not be reached or refused the login: exit code 3, not 1.
    pub fn is_access_problem(&self) -> bool {
        match self {
            WriteError::Switch(e) | WriteError::Instance(e) | WriteError::Batch { error: e, .. } => {
                e.is_access_problem()
            }
            WriteError::NotCreated { .. }
            | WriteError::AliasElsewhere { .. }
            | WriteError::Unserviced
            | WriteError::NoRecord
            | WriteError::SysIdNotKept { .. }
            | WriteError::Dangling { .. }
            | WriteError::Dropped(_) => false,
        }
    }
}

/// The current application could not be put back after an apply.
#[derive(Debug, Clone, thiserror::Error)]
#[error("your current application could not be put back ({0}); pick it again in the application picker")]
pub struct RestoreError(pub Arc<SnError>);

impl RestoreError {
    pub fn is_access_problem(&self) -> bool {
        self.0.is_access_problem()
    }
}

fn as_sentence<S: serde::Serializer, E: std::fmt::Display>(e: &E, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sys_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(flatten)]
    pub status: Status,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    /// Sentences about how the apply went that are not failures (a refused Batch API).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set when the current application could not be put back.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_sentence")]
    pub restore_error: Option<RestoreError>,
}

fn some_sentence<S: serde::Serializer>(e: &Option<RestoreError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.collect_str(e),
        None => s.serialize_none(),
    }
}

impl Report {
    pub fn failed(&self) -> bool {
        self.outcomes.iter().any(|o| matches!(o.status, Status::Failed(_)))
    }

    /// The first write that failed, if one did.
    pub fn first_failure(&self) -> Option<&WriteError> {
        self.outcomes.iter().find_map(|o| if let Status::Failed(e) = &o.status { Some(e) } else { None })
    }

    /// A write or the restore met an unreachable instance or a refused login.
    pub fn access_problem(&self) -> bool {
        self.first_failure().is_some_and(WriteError::is_access_problem)
            || self.restore_error.as_ref().is_some_and(RestoreError::is_access_problem)
    }
}

/// What the progress callback hears: a record is about to be written, or was.
pub enum Progress<'a> {
    Writing(&'a Item),
    Written(&'a Outcome),
    Scope(&'a str),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Written {
    sys_id: Text,
    id: Text,
    sys_scope: Ref,
}

/// The user's `apps.current_app`, as found and as changed.
pub(super) struct CurrentApp {
    user_id: String,
    pref_id: Option<String>,
    original: Option<String>,
    current: String,
    created: bool,
    /// A switch failed without a clear answer (a cut connection): it may have happened.
    uncertain: bool,
}

/// What an earlier, interrupted apply found before it switched the current application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prior {
    /// The value `apps.current_app` had; None when the user had no such preference.
    pub original: Option<String>,
}

impl Prior {
    /// What this run would record before its first switch.
    pub fn from_state(st: &InstanceState) -> Prior {
        Prior { original: st.pref.as_ref().map(|p| p.value.0.clone()) }
    }
}

impl CurrentApp {
    pub(super) fn new(st: &InstanceState, prior: Option<&Prior>) -> CurrentApp {
        let now = st.pref.as_ref().map(|p| p.value.0.clone());
        let original = match prior {
            Some(p) => p.original.clone(),
            None => now.clone(),
        };
        CurrentApp {
            user_id: st.user.as_ref().map(|u| u.sys_id.0.clone()).unwrap_or_default(),
            pref_id: st.pref.as_ref().map(|p| p.sys_id.0.clone()),
            current: now.unwrap_or_else(|| facts::GLOBAL_SCOPE_SYS_ID.to_string()),
            // A preference that exists now but did not before was made by calsync.
            created: original.is_none() && st.pref.is_some(),
            original,
            uncertain: false,
        }
    }

    pub(super) async fn switch(&mut self, client: &dyn Instance, scope: &str) -> Result<bool, SnError> {
        if scope.is_empty() || self.current == scope {
            return Ok(false);
        }
        // Until the instance says it is done, the switch may or may not have happened.
        self.uncertain = true;
        let mut body = Map::new();
        body.insert("value".into(), Value::String(scope.to_string()));
        match &self.pref_id {
            Some(id) => {
                client.update::<UserPreference>("sys_user_preference", id, &Value::Object(body)).await?;
            }
            None => {
                body.insert("user".into(), Value::String(self.user_id.clone()));
                body.insert("name".into(), Value::String(facts::CURRENT_APP_PREF.into()));
                body.insert("type".into(), Value::String("string".into()));
                let p: UserPreference = client.insert("sys_user_preference", &Value::Object(body)).await?;
                self.pref_id = Some(p.sys_id.0);
                self.created = true;
            }
        }
        self.current = scope.to_string();
        self.uncertain = false;
        Ok(true)
    }

    pub(super) async fn restore(&mut self, client: &dyn Instance) -> Result<(), SnError> {
        // Putting the picker back is tried even when the command's time is up.
        let client = &client.without_deadline();
        if self.uncertain {
            // Look at what the instance has before putting anything back.
            let q = crate::snow::Query::new().eq("user", &self.user_id)?.eq("name", facts::CURRENT_APP_PREF)?;
            let found: Vec<UserPreference> = client.list("sys_user_preference", &q, &["sys_id", "value"]).await?;
            match found.into_iter().next() {
                Some(p) => {
                    self.created = self.original.is_none();
                    self.pref_id = Some(p.sys_id.0);
                    self.current = p.value.0;
                }
                None => {
                    self.pref_id = None;
                    self.created = false;
                }
            }
            self.uncertain = false;
        }
        match (&self.original, &self.pref_id) {
            (Some(orig), Some(id)) if *orig != self.current => {
                let body = serde_json::json!({ "value": orig });
                client.update::<UserPreference>("sys_user_preference", id, &body).await?;
                self.current = orig.clone();
            }
            (None, Some(id)) if self.created => {
                client.delete("sys_user_preference", id).await?;
                self.pref_id = None;
                self.created = false;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Writes every create and update of `diff`. Refuses to start when it has a conflict.
pub async fn apply(client: &dyn Instance, diff: &Diff, st: &InstanceState, progress: impl FnMut(Progress)) -> Report {
    apply_resuming(client, diff, st, None, progress).await
}

/// Puts back the current application an interrupted apply left switched.
pub async fn restore_current_app(client: &dyn Instance, st: &InstanceState, prior: &Prior) -> Result<(), SnError> {
    CurrentApp::new(st, Some(prior)).restore(client).await
}

/// As `apply`, after an interrupted run: `prior` says what the current application was
/// before that run switched it, so it is put back to that, not to the switched value.
pub async fn apply_resuming(
    client: &dyn Instance,
    diff: &Diff,
    st: &InstanceState,
    prior: Option<&Prior>,
    progress: impl FnMut(Progress),
) -> Report {
    super::batched::apply_batched(client, diff, st, prior, progress).await
}

/// As `apply_resuming`, one request per record, stopping at the first failure: what an
/// instance without the Batch API gets.
pub async fn apply_one_by_one(
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
    let mut app = CurrentApp::new(st, prior);
    let mut created: HashMap<(Kind, String), String> = HashMap::new();
    let mut stopped = false;
    for item in &diff.items {
        let mut outcome = Outcome {
            kind: item.kind,
            name: item.name.clone(),
            action: item.action,
            sys_id: item.sys_id.clone(),
            link: item.sys_id.as_ref().map(|id| client.instance().form_link(&item.table, id)),
            status: Status::Done,
        };
        if !matches!(item.action, Action::Create | Action::Update) {
            continue;
        }
        if stopped {
            outcome.status = Status::Skipped;
            report.outcomes.push(outcome);
            continue;
        }
        progress(Progress::Writing(item));
        match write(client, item, &mut app, &created, &mut progress).await {
            Ok(sys_id) => {
                if item.action == Action::Create {
                    created.insert((item.kind, item.name.clone()), sys_id.clone());
                }
                outcome.link = Some(client.instance().form_link(&item.table, &sys_id));
                outcome.sys_id = Some(sys_id);
            }
            Err(msg) => {
                outcome.status = Status::Failed(msg);
                stopped = true;
            }
        }
        progress(Progress::Written(&outcome));
        report.outcomes.push(outcome);
    }
    if let Err(e) = app.restore(client).await {
        report.restore_error = Some(RestoreError(Arc::new(e)));
    }
    report
}

async fn write(
    client: &dyn Instance,
    item: &Item,
    app: &mut CurrentApp,
    created: &HashMap<(Kind, String), String>,
    progress: &mut impl FnMut(Progress),
) -> Result<String, WriteError> {
    if app.switch(client, &item.scope).await.map_err(|e| WriteError::Switch(Arc::new(e)))? {
        progress(Progress::Scope(&item.scope));
    }
    let body = write_fields(item, created)?;
    write_one(client, item, &Value::Object(body)).await
}

/// The fields one write sends, with references to records of this apply resolved to
/// their sys_ids (made already, or chosen before a batch).
pub(super) fn write_fields(
    item: &Item,
    ids: &HashMap<(Kind, String), String>,
) -> Result<Map<String, Value>, WriteError> {
    let mut body = Map::new();
    for (column, val) in &item.writes {
        let v = match val {
            Val::Lit(s) => s.clone(),
            Val::Created(kind, name) => ids
                .get(&(*kind, name.clone()))
                .cloned()
                .ok_or_else(|| WriteError::NotCreated { kind: kind.label(), name: name.clone() })?,
        };
        body.insert(column.clone(), Value::String(v));
    }
    Ok(body)
}

/// Sends one record's write and checks what the instance made of it (an alias's generated
/// ID and scope); the sys_id of the record.
pub(super) async fn write_one(client: &dyn Instance, item: &Item, body: &Value) -> Result<String, WriteError> {
    let answer: Value = match (&item.action, &item.sys_id) {
        (Action::Update, Some(id)) => client.update(&item.table, id, body).await,
        _ => client.insert(&item.table, body).await,
    }
    .map_err(|e| WriteError::Instance(Arc::new(e)))?;
    super::verify::check(&item.table, body, &answer)?;
    let written: Written = serde_json::from_value(answer).unwrap_or_default();
    if let Some(expect) = &item.expect_id
        && (*written.id != **expect || written.sys_scope.id() != item.scope)
    {
        return Err(WriteError::AliasElsewhere {
            got: written.id.0.clone(),
            expected: expect.clone(),
            link: client.instance().form_link(&item.table, &written.sys_id),
        });
    }
    Ok(written.sys_id.0)
}
