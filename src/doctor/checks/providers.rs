//! Calendar providers: processor, override alias, delegated user, sync window, and the
//! own aliases no provider uses (with their retry policy). Every provider column is read
//! under the name the instance's dictionary gives it.

use super::{Ctx, Repair, Severity, exchange_aliases};
use crate::doctor::catalogue as say;
use crate::doctor::read::Snapshot;
use crate::facts;
use crate::plan::Mode;
use crate::plan::diff::Kind;
use crate::snow::records::plain;
use serde_json::Value;

/// A plausible mailbox address: one `@`, something before it, a dotted domain after it.
pub(super) fn valid_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD...` date, if it is one.
fn day_number(s: &str) -> Option<i64> {
    let d = s.trim().get(..10)?;
    let mut it = d.split('-');
    let (y, m, dd): (i64, i64, i64) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    // Days-from-civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The grant type of the credential a provider's connection uses: its override alias's
/// active connection, or the spoke's default alias's.
fn provider_grant(s: &Snapshot, p: &Value) -> Option<String> {
    let alias = if s.provider(p, &facts::PROVIDER_OVERRIDE) == "true" {
        s.provider(p, &facts::PROVIDER_ALIAS)
    } else {
        s.alias_by_id(facts::SPOKE_ALIAS_ID)?.sys_id.0.clone()
    };
    let conn = s.connections.iter().find(|c| c.connection_alias.id() == alias && c.active.0)?;
    let cred = s.credential(conn.credential.id())?;
    s.profile(cred.oauth_entity_profile.id()).map(|p| p.grant_type.0.clone())
}

pub(super) fn providers(c: &mut Ctx, mode: Option<Mode>) {
    let s = c.s;
    if s.scope(facts::WCS_SCOPE).is_none() {
        return;
    }
    let col = |p: &Value, f: &facts::Labelled| s.provider(p, f);
    let column = |f: &facts::Labelled| s.dictionary.column(f);
    let exchange: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    let active: Vec<&Value> = s.providers.iter().filter(|p| col(p, &facts::PROVIDER_ACTIVE) == "true").collect();
    if active.is_empty() {
        c.add(say::provider_none(), Severity::Error, vec![], None);
    }
    let graph = s.dictionary.choice(&facts::PROCESSOR_GRAPH);
    let now = crate::clock::now_utc();
    for p in active {
        let id = plain(&p["sys_id"]);
        let name = plain(&p["name"]);
        let processor = col(p, &facts::PROVIDER_PROCESSOR);
        let lower = processor.to_ascii_lowercase();
        if processor != graph && (processor.is_empty() || lower.contains("ews") || lower.contains("exchange")) {
            let pc = column(&facts::PROVIDER_PROCESSOR);
            let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, &pc, &processor)];
            let repair = Repair {
                kind: Kind::Provider,
                record: name.clone(),
                table: facts::PROVIDER_TABLE.into(),
                sys_id: id.clone(),
                column: pc,
                label: facts::PROVIDER_PROCESSOR.label.into(),
                from: processor.clone(),
                to: graph.clone(),
                to_label: facts::PROCESSOR_GRAPH.label.into(),
                scope: plain(&p["sys_scope"]),
            };
            c.add(say::provider_processor(&name), Severity::Error, ev, Some(repair));
        }
        let alias = col(p, &facts::PROVIDER_ALIAS);
        if col(p, &facts::PROVIDER_OVERRIDE) == "true" {
            let ac = column(&facts::PROVIDER_ALIAS);
            if alias.is_empty() {
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, &ac, "")];
                c.add(say::provider_override_none(&name), Severity::Error, ev, None);
            } else if !exchange.contains(&alias) {
                let shown = s.alias(&alias).map(|a| a.id.0.clone()).unwrap_or(alias.clone());
                let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, &ac, &shown)];
                c.add(say::provider_override_foreign(&name, &shown), Severity::Error, ev, None);
            }
        }
        // Strict and personal modes, or any provider whose connection signs in with
        // authorization code (the scan's rule), need a valid delegated mailbox.
        let delegate = col(p, &facts::PROVIDER_DELEGATE);
        let auth_code = provider_grant(s, p).as_deref() == Some(facts::GRANT_AUTH_CODE);
        if (matches!(mode, Some(Mode::Strict | Mode::Personal)) || auth_code) && !valid_email(&delegate) {
            let ev = vec![c.ev(facts::PROVIDER_TABLE, &id, &column(&facts::PROVIDER_DELEGATE), &delegate)];
            c.add(say::provider_delegate(&name, &delegate), Severity::Error, ev, None);
        }
        sync_window(c, p, &id, &name, &now);
    }
    unused_aliases_and_retry(c);
}

fn sync_window(c: &mut Ctx, p: &Value, id: &str, name: &str, now: &str) {
    let s = c.s;
    let (start, end) = (s.provider(p, &facts::PROVIDER_SYNC_START), s.provider(p, &facts::PROVIDER_SYNC_END));
    let (Some(from), Some(today)) = (day_number(&start), day_number(now)) else { return };
    let start_col = s.dictionary.column(&facts::PROVIDER_SYNC_START);
    if today - from > facts::SYNC_MAX_PAST_DAYS {
        let ev = vec![c.ev(facts::PROVIDER_TABLE, id, &start_col, &start)];
        c.add(say::sync_too_far_back(name, today - from), Severity::Error, ev, None);
    }
    let until = day_number(&end);
    // Five calendar years later: the same day, five years on.
    let five_years = start
        .get(..4)
        .and_then(|y| y.parse::<i64>().ok())
        .and_then(|y| day_number(&format!("{:04}{}", y + facts::SYNC_MIN_YEARS, start.get(4..10).unwrap_or_default())));
    if let (Some(to), Some(min)) = (until, five_years)
        && to < min
    {
        let ev = vec![c.ev(facts::PROVIDER_TABLE, id, &s.dictionary.column(&facts::PROVIDER_SYNC_END), &end)];
        c.add(say::sync_ends_early(name, &end, &start), Severity::Warning, ev, None);
    }
}

/// An own alias that no provider uses does nothing (seed 000); every Exchange alias needs a
/// retry policy that honours Retry-After for at least 120 s.
fn unused_aliases_and_retry(c: &mut Ctx) {
    let s = c.s;
    let used: Vec<String> = s
        .providers
        .iter()
        .filter(|p| s.provider(p, &facts::PROVIDER_OVERRIDE) == "true")
        .map(|p| s.provider(p, &facts::PROVIDER_ALIAS))
        .collect();
    let spoke = s.alias_by_id(facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone()).unwrap_or_default();
    let honor = s.dictionary.choice(&facts::RETRY_HONOR_RETRY_AFTER);
    for a in exchange_aliases(s) {
        let own = !spoke.is_empty() && a.parent.id() == spoke && &*a.name != facts::PERSONAL_ALIAS_NAME;
        if own && !used.contains(&a.sys_id.0) {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "used by providers", "none")];
            c.add(say::provider_unused_alias(&a.id), Severity::Warning, ev, None);
        }
        // The default retry policy, the alias's own or its parent's.
        let policy_id = if a.retry_policy.is_empty() {
            s.alias(a.parent.id()).map(|p| p.retry_policy.value.clone()).unwrap_or_default()
        } else {
            a.retry_policy.value.clone()
        };
        let policy = s.retry_policies.iter().find(|p| p.sys_id == policy_id);
        let bad = match policy {
            None => Some("none".to_string()),
            Some(p) if p.strategy != honor || p.max_elapsed_secs < facts::RETRY_MIN_ELAPSED_SECS => Some(format!(
                "{} (Retry Strategy: {}; Max Elapsed Time: {} s)",
                p.name,
                if p.strategy_label.is_empty() { "none" } else { &p.strategy_label },
                p.max_elapsed_secs
            )),
            Some(_) => None,
        };
        if let Some(shown) = bad {
            let ev = vec![c.ev("sys_alias", &a.sys_id, "retry_policy", &shown)];
            c.add(say::alias_retry(&a.id), Severity::Warning, ev, None);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mailbox_addresses_and_dates() {
        assert!(super::valid_email("rooms@contoso.com"));
        for bad in ["", "rooms", "rooms@", "@contoso.com", "rooms@contoso", "a b@contoso.com", "a@b@c.com"] {
            assert!(!super::valid_email(bad), "{bad}");
        }
        assert_eq!(super::day_number("1970-01-02 00:00:00"), Some(1));
        assert_eq!(super::day_number("2026-01-01"), Some(20_454));
        assert_eq!(super::day_number("soon"), None);
    }
}
