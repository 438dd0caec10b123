//! The user, the applications and their versions, and the integration-mode property.

use super::{Ctx, Repair, Severity};
use crate::doctor::ids::Check;
use crate::doctor::read::Snapshot;
use crate::facts;
use crate::plan::Mode;
use crate::plan::diff::Kind;
use crate::wizard::steps::checks::version_at_least;

pub(super) fn apps(c: &mut Ctx) {
    let s = c.s;
    if !s.user_found || !s.is_admin {
        c.add(
            Check::UserNotAdmin,
            Severity::Error,
            format!("{} does not have the admin role", s.user),
            vec![],
            "Run the doctor as a user with the admin role.".into(),
            None,
        );
    }
    for (scope, label, min) in [
        (facts::WCS_SCOPE, "Workplace Calendar Synchronization", facts::WCS_USES_SPOKE_FROM),
        (facts::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", ""),
    ] {
        match s.scope(scope) {
            None => c.add(
                Check::AppMissing,
                Severity::Error,
                format!("{label} ({scope}) is not installed"),
                vec![],
                format!("Install {label} from the ServiceNow Store."),
                None,
            ),
            Some(a) if !a.active.0 => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "active", "false")];
                c.add(
                    Check::AppInactive,
                    Severity::Error,
                    format!("{label} is inactive"),
                    ev,
                    format!("Activate {label}."),
                    None,
                );
            }
            Some(a) if !min.is_empty() && !version_at_least(&a.version, min) => {
                let ev = vec![c.ev(&a.sys_class_name, &a.sys_id, "version", &a.version)];
                c.add(
                    Check::AppOld,
                    Severity::Warning,
                    format!("{label} {} predates {min}", a.version),
                    ev,
                    format!("Upgrade {label} to a current version."),
                    None,
                );
            }
            Some(_) => {}
        }
    }
}

pub(super) fn mode_property(c: &mut Ctx, mode: Option<Mode>) {
    let s = c.s;
    match (&s.property, mode) {
        (None, _) => c.add(
            Check::ModeMissing,
            Severity::Error,
            format!("the property {} does not exist", facts::MODE_PROPERTY),
            vec![],
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
            c.add(
                Check::ModeValue,
                Severity::Error,
                format!("the integration mode \"{}\" is not one of the property's values", p.value),
                ev,
                format!("Set it to {want}, the mode the credentials are set up for."),
                Some(repair),
            );
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
