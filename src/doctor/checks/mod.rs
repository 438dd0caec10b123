//! The rules: each finding has an id, a severity, the evidence (table, sys_id, field,
//! value), why it breaks synchronization, and the fix. The rules follow the product's own
//! Instance Scan findings and the reference notes (servicenow.md §3-4, identity.md); the
//! README's scan table maps each scan message to the check here that covers it.
//!
//! One file per area; `run` lists them all.

mod aliases;
mod apps;
mod connections;
mod credentials;
mod providers;

use super::catalogue::{Calsync, Said};
use super::ids::Check;
use super::read::Snapshot;
use crate::facts;
use crate::plan::Mode;
use crate::plan::diff::Kind;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub table: String,
    pub sys_id: String,
    pub field: String,
    pub value: String,
    pub link: String,
}

/// A change that repairs a finding without guessing: one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub kind: Kind,
    pub record: String,
    pub table: String,
    pub sys_id: String,
    pub column: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub to_label: String,
    /// The scope (sys_id) the record belongs to, for the current-application switch.
    pub scope: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: Check,
    pub severity: Severity,
    pub title: String,
    pub evidence: Vec<Evidence>,
    pub why: String,
    pub fix: String,
    pub fixable: bool,
    #[serde(skip)]
    pub repair: Option<Repair>,
}

/// What a check sees (the snapshot, and where the commands its fixes name should go) and
/// what it has found so far.
pub struct Ctx<'a> {
    pub s: &'a Snapshot,
    pub calsync: &'a Calsync,
    pub out: Vec<Finding>,
}

impl Ctx<'_> {
    pub fn ev(&self, table: &str, sys_id: &str, field: &str, value: &str) -> Evidence {
        Evidence {
            table: table.into(),
            sys_id: sys_id.into(),
            field: field.into(),
            value: value.into(),
            link: format!("{}/{table}.do?sys_id={sys_id}", self.s.instance),
        }
    }
    /// One piece of evidence on a connection record.
    pub fn on_connection(&self, conn: &crate::snow::records::Connection, field: &str, value: &str) -> Vec<Evidence> {
        vec![self.ev("http_connection", &conn.sys_id, field, value)]
    }
    /// Records a finding: what it says comes from the catalogue, why it matters from `ids`.
    pub fn add(&mut self, said: Said, severity: Severity, evidence: Vec<Evidence>, repair: Option<Repair>) {
        // Two credentials sharing a profile or registry find its faults once.
        if self.out.iter().any(|f| f.id == said.check && f.title == said.title) {
            return;
        }
        let mut f = said.finding(severity, evidence);
        f.fixable = repair.is_some();
        f.repair = repair;
        self.out.push(f);
    }
}

/// The mode the property names, read through its choices.
pub fn mode_of(s: &Snapshot) -> Option<Mode> {
    let p = s.property.as_ref()?;
    let v = p.value.trim();
    [Mode::Normal, Mode::Strict, Mode::Personal].into_iter().find(|m| v == crate::plan::diff::mode_value(p, *m))
}

pub(super) fn login_host_cloud(url: &str) -> Option<(&'static facts::Cloud, String, String)> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    let cloud = facts::CLOUDS.iter().find(|c| c.login_hosts.contains(&host))?;
    let segs: Vec<&str> = u.path_segments()?.collect();
    // /{tenant}/oauth2/v2.0/{authorize|token}
    if u.scheme() != "https" || segs.len() != 4 || segs[1] != "oauth2" || segs[2] != "v2.0" {
        return None;
    }
    Some((cloud, segs[0].to_string(), segs[3].to_string()))
}

/// The aliases that belong to the Exchange Online setup: the spoke's, its children, the
/// default personal alias, and any alias whose connection points at Microsoft Graph.
pub(super) fn exchange_aliases(s: &Snapshot) -> Vec<&crate::snow::records::Alias> {
    let spoke = s.alias_by_id(facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone()).unwrap_or_default();
    s.aliases
        .iter()
        .filter(|a| {
            [facts::SPOKE_ALIAS_ID, facts::SPOKE_CLIENTCRED_ALIAS_ID, facts::PERSONAL_ALIAS_ID].contains(&&*a.id)
                || &*a.name == facts::PERSONAL_ALIAS_NAME
                || (!spoke.is_empty() && a.parent.id() == spoke)
                || s.connections.iter().any(|c| {
                    c.connection_alias.id() == &*a.sys_id && c.connection_url.to_ascii_lowercase().contains("graph")
                })
        })
        .collect()
}

/// Every check on the snapshot, with fixes that name plain `calsync` commands.
pub fn run(s: &Snapshot) -> Vec<Finding> {
    run_for(s, &Calsync::default())
}

/// Every check on the snapshot; the commands its fixes name carry the target's flags.
pub fn run_for(s: &Snapshot, calsync: &Calsync) -> Vec<Finding> {
    let mut c = Ctx { s, calsync, out: vec![] };
    apps::apps(&mut c);
    let mode = mode_of(s);
    apps::mode_property(&mut c, mode);
    aliases::aliases(&mut c);
    aliases::attributes(&mut c);
    connections::connections(&mut c);
    let token_mode = mode.or_else(|| s.property.as_ref().map(|_| apps::infer_mode(s)));
    credentials::credentials(&mut c, mode, token_mode);
    providers::providers(&mut c, mode);
    c.out
}
