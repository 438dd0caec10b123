//! HTTP(s) connections of the Exchange Online aliases and their credentials.

use super::{Ctx, Repair, Severity, exchange_aliases};
use crate::doctor::catalogue as say;
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
            let said = say::conn_url(&conn.name, &p, fixed.as_deref());
            let r = fixed.map(|w| repair("connection_url", "Connection URL", &conn.connection_url, &w));
            c.add(said, Severity::Error, c.on_connection(conn, "connection_url", &conn.connection_url), r);
        }
        // Check boxes that must be off: the finding, and the repair that clears the box.
        for (on, column, label, said) in [
            (conn.url_builder.0, "url_builder", "URL builder", say::conn_url_builder(&conn.name)),
            (conn.use_mid.0, "use_mid", "Use MID server", say::conn_mid(&conn.name)),
        ] {
            if on {
                let ev = c.on_connection(conn, column, "true");
                c.add(said, Severity::Error, ev, Some(repair(column, label, "true", "false")));
            }
        }
        match s.credential(conn.credential.id()) {
            None if conn.credential.is_empty() => {
                let ev = c.on_connection(conn, "credential", "");
                c.add(say::conn_no_credential(&conn.name, c.calsync), Severity::Error, ev, None);
            }
            None => {
                let shown = conn.credential.display.clone().unwrap_or_else(|| conn.credential.id().to_string());
                let ev = c.on_connection(conn, "credential", &shown);
                c.add(say::conn_credential_invalid(&conn.name, &shown, c.calsync), Severity::Error, ev, None);
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
                c.add(say::conn_credential_inactive(&cred.name, &conn.name), Severity::Error, ev, Some(r));
            }
            Some(_) => {}
        }
    }
}
