//! Connection & credential aliases: the spoke's alias, parents, connections.

use super::{Ctx, Repair, Severity, exchange_aliases};
use crate::doctor::catalogue as say;
use crate::facts;
use crate::plan::diff::Kind;

pub(super) fn aliases(c: &mut Ctx) {
    let s = c.s;
    let Some(spoke) = s.alias_by_id(facts::SPOKE_ALIAS_ID) else {
        c.add(say::alias_spoke_missing(), Severity::Error, vec![], None);
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
            c.add(say::alias_parent(&a.id), Severity::Error, ev, Some(repair));
        }
        let active: Vec<_> =
            s.connections.iter().filter(|x| x.connection_alias.id() == &*a.sys_id && x.active.0).collect();
        let inherits = !a.parent.is_empty();
        if active.is_empty() && !inherits {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "connections", "0 active")];
            c.add(say::alias_no_connection(&a.id, c.calsync), Severity::Error, ev, None);
        }
        if active.len() > 1 && !a.multiple_connections.0 {
            let names: Vec<String> = active.iter().map(|x| x.name.0.clone()).collect();
            let ev = active.iter().map(|x| c.ev("http_connection", &x.sys_id, "active", "true")).collect();
            c.add(say::alias_many_connections(&a.id, &names), Severity::Error, ev, None);
        }
    }
}

/// Connection attributes: none on an alias whose parent's connection has some (a child
/// copies its parent's settings), or one name twice on an alias.
pub(super) fn attributes(c: &mut Ctx) {
    let s = c.s;
    let Some(attrs) = &s.connection_attributes else {
        if !exchange_aliases(s).is_empty() {
            let said = say::table_unread(
                "the connection attributes of the Exchange aliases",
                facts::CONNECTION_ATTRIBUTE_TABLE,
                c.calsync,
            );
            c.add(said, Severity::Warning, vec![], None);
        }
        return;
    };
    let names_on = |alias: &str| -> Vec<&str> {
        let conns: Vec<&str> = s
            .connections
            .iter()
            .filter(|x| x.connection_alias.id() == alias && x.active.0)
            .map(|x| &*x.sys_id.0)
            .collect();
        attrs.iter().filter(|(conn, _)| conns.contains(&conn.as_str())).map(|(_, n)| n.as_str()).collect()
    };
    for a in exchange_aliases(s) {
        let has_connection = s.connections.iter().any(|x| x.connection_alias.id() == &*a.sys_id && x.active.0);
        if !has_connection {
            continue;
        }
        let mine = names_on(&a.sys_id);
        let mut seen: Vec<&str> = vec![];
        let twice: Vec<&str> = mine
            .iter()
            .filter(|n| {
                if seen.contains(n) {
                    true
                } else {
                    seen.push(n);
                    false
                }
            })
            .copied()
            .collect();
        let parents = if a.parent.is_empty() { vec![] } else { names_on(a.parent.id()) };
        let (said, shown) = if !twice.is_empty() {
            (say::attributes_twice(&a.id, &twice), format!("{} twice", twice.join(", ")))
        } else if mine.is_empty() && !parents.is_empty() {
            (say::attributes_missing(&a.id, &parents), "none".to_string())
        } else {
            continue;
        };
        let ev = vec![c.ev("sys_alias", &a.sys_id, "connection attributes", &shown)];
        c.add(said, Severity::Error, ev, None);
    }
}
