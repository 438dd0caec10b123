//! Calendar providers: processor, override alias, delegated user, sync window, and the
//! own aliases no provider uses (with their retry policy).

use super::{Ctx, Repair, Severity, exchange_aliases};
use crate::doctor::ids::Check;
use crate::facts;
use crate::plan::Mode;
use crate::plan::diff::Kind;

pub(super) fn providers(c: &mut Ctx, mode: Option<Mode>) {
    use crate::snow::records::plain;
    let s = c.s;
    if s.scope(facts::WCS_SCOPE).is_none() {
        return;
    }
    let col = |p: &serde_json::Value, k: &str| plain(&p[k]);
    let exchange: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    let active: Vec<&serde_json::Value> = s.providers.iter().filter(|p| col(p, "active") == "true").collect();
    if active.is_empty() {
        c.add(
            Check::ProviderNone,
            Severity::Error,
            "no calendar provider is active".into(),
            vec![],
            "Create or activate a calendar provider with the Microsoft Graph processor (a [[provider]] in a plan)."
                .into(),
            None,
        );
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
            c.add(
                Check::ProviderProcessor,
                Severity::Error,
                format!("the calendar provider \"{name}\" does not use the Microsoft Graph processor"),
                ev,
                "Set its Calendar processor to Microsoft Graph.".into(),
                Some(repair),
            );
        }
        let alias = col(p, facts::PROVIDER_ALIAS_COLUMN);
        if col(p, facts::PROVIDER_OVERRIDE_COLUMN) == "true" {
            if alias.is_empty() {
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_ALIAS_COLUMN, "")];
                c.add(
                    Check::ProviderOverride,
                    Severity::Error,
                    format!("the calendar provider \"{name}\" overrides the alias but names none"),
                    ev,
                    "Pick the own alias in Connection & credential alias, or clear Override alias?.".into(),
                    None,
                );
            } else if !exchange.contains(&alias) {
                let shown = s.alias(&alias).map(|a| a.id.0.clone()).unwrap_or(alias.clone());
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_ALIAS_COLUMN, &shown)];
                c.add(
                    Check::ProviderOverride,
                    Severity::Error,
                    format!(
                        "the calendar provider \"{name}\" overrides to {shown}, which is not an Exchange Online alias"
                    ),
                    ev,
                    format!("Point it at a child of {}.", facts::SPOKE_ALIAS_ID),
                    None,
                );
            }
        }
        if matches!(mode, Some(Mode::Strict | Mode::Personal)) && col(p, facts::PROVIDER_DELEGATE_COLUMN).is_empty() {
            let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, facts::PROVIDER_DELEGATE_COLUMN, "")];
            c.add(Check::ProviderDelegate, Severity::Error, format!("the calendar provider \"{name}\" has no delegated user email"), ev, "Set Delegated user email to the mailbox its credential is signed in as, or deactivate the provider if per-mailbox providers replaced it.".into(), None);
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
            c.add(Check::ProviderUnusedAlias, Severity::Warning, format!("no calendar provider overrides to the alias {}", a.id), ev, "Set Override alias? and this alias on the calendar provider of its delegated mailbox (a [[provider]] with alias = ...).".into(), None);
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
            c.add(
                Check::AliasRetry,
                Severity::Warning,
                format!("the alias {} has no retry policy that honours Retry-After for 120 s", a.id),
                ev,
                format!(
                    "Set its Default retry policy to \"{}\" (honour Retry-After, max elapsed at least 120 s).",
                    facts::RETRY_POLICY_NAME
                ),
                None,
            );
        }
    }
}
