//! The doctor's room checks: does each room really sync? On the instance, every
//! Reservable Sync Configuration is active with a live subscription (status active, 200,
//! not expired, not duplicated), its email is the room's and its provider is active; the
//! spoke's "WSDRS Event Subscription" webhook registry has its callback URL and client
//! state; the jobs and the flow that carry events both ways are active. On Microsoft's
//! side, with the delegate's token from the OS keyring and read-only calls, the delegate
//! can open each room's calendar (and edit it) and the mailbox is a room; the errors WCS's
//! troubleshooting pages name come back as findings with their fix. Graph that cannot be
//! reached is a warning, never a silent pass. What each finding says (title, why, fix) is
//! written in `catalogue`; this module decides and gathers the evidence.

use super::catalogue::{self, Calsync};
use super::read::Snapshot;
use super::{AccountCheck, Check, Evidence, Finding, Severity};
use crate::facts;
use crate::snow::records::plain;
use crate::snow::{Instance, InstanceExt, Query, SnError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// Every id this module can report.
pub const IDS: [Check; 23] = [
    Check::RoomNone,
    Check::RoomInactive,
    Check::RoomNoSubscription,
    Check::RoomSubscriptionFailed,
    Check::RoomSubscriptionExpired,
    Check::RoomSubscriptionDuplicate,
    Check::RoomProviderInactive,
    Check::RoomEmailMismatch,
    Check::RoomTwoProviders,
    Check::WebhookMissing,
    Check::WebhookNoCallback,
    Check::JobInactive,
    Check::FlowInactive,
    Check::JobReprocess,
    Check::RoomGraphDenied,
    Check::RoomGraphOdata,
    Check::RoomGraphInvalid,
    Check::RoomGraphNoMailbox,
    Check::RoomGraphReadOnly,
    Check::RoomNotARoom,
    Check::RoomGraphUnchecked,
    Check::GraphUnreachable,
    Check::RoomUnread,
];

/// The room side of the instance, read in one concurrent round (plus one for the rooms'
/// locations).
#[derive(Debug, Clone, Default)]
pub struct RoomSnapshot {
    pub configs: Vec<Value>,
    pub subscriptions: Vec<Value>,
    pub spaces: Vec<Value>,
    pub webhook: Option<Value>,
    pub jobs: Vec<Value>,
    pub flows: Vec<Value>,
}

fn col(v: &Value, k: &str) -> String {
    plain(&v[k])
}

pub async fn read(client: &dyn Instance) -> Result<RoomSnapshot, SnError> {
    let mut jobs: Vec<&str> = facts::REQUIRED_JOBS.iter().map(|(n, _)| *n).collect();
    jobs.push(facts::REPROCESS_JOB);
    let flows: Vec<&str> = facts::REQUIRED_FLOWS.iter().map(|(n, _)| *n).collect();
    let q_all = Query::new();
    let q_webhook = Query::new().eq("name", facts::WEBHOOK_NAME)?;
    let q_jobs = Query::new().is_in("name", &jobs)?;
    let q_flows = Query::new().is_in("name", &flows)?;
    let (configs, subscriptions, webhooks, job_rows, flow_rows) = tokio::try_join!(
        client.list::<Value>(facts::RSV_CONFIG_TABLE, &q_all, &[]),
        client.list::<Value>(facts::SUBSCRIPTION_TABLE, &q_all, &[]),
        client.list::<Value>(facts::WEBHOOK_TABLE, &q_webhook, &[]),
        client.list::<Value>(facts::JOB_TABLE, &q_jobs, &["sys_id", "name", "active"]),
        client.list::<Value>(facts::FLOW_TABLE, &q_flows, &["sys_id", "name", "active"]),
    )?;
    let ids: Vec<String> =
        configs.iter().map(|c| col(c, facts::RSV_LOCATION_COLUMN)).filter(|i| !i.is_empty()).collect();
    let spaces = if ids.is_empty() {
        vec![]
    } else {
        let q = Query::new().is_in("sys_id", &ids)?;
        client.list::<Value>(facts::SPACE_TABLE, &q, &["sys_id", "name", facts::SPACE_EMAIL_COLUMN]).await?
    };
    Ok(RoomSnapshot {
        configs,
        subscriptions,
        spaces,
        webhook: webhooks.into_iter().find(|w| col(w, "name") == facts::WEBHOOK_NAME),
        jobs: job_rows,
        flows: flow_rows,
    })
}

struct Out<'a> {
    instance: &'a str,
    list: Vec<Finding>,
}

impl Out<'_> {
    fn ev(&self, table: &str, row: &Value, field: &str, value: &str) -> Evidence {
        let sys_id = col(row, "sys_id");
        Evidence {
            table: table.into(),
            sys_id: sys_id.clone(),
            field: field.into(),
            value: value.into(),
            link: format!("{}/{table}.do?sys_id={sys_id}", self.instance),
        }
    }
    /// Records a finding; what it says comes from the catalogue.
    fn add(&mut self, said: catalogue::Said, severity: Severity, evidence: Vec<Evidence>) {
        self.list.push(said.finding(severity, evidence));
    }
}

impl RoomSnapshot {
    /// The room's name (its location) for a configuration.
    pub fn room_name(&self, config: &Value) -> String {
        let loc = col(config, facts::RSV_LOCATION_COLUMN);
        self.spaces
            .iter()
            .find(|s| col(s, "sys_id") == loc)
            .map(|s| col(s, "name"))
            .unwrap_or_else(|| col(config, facts::RSV_EMAIL_COLUMN))
    }
}

/// What the Graph error of a failed subscription (or of calsync's own read) means, and the
/// fix; None when it is none of the documented ones.
pub fn explain(message: &str, delegate: Option<&str>, room: &str) -> Option<(Check, String, String)> {
    let m = message.to_ascii_lowercase();
    let who = delegate.map(str::to_string).unwrap_or_else(|| "the delegated user".into());
    if m.contains(&facts::GRAPH_ODATA_DISABLED.to_ascii_lowercase()) || m.contains("access to odata is inactive") {
        Some(catalogue::graph_odata(room, &who))
    } else if m.contains(&facts::GRAPH_INVALID_OBJECT.to_ascii_lowercase()) {
        Some(catalogue::graph_invalid(room))
    } else if m.contains(facts::GRAPH_NO_MAILBOX)
        || m.contains("resource not found")
        || m.contains("resourcenotfound")
        || m.contains("nonexistentmailbox")
    {
        Some(catalogue::graph_no_mailbox(room))
    } else if m.contains("access is denied") || m.contains("accessdenied") || m.contains("access denied") {
        Some(catalogue::graph_denied(room, &who))
    } else {
        None
    }
}

/// What the webhook registry's fix asks after the callback URL: only the rooms already
/// active subscribed without it and need Deactivate and Activate; the others subscribe
/// with it when they are first activated.
fn webhook_then(r: &RoomSnapshot) -> String {
    let active: Vec<String> = r.configs.iter().filter(|c| col(c, "active") == "true").map(|c| r.room_name(c)).collect();
    catalogue::webhook_then(&active, r.configs.len() - active.len())
}

/// The instance-side checks. `now` is a glide date-time (`YYYY-MM-DD hh:mm:ss`, UTC).
pub fn check(s: &Snapshot, r: &RoomSnapshot, now: &str) -> Vec<Finding> {
    check_for(s, r, now, &Calsync::default())
}

/// The same, with the calsync commands in the fixes run as `calsync` says.
pub fn check_for(s: &Snapshot, r: &RoomSnapshot, now: &str, calsync: &Calsync) -> Vec<Finding> {
    let mut o = Out { instance: &s.instance, list: vec![] };
    // Whether the webhook registry has what subscriptions need now (WEBHOOK-* below).
    let webhook_ready = r.webhook.as_ref().is_some_and(|w| {
        !col(w, facts::WEBHOOK_CALLBACK_COLUMN).is_empty() && !col(w, facts::WEBHOOK_CLIENT_STATE_COLUMN).is_empty()
    });
    if r.configs.is_empty() {
        o.add(catalogue::room_none(), Severity::Info, vec![]);
        return o.list;
    }
    let provider = |id: &str| s.providers.iter().find(|p| col(p, "sys_id") == id);
    let mut per_location: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::default();
    for c in &r.configs {
        let room = r.room_name(c);
        let link = format!("{}/{}.do?sys_id={}", s.instance, facts::RSV_CONFIG_TABLE, col(c, "sys_id"));
        let pid = col(c, facts::RSV_PROVIDER_COLUMN);
        per_location.entry(col(c, facts::RSV_LOCATION_COLUMN)).or_default().push(pid.clone());
        let email = col(c, facts::RSV_EMAIL_COLUMN);
        let loc = col(c, facts::RSV_LOCATION_COLUMN);
        if let Some(space) = r.spaces.iter().find(|x| col(x, "sys_id") == loc) {
            let se = col(space, facts::SPACE_EMAIL_COLUMN);
            if !se.is_empty() && !se.eq_ignore_ascii_case(&email) {
                let ev = vec![
                    o.ev(facts::RSV_CONFIG_TABLE, c, facts::RSV_EMAIL_COLUMN, &email),
                    o.ev(facts::SPACE_TABLE, space, facts::SPACE_EMAIL_COLUMN, &se),
                ];
                o.add(catalogue::room_email_mismatch(&room, &email, &se, &link), Severity::Error, ev);
            }
        }
        match provider(&pid) {
            Some(p) if col(p, "active") != "true" => {
                let ev = vec![o.ev(facts::PROVIDER_TABLE, p, "active", "false")];
                o.add(catalogue::room_provider_inactive(&room, &col(p, "name")), Severity::Error, ev);
            }
            _ => {}
        }
        if col(c, "active") != "true" {
            let ev = vec![o.ev(facts::RSV_CONFIG_TABLE, c, "active", "false")];
            o.add(catalogue::room_inactive(&room, &link, calsync), Severity::Warning, ev);
            continue;
        }
        let sub_id = col(c, facts::RSV_SUBSCRIPTION_COLUMN);
        let Some(sub) = r.subscriptions.iter().find(|x| col(x, "sys_id") == sub_id && !sub_id.is_empty()) else {
            let ev = vec![o.ev(facts::RSV_CONFIG_TABLE, c, facts::RSV_SUBSCRIPTION_COLUMN, "empty")];
            o.add(catalogue::room_no_subscription(&room, &link), Severity::Error, ev);
            continue;
        };
        let (status, code) = (col(sub, facts::SUBSCRIPTION_STATUS_COLUMN), col(sub, facts::SUBSCRIPTION_CODE_COLUMN));
        let expires = col(sub, facts::SUBSCRIPTION_EXPIRES_COLUMN);
        if status != facts::SUBSCRIPTION_ACTIVE || (!code.is_empty() && code != "200") {
            let error = col(sub, facts::SUBSCRIPTION_ERROR_COLUMN);
            // The subscription's answer, and the room's form, where Deactivate and Activate are.
            let ev = vec![
                o.ev(
                    facts::SUBSCRIPTION_TABLE,
                    sub,
                    facts::SUBSCRIPTION_STATUS_COLUMN,
                    format!("{status} {code} {error}").trim(),
                ),
                o.ev(facts::RSV_CONFIG_TABLE, c, facts::RSV_SUBSCRIPTION_COLUMN, &sub_id),
            ];
            let target = targets(s, r).into_iter().find(|t| col(&t.config, "sys_id") == col(c, "sys_id"));
            let delegate = provider(&pid).map(|p| col(p, facts::PROVIDER_DELEGATE_COLUMN)).filter(|d| !d.is_empty());
            let fix = match explain(&error, delegate.as_deref(), &room) {
                Some((_, _, fix)) => fix,
                None if error.contains("no OAuth token") || code == "401" => catalogue::subscription_without_token(
                    target.as_ref().and_then(|t| t.credential.as_deref()),
                    delegate.as_deref(),
                    &link,
                    calsync,
                ),
                None if error.contains("callback URL") => {
                    catalogue::subscription_without_callback(webhook_ready, &link)
                }
                None => catalogue::subscription_other(&link),
            };
            let answer = if error.is_empty() { &code } else { &error };
            o.add(catalogue::room_subscription_failed(&room, &status, answer, fix), Severity::Error, ev);
        } else if !expires.is_empty() && expires.as_str() < now {
            let ev = vec![o.ev(facts::SUBSCRIPTION_TABLE, sub, facts::SUBSCRIPTION_EXPIRES_COLUMN, &expires)];
            o.add(catalogue::room_subscription_expired(&room, &expires, &link), Severity::Error, ev);
        }
    }
    // Several live subscriptions for one mailbox: each change arrives more than once.
    let mut by_email: std::collections::BTreeMap<String, Vec<&Value>> = std::collections::BTreeMap::default();
    for sub in
        r.subscriptions.iter().filter(|x| col(x, facts::SUBSCRIPTION_STATUS_COLUMN) == facts::SUBSCRIPTION_ACTIVE)
    {
        by_email.entry(col(sub, facts::SUBSCRIPTION_EMAIL_COLUMN).to_ascii_lowercase()).or_default().push(sub);
    }
    for (email, subs) in by_email.into_iter().filter(|(e, v)| !e.is_empty() && v.len() > 1) {
        let ev = subs
            .iter()
            .map(|x| o.ev(facts::SUBSCRIPTION_TABLE, x, facts::SUBSCRIPTION_STATUS_COLUMN, "active"))
            .collect();
        o.add(catalogue::room_subscription_duplicate(&email, subs.len()), Severity::Warning, ev);
    }
    for (loc, providers) in per_location.iter().filter(|(_, p)| p.len() > 1) {
        let room =
            r.spaces.iter().find(|x| col(x, "sys_id") == *loc).map(|x| col(x, "name")).unwrap_or_else(|| loc.clone());
        let names: Vec<String> =
            providers.iter().map(|p| provider(p).map(|x| col(x, "name")).unwrap_or_else(|| p.clone())).collect();
        o.add(catalogue::room_two_providers(&room, &names), Severity::Warning, vec![]);
    }
    match &r.webhook {
        None => o.add(catalogue::webhook_missing(), Severity::Error, vec![]),
        Some(w) => {
            let (url, state) = (col(w, facts::WEBHOOK_CALLBACK_COLUMN), col(w, facts::WEBHOOK_CLIENT_STATE_COLUMN));
            if url.is_empty() || state.is_empty() {
                let missing = match (url.is_empty(), state.is_empty()) {
                    (true, true) => "callback URL and client state",
                    (true, false) => "callback URL",
                    _ => "client state",
                };
                let ev = vec![o.ev(
                    facts::WEBHOOK_TABLE,
                    w,
                    if url.is_empty() { facts::WEBHOOK_CALLBACK_COLUMN } else { facts::WEBHOOK_CLIENT_STATE_COLUMN },
                    "empty",
                )];
                let link = format!("{}/{}.do?sys_id={}", s.instance, facts::WEBHOOK_TABLE, col(w, "sys_id"));
                o.add(catalogue::webhook_no_callback(missing, &link, &webhook_then(r)), Severity::Error, ev);
            }
        }
    }
    let find = |rows: &[Value], name: &str| rows.iter().find(|j| col(j, "name") == name).cloned();
    for (name, what) in facts::REQUIRED_JOBS {
        let job = find(&r.jobs, name);
        if job.as_ref().is_none_or(|j| col(j, "active") != "true") {
            let ev = job.iter().map(|j| o.ev(facts::JOB_TABLE, j, "active", "false")).collect();
            let state = if job.is_some() { "inactive" } else { "missing" };
            o.add(catalogue::job_inactive(name, state, what), Severity::Error, ev);
        }
    }
    for (name, what) in facts::REQUIRED_FLOWS {
        let flow = find(&r.flows, name);
        if flow.as_ref().is_none_or(|f| col(f, "active") != "true") {
            let ev = flow.iter().map(|f| o.ev(facts::FLOW_TABLE, f, "active", "false")).collect();
            let state = if flow.is_some() { "inactive" } else { "missing" };
            o.add(catalogue::flow_inactive(name, state, what), Severity::Error, ev);
        }
    }
    if let Some(j) = find(&r.jobs, facts::REPROCESS_JOB)
        && col(&j, "active") != "true"
    {
        let ev = vec![o.ev(facts::JOB_TABLE, &j, "active", "false")];
        o.add(catalogue::job_reprocess(), Severity::Info, ev);
    }
    o.list
}

/// What Graph said about one room, read with the delegate's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The calendar opened; whether the delegate may edit it, and whether the mailbox is a
    /// room (None: it could not be confirmed).
    Opens { can_edit: bool, room: Option<bool> },
    /// A Graph error: status and message.
    Refused(u16, String),
}

/// A room's calendar and place, read-only. Err: Graph could not be reached.
pub async fn open(graph_root: &str, token: &SecretString, email: &str) -> Result<Access, String> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let root = graph_root.trim_end_matches('/');
    let encoded: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    let get = |path: String| {
        let url = format!("{root}/v1.0/{path}");
        let req = http.get(&url).bearer_auth(token.expose_secret()).header("Accept", "application/json");
        async move {
            let resp = req.send().await.map_err(|e| {
                if e.is_connect() || e.is_timeout() {
                    format!("{root} could not be reached")
                } else {
                    e.without_url().to_string()
                }
            })?;
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            Ok::<(u16, Value), String>((status, body))
        }
    };
    let (status, body) = get(format!("users/{encoded}/calendar")).await?;
    if !(200..300).contains(&status) {
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        let code = body["error"]["code"].as_str().unwrap_or_default();
        return Ok(Access::Refused(status, format!("{code}: {msg}")));
    }
    let can_edit = body["canEdit"].as_bool().unwrap_or(false);
    let (pstatus, place) = get(format!("places/{encoded}")).await?;
    let room = match pstatus {
        200..=299 => Some(place["@odata.type"].as_str() == Some("#microsoft.graph.room")),
        404 => Some(false),
        _ => None,
    };
    Ok(Access::Opens { can_edit, room })
}

/// A room to check on Graph: its configuration, and the credential whose token opens it.
#[derive(Debug, Clone)]
pub struct Target {
    pub room: String,
    pub email: String,
    pub config: Value,
    pub credential: Option<String>,
    pub delegate: Option<String>,
}

/// Which credential's token each configured room is read with: the credential of the
/// active connection on its provider's alias (its override, or the spoke's default).
pub fn targets(s: &Snapshot, r: &RoomSnapshot) -> Vec<Target> {
    r.configs
        .iter()
        .map(|c| {
            let p = s.providers.iter().find(|p| col(p, "sys_id") == col(c, facts::RSV_PROVIDER_COLUMN));
            let alias = p.and_then(|p| {
                if col(p, facts::PROVIDER_OVERRIDE_COLUMN) == "true" {
                    Some(col(p, facts::PROVIDER_ALIAS_COLUMN))
                } else {
                    s.alias_by_id(facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone())
                }
            });
            let credential = alias.and_then(|a| {
                s.connections
                    .iter()
                    .filter(|x| x.connection_alias.id() == a && x.active.0)
                    .find_map(|x| s.credential(x.credential.id()))
                    .map(|c| c.name.0.clone())
            });
            Target {
                room: r.room_name(c),
                email: col(c, facts::RSV_EMAIL_COLUMN),
                config: c.clone(),
                credential,
                delegate: p.map(|p| col(p, facts::PROVIDER_DELEGATE_COLUMN)).filter(|d| !d.is_empty()),
            }
        })
        .collect()
}

/// The findings of one room's Graph read.
pub fn graph_finding(instance: &str, t: &Target, who: &str, result: &Result<Access, String>) -> Option<Finding> {
    graph_finding_for(instance, t, who, result, &Calsync::default())
}

/// The same, with the calsync commands in the fixes run as `calsync` says.
pub fn graph_finding_for(
    instance: &str,
    t: &Target,
    who: &str,
    result: &Result<Access, String>,
    calsync: &Calsync,
) -> Option<Finding> {
    let link = format!("{instance}/{}.do?sys_id={}", facts::RSV_CONFIG_TABLE, col(&t.config, "sys_id"));
    let ev = vec![Evidence {
        table: facts::RSV_CONFIG_TABLE.into(),
        sys_id: col(&t.config, "sys_id"),
        field: facts::RSV_EMAIL_COLUMN.into(),
        value: t.email.clone(),
        link,
    }];
    let mk = |said: catalogue::Said, severity| Some(said.finding(severity, ev.clone()));
    match result {
        Err(e) => mk(catalogue::graph_unreachable(&t.room, e, calsync), Severity::Warning),
        Ok(Access::Refused(status, msg)) => match explain(msg, Some(who), &t.room) {
            Some(explained) => mk(catalogue::graph_refused(explained, *status), Severity::Error),
            None => mk(catalogue::graph_refused_otherwise(&t.room, who, *status, msg), Severity::Error),
        },
        Ok(Access::Opens { can_edit: false, .. }) => mk(catalogue::graph_read_only(&t.room, who), Severity::Error),
        Ok(Access::Opens { room: Some(false), .. }) => {
            mk(catalogue::graph_not_a_room(&t.room, &t.email), Severity::Error)
        }
        Ok(Access::Opens { room: None, .. }) => mk(catalogue::graph_kind_unconfirmed(&t.room, who), Severity::Info),
        Ok(Access::Opens { .. }) => None,
    }
}

/// The Graph-side checks: for each configured room, refresh the keyring token of its
/// credential and open the room's calendar with it. A room whose token calsync does not
/// hold is named in a warning.
pub async fn graph_checks(
    services: &crate::config::Services,
    client: &dyn Instance,
    s: &Snapshot,
    r: &RoomSnapshot,
    opts: &AccountCheck,
) -> Vec<Finding> {
    use crate::oauth::{flow, target};
    use crate::secrets::Account;
    let calsync = Calsync::of(&services.config);
    let mut out = vec![];
    let mut tokens: std::collections::HashMap<String, Result<(SecretString, String, String), String>> =
        std::collections::HashMap::default();
    for t in targets(s, r) {
        let Some(cred) = t.credential.clone() else { continue };
        // With client credentials (normal mode) the instance reads the room as the app, not
        // as a delegate: there is no one to sign in, and calsync holds no such token.
        if s.credentials
            .iter()
            .find(|c| *c.name == cred)
            .and_then(|c| s.profile(c.oauth_entity_profile.id()))
            .is_some_and(|p| &*p.grant_type == facts::GRANT_CLIENT_CREDENTIALS)
        {
            out.push(catalogue::room_read_as_the_app(&t.room, &cred).finding(Severity::Warning, vec![]));
            continue;
        }
        if !tokens.contains_key(&cred) {
            let got = async {
                let account = Account::RefreshToken { instance: opts.instance_key.clone(), credential: cred.clone() };
                let rt = match services.secrets.get(&account).await {
                    Ok(Some(rt)) => rt,
                    _ => return Err(format!("calsync holds no token for the credential \"{cred}\" in the OS keyring")),
                };
                let tg = target::for_credential(client, &cred, &opts.endpoints(services))
                    .await
                    .map_err(|e| e.to_string())?;
                let (secret, _) =
                    target::stored_secret(services, opts.sandbox_secret, &opts.instance_key, &tg.registry.client_id)
                        .await;
                let f =
                    flow::Flow::new(&tg.registry, secret.as_ref(), "http://localhost/").map_err(|e| e.to_string())?;
                let tokens = f
                    .refresh(&rt, &flow::scopes_for(&tg.graph_root))
                    .await
                    .map_err(|e| format!("the keyring token of \"{cred}\" could not be refreshed ({e})"))?;
                let who = tokens
                    .id_token
                    .as_ref()
                    .and_then(|i| crate::oauth::identity::decode(i).ok())
                    .and_then(|c| c.username().map(str::to_string))
                    .unwrap_or_else(|| t.delegate.clone().unwrap_or_default());
                Ok((tokens.access_token, tg.graph_root, who))
            }
            .await;
            tokens.insert(cred.clone(), got);
        }
        match &tokens[&cred] {
            Ok((token, root, who)) => {
                let result = open(root, token, &t.email).await;
                out.extend(graph_finding_for(&s.instance, &t, who, &result, &calsync));
            }
            Err(e) => out.push(
                catalogue::room_unchecked(&t.room, e, &cred, t.delegate.as_deref(), &calsync)
                    .finding(Severity::Warning, vec![]),
            ),
        }
    }
    out
}
