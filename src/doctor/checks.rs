//! The rules: each finding has an id, a severity, the evidence (table, sys_id, field,
//! value), why it breaks synchronization, and the fix. The rules follow the product's own
//! instance-scan findings and the reference notes (servicenow.md §3-4, identity.md).

use super::read::Snapshot;
use crate::facts;
use crate::facts::version_at_least;
use crate::plan::Mode;
use crate::plan::diff::Kind;
use crate::urls::{GraphUrlProblem, check_graph_url};
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
    pub id: &'static str,
    pub severity: Severity,
    pub title: String,
    pub evidence: Vec<Evidence>,
    pub why: String,
    pub fix: String,
    pub fixable: bool,
    #[serde(skip)]
    pub repair: Option<Repair>,
}

struct Ctx<'a> {
    s: &'a Snapshot,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn ev(&self, table: &str, sys_id: &str, field: &str, value: &str) -> Evidence {
        Evidence {
            table: table.into(),
            sys_id: sys_id.into(),
            field: field.into(),
            value: value.into(),
            link: format!("{}/{table}.do?sys_id={sys_id}", self.s.instance),
        }
    }
    // NOTE: one argument per part of a finding reads best at the many call sites below.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        id: &'static str,
        severity: Severity,
        title: String,
        evidence: Vec<Evidence>,
        why: &str,
        fix: String,
        repair: Option<Repair>,
    ) {
        self.out.push(Finding {
            id,
            severity,
            title,
            evidence,
            why: why.into(),
            fix,
            fixable: repair.is_some(),
            repair,
        });
    }
}

/// The mode the property names, read through its choices.
pub fn mode_of(s: &Snapshot) -> Option<Mode> {
    let p = s.property.as_ref()?;
    let v = p.value.trim();
    [Mode::Normal, Mode::Strict, Mode::Personal].into_iter().find(|m| v == crate::plan::diff::mode_value(p, *m))
}

fn login_host_cloud(url: &str) -> Option<(&'static facts::Cloud, String, String)> {
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
fn exchange_aliases(s: &Snapshot) -> Vec<&crate::snow::records::Alias> {
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

pub fn run(s: &Snapshot) -> Vec<Finding> {
    let mut c = Ctx { s, out: vec![] };
    apps(&mut c);
    let mode = mode_of(s);
    mode_property(&mut c, mode);
    aliases(&mut c);
    connections(&mut c);
    credentials(&mut c, mode);
    providers(&mut c, mode);
    c.out
}

fn providers(c: &mut Ctx, mode: Option<Mode>) {
    use crate::snow::records::plain;
    let s = c.s;
    if s.scope(facts::WCS_SCOPE).is_none() {
        return;
    }
    let col = |p: &serde_json::Value, k: &str| plain(&p[k]);
    let exchange: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    let active: Vec<&serde_json::Value> = s.providers.iter().filter(|p| col(p, "active") == "true").collect();
    if active.is_empty() {
        c.add("PROVIDER-NONE", Severity::Error, "no calendar provider is active".into(), vec![], "Workplace Calendar Synchronization synchronizes through its active calendar providers; with none, nothing syncs.", "Create or activate a calendar provider with the Microsoft Graph processor (a [[provider]] in a plan).".into(), None);
    }
    for p in active {
        let id = col(p, "sys_id");
        let name = col(p, "name");
        let processor = col(p, facts::PROVIDER_PROCESSOR_COLUMN);
        let lower = processor.to_ascii_lowercase();
        if processor.is_empty() || lower.contains("ews") || lower.contains("exchange") {
            let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_PROCESSOR_COLUMN, &processor)];
            let repair = Repair {
                kind: Kind::Provider,
                record: name.clone(),
                table: facts::PROVIDER_TABLE.into(),
                sys_id: id.clone(),
                column: facts::PROVIDER_PROCESSOR_COLUMN.into(),
                label: "Calendar processor".into(),
                from: processor.clone(),
                to: facts::PROCESSOR_MS_GRAPH.into(),
                to_label: "Microsoft Graph".into(),
                scope: col(p, "sys_scope"),
            };
            c.add("PROVIDER-PROCESSOR", Severity::Error, format!("the calendar provider \"{name}\" does not use the Microsoft Graph processor"), ev, "Exchange Online is synchronized by the Microsoft Graph processor; the Exchange (EWS) processor is for Exchange on premises.", "Set its Calendar processor to Microsoft Graph.".into(), Some(repair));
        }
        let alias = col(p, facts::PROVIDER_ALIAS_COLUMN);
        if col(p, facts::PROVIDER_OVERRIDE_COLUMN) == "true" {
            if alias.is_empty() {
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_ALIAS_COLUMN, "")];
                c.add(
                    "PROVIDER-OVERRIDE",
                    Severity::Error,
                    format!("the calendar provider \"{name}\" overrides the alias but names none"),
                    ev,
                    "With Override alias? set and no alias, the provider's own connection is undefined.",
                    "Pick the own alias in Connection & credential alias, or clear Override alias?.".into(),
                    None,
                );
            } else if !exchange.contains(&alias) {
                let shown = s.alias(&alias).map(|a| a.id.0.clone()).unwrap_or(alias.clone());
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_ALIAS_COLUMN, &shown)];
                c.add(
                    "PROVIDER-OVERRIDE",
                    Severity::Error,
                    format!(
                        "the calendar provider \"{name}\" overrides to {shown}, which is not an Exchange Online alias"
                    ),
                    ev,
                    "An override alias must be a child of the spoke's alias with a connection to Microsoft Graph.",
                    format!("Point it at a child of {}.", facts::SPOKE_ALIAS_ID),
                    None,
                );
            }
        }
        if matches!(mode, Some(Mode::Strict | Mode::Personal)) && col(p, facts::PROVIDER_DELEGATE_COLUMN).is_empty() {
            let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_DELEGATE_COLUMN, "")];
            c.add("PROVIDER-DELEGATE", Severity::Error, format!("the calendar provider \"{name}\" has no delegated user email"), ev, "In strict and personal modes the provider acts as its delegated mailbox; it must be the account Get OAuth Token signed in.", "Set Delegated user email to the mailbox its credential is signed in as, or deactivate the provider if per-mailbox providers replaced it.".into(), None);
        }
    }
    // An own alias that no provider uses does nothing (seed 000).
    let used: Vec<String> = s
        .providers
        .iter()
        .filter(|p| col(p, facts::PROVIDER_OVERRIDE_COLUMN) == "true")
        .map(|p| col(p, facts::PROVIDER_ALIAS_COLUMN))
        .collect();
    let spoke = s.alias_by_id(facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone()).unwrap_or_default();
    for a in exchange_aliases(s) {
        let own = !spoke.is_empty() && a.parent.id() == spoke && &*a.name != facts::PERSONAL_ALIAS_NAME;
        if own && !used.contains(&a.sys_id.0) {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "used by providers", "none")];
            c.add("PROVIDER-UNUSED-ALIAS", Severity::Warning, format!("no calendar provider overrides to the alias {}", a.id), ev, "An own alias is used only when a calendar provider names it as its override alias.", "Set Override alias? and this alias on the calendar provider of its delegated mailbox (a [[provider]] with alias = ...).".into(), None);
        }
        // The default retry policy, the alias's own or its parent's.
        let policy_id = if a.retry_policy.is_empty() {
            s.alias(a.parent.id()).map(|p| p.retry_policy.value.clone()).unwrap_or_default()
        } else {
            a.retry_policy.value.clone()
        };
        let policy = s.retry_policies.iter().find(|(id, ..)| *id == policy_id);
        let bad = match policy {
            None => Some("none".to_string()),
            Some((_, n, honor, max)) if !*honor || *max < facts::RETRY_MIN_ELAPSED_SECS => {
                Some(format!("{n} (Retry-After honoured: {honor}; max elapsed {max} s)"))
            }
            Some(_) => None,
        };
        if let Some(shown) = bad {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "retry_policy", &shown)];
            c.add("ALIAS-RETRY", Severity::Warning, format!("the alias {} has no retry policy that honours Retry-After for 120 s", a.id), ev, "Microsoft Graph throttles with 429 and Retry-After; without honouring it, synchronization fails under load.", format!("Set its Default retry policy to \"{}\" (honour Retry-After, max elapsed at least 120 s).", facts::RETRY_POLICY_NAME), None);
        }
    }
}

fn apps(c: &mut Ctx) {
    let s = c.s;
    if !s.user_found || !s.is_admin {
        c.add("USER-NOT-ADMIN", Severity::Error, format!("{} does not have the admin role", s.user), vec![], "The setup's records (aliases, credentials, connections, properties) need admin to be read and changed; some checks may be incomplete.", "Run the doctor as a user with the admin role.".into(), None);
    }
    for (scope, label, min) in [
        (facts::WCS_SCOPE, "Workplace Calendar Synchronization", facts::WCS_USES_SPOKE_FROM),
        (facts::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", ""),
    ] {
        match s.scope(scope) {
            None => c.add(
                "APP-MISSING",
                Severity::Error,
                format!("{label} ({scope}) is not installed"),
                vec![],
                "Without it nothing synchronizes with Exchange Online.",
                format!("Install {label} from the ServiceNow Store."),
                None,
            ),
            Some(a) if !a.active.0 => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "active", "false")];
                c.add(
                    "APP-INACTIVE",
                    Severity::Error,
                    format!("{label} is inactive"),
                    ev,
                    "An inactive application runs none of its jobs.",
                    format!("Activate {label}."),
                    None,
                );
            }
            Some(a) if !min.is_empty() && !version_at_least(&a.version, min) => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "version", &a.version)];
                c.add("APP-OLD", Severity::Warning, format!("{label} {} predates {min}", a.version), ev, "Before 2.0.1 WCS does not synchronize through the Exchange Online spoke, so the spoke's connections are not used.", format!("Upgrade {label} to a current version."), None);
            }
            Some(_) => {}
        }
    }
}

fn mode_property(c: &mut Ctx, mode: Option<Mode>) {
    let s = c.s;
    match (&s.property, mode) {
        (None, _) => c.add(
            "MODE-MISSING",
            Severity::Error,
            format!("the property {} does not exist", facts::MODE_PROPERTY),
            vec![],
            "WCS 3.0 and later read the integration mode from this property.",
            "Upgrade Workplace Calendar Synchronization to 3.0 or later.".into(),
            None,
        ),
        (Some(p), None) => {
            let inferred = infer_mode(s);
            let want = crate::plan::diff::mode_value(p, inferred);
            let ev = vec![c.ev("sys_properties", &p.sys_id, "value", &p.value)];
            let repair = Repair {
                kind: Kind::Property,
                record: p.name.0.clone(),
                table: "sys_properties".into(),
                sys_id: p.sys_id.0.clone(),
                column: "value".into(),
                label: "Value".into(),
                from: p.value.0.clone(),
                to: want.clone(),
                to_label: want.clone(),
                scope: p.sys_scope.id().to_string(),
            };
            c.add("MODE-VALUE", Severity::Error, format!("the integration mode \"{}\" is not one of the property's values", p.value), ev, "WCS does not recognise the value, so it does not know whether to synchronize in normal, strict or personal mode.", format!("Set it to {want}, the mode the credentials are set up for."), Some(repair));
        }
        (Some(_), Some(_)) => {}
    }
}

/// The mode the credentials point to: personal if a child alias uses an authorization-code
/// profile, strict if MS Graph 1 does, normal otherwise.
fn infer_mode(s: &Snapshot) -> Mode {
    let grant = |cred: &crate::snow::records::Credential| {
        s.profile(cred.oauth_entity_profile.id()).map(|p| p.grant_type.0.clone()).unwrap_or_default()
    };
    let personal = s.profiles.iter().any(|p| p.name.contains("personalAuth"))
        && s.connections.iter().any(|conn| {
            s.alias(conn.connection_alias.id()).is_some_and(|a| {
                &*a.sys_scope.value == s.scope(facts::WCS_SCOPE).map(|x| x.sys_id.0.as_str()).unwrap_or("-")
            })
        });
    if personal {
        return Mode::Personal;
    }
    match s.credentials.iter().find(|c| &*c.name == facts::MS_GRAPH_1) {
        Some(c) if grant(c) == facts::GRANT_AUTH_CODE => Mode::Strict,
        _ => Mode::Normal,
    }
}

fn aliases(c: &mut Ctx) {
    let s = c.s;
    let Some(spoke) = s.alias_by_id(facts::SPOKE_ALIAS_ID) else {
        c.add(
            "ALIAS-SPOKE-MISSING",
            Severity::Error,
            format!("the alias {} does not exist", facts::SPOKE_ALIAS_ID),
            vec![],
            "WCS requires it, and every override alias must be its child.",
            "Repair or reinstall the Microsoft Exchange Online spoke.".into(),
            None,
        );
        return;
    };
    for a in exchange_aliases(s) {
        let is_spoke_own = [facts::SPOKE_ALIAS_ID, facts::SPOKE_CLIENTCRED_ALIAS_ID].contains(&&*a.id);
        if !is_spoke_own && a.parent.id() != &*spoke.sys_id {
            let now = s
                .alias(a.parent.id())
                .map(|p| p.id.0.clone())
                .unwrap_or_else(|| if a.parent.is_empty() { "(empty)".into() } else { a.parent.value.clone() });
            let ev = vec![c.ev("sys_alias", &a.sys_id, "parent", &now)];
            let repair = Repair {
                kind: Kind::Alias,
                record: a.id.0.clone(),
                table: "sys_alias".into(),
                sys_id: a.sys_id.0.clone(),
                column: "parent".into(),
                label: "Parent alias".into(),
                from: now.clone(),
                to: spoke.sys_id.0.clone(),
                to_label: facts::SPOKE_ALIAS_ID.into(),
                scope: a.sys_scope.id().to_string(),
            };
            c.add("ALIAS-PARENT", Severity::Error, format!("the alias {} is not a child of {}", a.id, facts::SPOKE_ALIAS_ID), ev, "WCS accepts an override alias only as a child of the spoke's alias; otherwise the calendar provider cannot use it.", format!("Set its Parent alias to {}.", facts::SPOKE_ALIAS_ID), Some(repair));
        }
        let active: Vec<_> =
            s.connections.iter().filter(|x| x.connection_alias.id() == &*a.sys_id && x.active.0).collect();
        let inherits = !a.parent.is_empty();
        if active.is_empty() && !inherits {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "connections", "0 active")];
            c.add("ALIAS-NO-CONNECTION", Severity::Error, format!("the alias {} has no active connection", a.id), ev, "Actions that use this alias have nothing to connect with.", "Add an HTTP(s) connection to https://graph.microsoft.com in its Connections related list (calsync apply can).".into(), None);
        }
        if active.len() > 1 && !a.multiple_connections.0 {
            let names: Vec<String> = active.iter().map(|x| x.name.0.clone()).collect();
            let ev = active.iter().map(|x| c.ev("http_connection", &x.sys_id, "active", "true")).collect();
            c.add(
                "ALIAS-MANY-CONNECTIONS",
                Severity::Error,
                format!("the alias {} has {} active connections", a.id, active.len()),
                ev,
                "An alias without Support Multiple Active Connections uses one connection; which one is not defined.",
                format!("Deactivate all but one of: {}.", names.join(", ")),
                None,
            );
        }
    }
}

fn connections(c: &mut Ctx) {
    let s = c.s;
    let aliases: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    for conn in s.connections.iter().filter(|x| aliases.iter().any(|a| a == x.connection_alias.id())) {
        let scope = conn.application().value;
        let repair = |column: &str, label: &str, from: &str, to: &str| Repair {
            kind: Kind::Connection,
            record: conn.name.0.clone(),
            table: "http_connection".into(),
            sys_id: conn.sys_id.0.clone(),
            column: column.into(),
            label: label.into(),
            from: from.into(),
            to: to.into(),
            to_label: to.into(),
            scope: scope.clone(),
        };
        if let Err(p) = check_graph_url(&conn.connection_url) {
            let fixed = match &p {
                GraphUrlProblem::Duplicated(_, w)
                | GraphUrlProblem::Whitespace(_, w)
                | GraphUrlProblem::NotHttps(_, w)
                | GraphUrlProblem::HasPath(_, w, _)
                | GraphUrlProblem::TrailingSlash(_, w) => Some(w.clone()),
                _ => None,
            };
            let ev = vec![c.ev("http_connection", &conn.sys_id, "connection_url", &conn.connection_url)];
            let fix = match &fixed {
                Some(w) => format!("Set the Connection URL to exactly {w}."),
                None => "Set the Connection URL to https://graph.microsoft.com (or your national cloud's Graph root)."
                    .into(),
            };
            let r = fixed.map(|w| repair("connection_url", "Connection URL", &conn.connection_url, &w));
            c.add("CONN-URL", Severity::Error, format!("the connection \"{}\" has a wrong URL: {p}", conn.name), ev, "The spoke builds Graph requests on this URL; anything but the bare Graph root makes every request fail.", fix, r);
        }
        if conn.url_builder.0 {
            let ev = vec![c.ev("http_connection", &conn.sys_id, "url_builder", "true")];
            c.add("CONN-URL-BUILDER", Severity::Error, format!("the connection \"{}\" has URL builder on", conn.name), ev, "With URL builder the Connection URL is ignored and built from host and protocol fields the spoke does not set.", "Clear the URL builder check box.".into(), Some(repair("url_builder", "URL builder", "true", "false")));
        }
        if conn.use_mid.0 {
            let ev = vec![c.ev("http_connection", &conn.sys_id, "use_mid", "true")];
            c.add(
                "CONN-MID",
                Severity::Error,
                format!("the connection \"{}\" uses a MID Server", conn.name),
                ev,
                "Exchange Online is reached directly from the instance; a MID Server is for Exchange on premises.",
                "Clear Use MID server.".into(),
                Some(repair("use_mid", "Use MID server", "true", "false")),
            );
        }
        match s.credential(conn.credential.id()) {
            None => {
                let ev = vec![c.ev("http_connection", &conn.sys_id, "credential", conn.credential.id())];
                c.add(
                    "CONN-NO-CREDENTIAL",
                    Severity::Error,
                    format!("the connection \"{}\" has no OAuth 2.0 credential", conn.name),
                    ev,
                    "Without a credential no token is sent to Graph.",
                    "Set its Credential (calsync apply can).".into(),
                    None,
                );
            }
            Some(cred) if !cred.active.0 && conn.active.0 => {
                let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "active", "false")];
                let r = Repair {
                    kind: Kind::Credential,
                    record: cred.name.0.clone(),
                    table: "oauth_2_0_credentials".into(),
                    sys_id: cred.sys_id.0.clone(),
                    column: "active".into(),
                    label: "Active".into(),
                    from: "false".into(),
                    to: "true".into(),
                    to_label: "true".into(),
                    scope: cred.application().value,
                };
                c.add(
                    "CONN-CREDENTIAL-INACTIVE",
                    Severity::Error,
                    format!("the credential \"{}\" of connection \"{}\" is inactive", cred.name, conn.name),
                    ev,
                    "An inactive credential is not used, so the connection sends no token.",
                    "Make the credential active.".into(),
                    Some(r),
                );
            }
            Some(_) => {}
        }
    }
}

fn credentials(c: &mut Ctx, mode: Option<Mode>) {
    let s = c.s;
    let aliases: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    let mut creds: Vec<&crate::snow::records::Credential> = s
        .connections
        .iter()
        .filter(|x| aliases.iter().any(|a| a == x.connection_alias.id()))
        .filter_map(|x| s.credential(x.credential.id()))
        .collect();
    for n in [facts::MS_GRAPH_1, facts::MS_GRAPH_2] {
        if let Some(cr) = s.credentials.iter().find(|x| &*x.name == n)
            && !creds.iter().any(|x| x.sys_id == cr.sys_id)
        {
            creds.push(cr);
        }
    }
    let spoke_graph =
        |cr: &crate::snow::records::Credential| [facts::MS_GRAPH_1, facts::MS_GRAPH_2].contains(&&*cr.name);
    for cred in creds {
        let Some(profile) = s.profile(cred.oauth_entity_profile.id()) else {
            let ev = vec![c.ev(
                "oauth_2_0_credentials",
                &cred.sys_id,
                "oauth_entity_profile",
                cred.oauth_entity_profile.id(),
            )];
            c.add(
                "CRED-NO-PROFILE",
                Severity::Error,
                format!("the credential \"{}\" has no OAuth Entity Profile", cred.name),
                ev,
                "Without a profile the instance does not know which app registration to get tokens from.",
                "Set its OAuth Entity Profile to the profile of your mode's registry.".into(),
                None,
            );
            continue;
        };
        let entity = s.entity(profile.oauth_entity.id());
        if let Some(e) = entity
            && !e.default_grant_type.is_empty()
            && e.default_grant_type.0 != profile.grant_type.0
        {
            let ev = vec![
                c.ev("oauth_entity_profile", &profile.sys_id, "grant_type", &profile.grant_type),
                c.ev("oauth_entity", &e.sys_id, "default_grant_type", &e.default_grant_type),
            ];
            c.add(
                "CRED-GRANT-MISMATCH",
                Severity::Error,
                format!(
                    "the profile \"{}\" uses {} but its registry defaults to {}",
                    profile.name, profile.grant_type, e.default_grant_type
                ),
                ev,
                "A grant type mismatch is a common cause of authentication errors.",
                "Make the profile's grant type equal to the registry's default grant type.".into(),
                None,
            );
        }
        let want = match mode {
            Some(Mode::Normal) if spoke_graph(cred) => Some(facts::GRANT_CLIENT_CREDENTIALS),
            Some(Mode::Strict) if spoke_graph(cred) => Some(facts::GRANT_AUTH_CODE),
            Some(Mode::Personal) if !spoke_graph(cred) => Some(facts::GRANT_AUTH_CODE),
            _ => None,
        };
        if let (Some(w), Some(m)) = (want, mode)
            && profile.grant_type.0 != w
        {
            let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "oauth_entity_profile", &profile.name)];
            c.add(
                "CRED-MODE-GRANT",
                Severity::Error,
                format!("the credential \"{}\" uses {} in {m} mode", cred.name, profile.grant_type),
                ev,
                "Normal mode needs client credentials; strict and personal modes need authorization code.",
                format!("Point it at a profile with grant type {w} (calsync apply with the {m} example plan)."),
                None,
            );
        }
        if profile.grant_type.0 == facts::GRANT_AUTH_CODE {
            for needed in facts::DELEGATED_SCOPES {
                let linked = s.profile_scopes.iter().any(|(p, sc)| {
                    *p == *profile.sys_id && sc.trim_start_matches("https://graph.microsoft.com/") == needed
                });
                if !linked {
                    let ev =
                        vec![c.ev("oauth_entity_profile", &profile.sys_id, "scopes", &format!("{needed} missing"))];
                    c.add("CRED-SCOPES", Severity::Error, format!("the profile \"{}\" lacks the scope {needed}", profile.name), ev, "Delegated tokens without it cannot read or write room calendars (or cannot be refreshed, for offline_access).", format!("Add an OAuth Entity Scope \"{needed}\" to the registry and link it to the profile."), None);
                }
            }
            if let Some(e) = entity {
                registry(c, e);
            }
            tokens(c, cred, mode);
        }
    }
}

fn registry(c: &mut Ctx, e: &crate::snow::records::OAuthEntity) {
    if c.out.iter().any(|f| f.id.starts_with("REG-") && f.evidence.iter().any(|x| x.sys_id == *e.sys_id)) {
        return;
    }
    let auth = login_host_cloud(&e.auth_url);
    let token = login_host_cloud(&e.token_url);
    match (&auth, &token) {
        (Some((ca, ta, ka)), Some((ct, tt, kt)))
            if ca.name == ct.name && ta == tt && ka == "authorize" && kt == "token" => {}
        _ => {
            let ev = vec![
                c.ev("oauth_entity", &e.sys_id, "auth_url", &e.auth_url),
                c.ev("oauth_entity", &e.sys_id, "token_url", &e.token_url),
            ];
            c.add("REG-URLS", Severity::Error, format!("the registry \"{}\" does not use Microsoft v2.0 endpoints of one tenant", e.name), ev, "Tokens are requested from these URLs; a v1 endpoint, another tenant or another cloud between the two makes Get OAuth Token fail.", "Use https://login.microsoftonline.com/<tenant ID>/oauth2/v2.0/authorize and .../token with the same tenant.".into(), None);
        }
    }
    let want = format!("{}/oauth_redirect.do", c.s.instance);
    if !e.redirect_url.is_empty() && e.redirect_url.0 != want {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "redirect_url", &e.redirect_url)];
        c.add(
            "REG-REDIRECT",
            Severity::Error,
            format!("the registry \"{}\" redirects to {}", e.name, e.redirect_url),
            ev,
            "ServiceNow's Get OAuth Token returns to this URL; one of another instance fails with AADSTS50011.",
            format!("Set it to {want}, and register that URI (platform Web) in the Entra app."),
            None,
        );
    }
    if e.client_id.is_empty() {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "client_id", "")];
        c.add(
            "REG-CLIENT-ID",
            Severity::Error,
            format!("the registry \"{}\" has no client ID", e.name),
            ev,
            "No token can be requested without the app's client ID.",
            "Copy the Application (client) ID from the Entra app registration.".into(),
            None,
        );
    }
}

fn tokens(c: &mut Ctx, cred: &crate::snow::records::Credential, mode: Option<Mode>) {
    if !matches!(mode, Some(Mode::Strict | Mode::Personal)) {
        return;
    }
    let rt: Vec<&(String, String, String)> =
        c.s.tokens.iter().filter(|(id, kind, _)| *id == *cred.sys_id && kind == "refresh_token").collect();
    let now = crate::clock::now_utc();
    match rt.first() {
        None => {
            let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "tokens", "none on the instance")];
            c.add("TOKEN-MISSING", Severity::Error, format!("the credential \"{}\" has no token on the instance", cred.name), ev, "Without a delegated user's token nothing synchronizes in strict and personal modes.", match crate::doctor::provider_mailbox(c.s, &cred.name) {
                Some(mailbox) => format!("Sign {mailbox} in: calsync authorize --credential \"{}\" --expect-user {mailbox} --store-on-instance.", cred.name),
                None => format!("Sign the delegated mailbox in: calsync authorize --credential \"{}\" --expect-user MAILBOX --store-on-instance (MAILBOX: the calendar provider's Delegated user email).", cred.name),
            }, None);
        }
        Some((_, _, expires)) if !expires.is_empty() && expires.as_str() < now.as_str() => {
            let ev = vec![c.ev(facts::TOKEN_TABLE, &cred.sys_id, facts::TOKEN_EXPIRES_COLUMN, expires)];
            c.add(
                "TOKEN-EXPIRED",
                Severity::Error,
                format!("the token of \"{}\" expired on {expires}", cred.name),
                ev,
                "An expired refresh token cannot be renewed; synchronization stops.",
                format!(
                    "Sign the delegated mailbox in again (calsync reauth, or calsync authorize --credential \"{}\").",
                    cred.name
                ),
                None,
            );
        }
        Some(_) => {}
    }
}
