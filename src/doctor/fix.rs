//! `calsync doctor --fix`: the safe repairs (one field of one record each: a Graph URL,
//! URL builder, Use MID server, a parent alias, an inactive credential, the mode property)
//! as a diff, applied through the same engine as `calsync apply`.

use super::Finding;
use crate::plan::diff::{Action, Diff, FieldChange, Item, Val};
use crate::plan::{InstanceState, Mode};

/// The repairs of the fixable findings, as a diff ready for review and apply.
pub fn diff(findings: &[Finding], mode: Option<Mode>) -> Diff {
    let mut items: Vec<Item> = vec![];
    for r in findings.iter().filter_map(|f| f.repair.as_ref()) {
        let change = FieldChange { field: r.label.clone(), from: Some(r.from.clone()), to: r.to_label.clone() };
        let write = (r.column.clone(), Val::Lit(r.to.clone()));
        // Several repairs of one record go out as one update.
        if let Some(item) = items.iter_mut().find(|i| i.table == r.table && i.sys_id.as_deref() == Some(&r.sys_id)) {
            item.fields.push(change);
            item.writes.push(write);
            continue;
        }
        items.push(Item {
            kind: r.kind,
            name: r.record.clone(),
            table: r.table.clone(),
            action: Action::Update,
            sys_id: Some(r.sys_id.clone()),
            fields: vec![change],
            reason: None,
            note: None,
            writes: vec![write],
            scope: r.scope.clone(),
            expect_id: None,
        });
    }
    Diff { mode: mode.unwrap_or(Mode::Normal), scope: "each record's own application".into(), items }
}

/// The state the apply engine needs to switch (and restore) the current application.
pub fn state(snapshot: &super::read::Snapshot) -> InstanceState {
    InstanceState {
        user: snapshot
            .user_id
            .clone()
            .map(|id| crate::snow::records::User { sys_id: crate::snow::records::Text(id), ..Default::default() }),
        is_admin: snapshot.is_admin,
        pref: snapshot.pref.clone(),
        scopes: snapshot.scopes.clone(),
        ..Default::default()
    }
}
