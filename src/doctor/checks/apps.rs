//! The user, the applications and their versions, and the integration-mode property.

use super::{Ctx, Repair, Severity};
use crate::doctor::catalogue as say;
use crate::doctor::read::Snapshot;
use crate::facts;
use crate::facts::version_at_least;
use crate::plan::Mode;
use crate::plan::diff::Kind;

pub(super) fn apps(c: &mut Ctx) {
    let s = c.s;
    if !s.user_found || !s.is_admin {
        c.add(say::user_not_admin(&s.user), Severity::Error, vec![], None);
    }
    for (scope, label, min) in [
        (facts::WCS_SCOPE, "Workplace Calendar Synchronization", facts::WCS_USES_SPOKE_FROM),
        (facts::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", ""),
    ] {
        match s.scope(scope) {
            None => c.add(say::app_missing(label, scope), Severity::Error, vec![], None),
            Some(a) if !a.active.0 => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "active", "false")];
                c.add(say::app_inactive(label), Severity::Error, ev, None);
            }
            Some(a) if !min.is_empty() && !version_at_least(&a.version, min) => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "version", &a.version)];
                c.add(say::app_old(label, &a.version, min), Severity::Warning, ev, None);
            }
            Some(_) => {}
        }
    }
    role(c);
    versions(c);
    data_source(c);
    dictionary(c);
}

/// Someone must hold the WCS admin role: the scan runs as it, renewal failures go to it.
fn role(c: &mut Ctx) {
    if c.s.scope(facts::WCS_SCOPE).is_none() {
        return;
    }
    match c.s.wcs_admins {
        Some(0) => c.add(say::role_wcs_admin(), Severity::Warning, vec![], None),
        Some(_) => {}
        None => {
            let said = say::table_unread(
                &format!("whether anyone holds the {} role", facts::WCS_ADMIN_ROLE),
                "sys_user_has_role",
                c.calsync,
            );
            c.add(said, Severity::Warning, vec![], None);
        }
    }
}

/// The spoke's version against WCS's and against the number of providers.
fn versions(c: &mut Ctx) {
    let s = c.s;
    let (Some(wcs), Some(spoke)) = (s.scope(facts::WCS_SCOPE), s.scope(facts::SPOKE_SCOPE)) else { return };
    let active = s.providers.iter().filter(|p| s.provider(p, &facts::PROVIDER_ACTIVE) == "true").count();
    for problem in facts::spoke_unsupported(&wcs.version, &spoke.version, active) {
        let said = match problem {
            facts::SpokeUnsupported::TooOldForWcs => say::app_spoke_old(&spoke.version, &wcs.version),
            facts::SpokeUnsupported::TooOldForProviders => say::app_spoke_multi_provider(active, &spoke.version),
        };
        let ev = vec![c.ev(&spoke.sys_class_name, &spoke.sys_id, "version", &spoke.version)];
        c.add(said, Severity::Error, ev, None);
    }
}

/// The spoke's data source "Exchange Online Calendar" and its Data Stream action.
fn data_source(c: &mut Ctx) {
    let s = c.s;
    if s.scope(facts::SPOKE_SCOPE).is_none() {
        return;
    }
    let Some(rows) = &s.data_sources else {
        let what = format!("the spoke's data source \"{}\" and its Data Stream action", facts::DATA_SOURCE_NAME);
        let said = say::table_unread(&what, facts::DATA_SOURCE_TABLE, c.calsync);
        c.add(said, Severity::Warning, vec![], None);
        return;
    };
    let column = s.dictionary.column(&facts::DATA_STREAM_ACTION);
    match rows.iter().find(|r| crate::snow::records::plain(&r["name"]) == facts::DATA_SOURCE_NAME) {
        None => c.add(say::data_source_missing(), Severity::Error, vec![], None),
        Some(r) if s.dictionary.get(r, &facts::DATA_STREAM_ACTION).trim().is_empty() => {
            let id = crate::snow::records::plain(&r["sys_id"]);
            let ev = vec![c.ev(facts::DATA_SOURCE_TABLE, &id, &column, "")];
            c.add(say::data_source_no_action(), Severity::Error, ev, None);
        }
        Some(_) => {}
    }
}

/// Say when labelled columns could not be looked up and their guesses are used.
fn dictionary(c: &mut Ctx) {
    let s = c.s;
    let missing: Vec<&str> = s.dictionary.missing().iter().map(|f| f.label).collect();
    let said = match s.dictionary.unread() {
        Some(why) => say::dictionary_unread(why),
        None if !missing.is_empty() => say::dictionary_missing(&missing),
        None => return,
    };
    c.add(said, Severity::Info, vec![], None);
}

pub(super) fn mode_property(c: &mut Ctx, mode: Option<Mode>) {
    let s = c.s;
    match (&s.property, mode) {
        (None, _) => c.add(say::mode_missing(), Severity::Error, vec![], None),
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
            c.add(say::mode_value(&p.value, &want), Severity::Error, ev, Some(repair));
        }
        (Some(_), Some(_)) => {}
    }
}

/// The mode the credentials point to: personal if a child alias uses an authorization-code
/// profile, strict if MS Graph 1 does, normal otherwise.
pub(super) fn infer_mode(s: &Snapshot) -> Mode {
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
