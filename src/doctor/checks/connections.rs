//! HTTP(s) connections of the Exchange Online aliases and their credentials.

use super::{Ctx, Repair, Severity, exchange_aliases};
use crate::doctor::ids::Check;
use crate::plan::diff::Kind;
use crate::urls::{GraphUrlProblem, check_graph_url};

pub(super) fn connections(c: &mut Ctx) {
    let s = c.s;
    let aliases: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    for conn in s.connections.iter().filter(|x| aliases.iter().any(|a| a == x.connection_alias.id())) {
        let scope = s.connection_scope(conn);
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
            c.add(
                Check::ConnUrl,
                Severity::Error,
                format!("the connection \"{}\" has a wrong URL: {p}", conn.name),
                ev,
                fix,
                r,
            );
        }
        if conn.url_builder.0 {
            let ev = vec![c.ev("http_connection", &conn.sys_id, "url_builder", "true")];
            c.add(
                Check::ConnUrlBuilder,
                Severity::Error,
                format!("the connection \"{}\" has URL builder on", conn.name),
                ev,
                "Clear the URL builder check box.".into(),
                Some(repair("url_builder", "URL builder", "true", "false")),
            );
        }
        if conn.use_mid.0 {
            let ev = vec![c.ev("http_connection", &conn.sys_id, "use_mid", "true")];
            c.add(
                Check::ConnMid,
                Severity::Error,
                format!("the connection \"{}\" uses a MID Server", conn.name),
                ev,
                "Clear Use MID server.".into(),
                Some(repair("use_mid", "Use MID server", "true", "false")),
            );
        }
        match s.credential(conn.credential.id()) {
            None if conn.credential.is_empty() => {
                let ev = vec![c.ev("http_connection", &conn.sys_id, "credential", "")];
                c.add(
                    Check::ConnNoCredential,
                    Severity::Error,
                    format!("there is no credential on the connection \"{}\"", conn.name),
                    ev,
                    "Set its Credential to an OAuth 2.0 credential (calsync apply can).".into(),
                    None,
                );
            }
            None => {
                let shown = conn.credential.display.clone().unwrap_or_else(|| conn.credential.id().to_string());
                let ev = vec![c.ev("http_connection", &conn.sys_id, "credential", &shown)];
                c.add(
                    Check::ConnCredentialInvalid,
                    Severity::Error,
                    format!("the connection \"{}\" points at {shown}, which is not an OAuth 2.0 credential", conn.name),
                    ev,
                    "Set its Credential to an OAuth 2.0 credential of the mode's profile (calsync apply can).".into(),
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
                    scope: s.credential_scope(cred),
                };
                c.add(
                    Check::ConnCredentialInactive,
                    Severity::Error,
                    format!("the credential \"{}\" of connection \"{}\" is inactive", cred.name, conn.name),
                    ev,
                    "Make the credential active.".into(),
                    Some(r),
                );
            }
            Some(_) => {}
        }
    }
}
