//! OAuth 2.0 credentials, their profiles, scopes and registries, and the tokens on the
//! instance.

use super::{Ctx, Severity, exchange_aliases, login_host_cloud};
use crate::doctor::catalogue as say;
use crate::doctor::read::Snapshot;
use crate::facts;
use crate::plan::Mode;
use crate::snow::records::{Credential, OAuthEntity, OAuthProfile};

fn spoke_graph(cr: &Credential) -> bool {
    [facts::MS_GRAPH_1, facts::MS_GRAPH_2].contains(&&*cr.name)
}

/// Does an active calendar provider synchronize through the spoke's default alias (no
/// override)? Then MS Graph 1 and 2 are the credentials that sign in.
fn default_alias_in_use(s: &Snapshot) -> bool {
    s.providers
        .iter()
        .any(|p| s.provider(p, &facts::PROVIDER_ACTIVE) == "true" && s.provider(p, &facts::PROVIDER_OVERRIDE) != "true")
}

/// The credentials used system to system: MS Graph 1 and 2, and those of the aliases an
/// active provider overrides to.
fn system_credential(s: &Snapshot, cred: &Credential) -> bool {
    let overridden: Vec<String> = s
        .providers
        .iter()
        .filter(|p| {
            s.provider(p, &facts::PROVIDER_ACTIVE) == "true" && s.provider(p, &facts::PROVIDER_OVERRIDE) == "true"
        })
        .map(|p| s.provider(p, &facts::PROVIDER_ALIAS))
        .collect();
    spoke_graph(cred)
        || s.connections
            .iter()
            .any(|x| x.credential.id() == &*cred.sys_id && overridden.iter().any(|a| a == x.connection_alias.id()))
}

/// `token_mode`: the mode to check tokens for, the property's or, when its value is not one
/// of its choices, the one the credentials are set up for.
pub(super) fn credentials(c: &mut Ctx, mode: Option<Mode>, token_mode: Option<Mode>) {
    let s = c.s;
    let aliases: Vec<String> = exchange_aliases(s).iter().map(|a| a.sys_id.0.clone()).collect();
    let mut creds: Vec<&Credential> = s
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
    creds.dedup_by(|a, b| a.sys_id == b.sys_id);
    let default_alias = default_alias_in_use(s);
    for cred in creds {
        let Some(profile) = s.profile(cred.oauth_entity_profile.id()) else {
            let ev = vec![c.ev(
                "oauth_2_0_credentials",
                &cred.sys_id,
                "oauth_entity_profile",
                cred.oauth_entity_profile.id(),
            )];
            c.add(say::cred_no_profile(&cred.name), Severity::Error, ev, None);
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
            let said = say::cred_grant_mismatch(&profile.name, &profile.grant_type, &e.default_grant_type);
            c.add(said, Severity::Error, ev, None);
        }
        mode_grant(c, cred, profile, mode, default_alias);
        integration_type(c, cred, profile);
        if profile.grant_type.0 == facts::GRANT_AUTH_CODE {
            scopes(c, profile);
            if let Some(e) = entity {
                registry(c, e, true);
            }
            if !s.is_personal(cred) {
                tokens(c, cred, token_mode);
            }
        } else if let Some(e) = entity {
            registry(c, e, false);
        }
    }
}

fn mode_grant(c: &mut Ctx, cred: &Credential, profile: &OAuthProfile, mode: Option<Mode>, default_alias: bool) {
    let want = match mode {
        Some(Mode::Normal) if spoke_graph(cred) => Some(facts::GRANT_CLIENT_CREDENTIALS),
        Some(Mode::Strict) if spoke_graph(cred) => Some(facts::GRANT_AUTH_CODE),
        // In personal mode MS Graph 1 and 2 move to the personal authentication profile
        // whenever a provider synchronizes through the default alias (seed 001).
        Some(Mode::Personal) if !spoke_graph(cred) || default_alias => Some(facts::GRANT_AUTH_CODE),
        _ => None,
    };
    let (Some(w), Some(m)) = (want, mode) else { return };
    if profile.grant_type.0 == w {
        return;
    }
    let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "oauth_entity_profile", &profile.name)];
    let s = c.s;
    let active = |p: &&serde_json::Value| s.provider(p, &facts::PROVIDER_ACTIVE) == "true";
    let overrides = |p: &&serde_json::Value| s.provider(p, &facts::PROVIDER_OVERRIDE) == "true";
    let providers: Vec<String> = s
        .providers
        .iter()
        .filter(|p| active(p) && !overrides(p))
        .map(|p| crate::snow::records::plain(&p["name"]))
        .collect();
    let mailbox = crate::doctor::provider_mailbox(s, &cred.name);
    let usage = say::DefaultAliasUse {
        providers: &providers,
        own_aliases: s.providers.iter().any(|p| active(&p) && overrides(&p)),
        mailbox: mailbox.as_deref(),
    };
    let personal = (m == Mode::Personal && spoke_graph(cred)).then_some(&usage);
    let said = say::cred_mode_grant(&cred.name, &profile.grant_type, m, w, personal, c.calsync);
    c.add(said, Severity::Error, ev, None);
}

/// System on the system-to-system credentials; Personal only with authorization code.
fn integration_type(c: &mut Ctx, cred: &Credential, profile: &OAuthProfile) {
    let s = c.s;
    if !s.is_personal(cred) {
        return;
    }
    let column = s.dictionary.column(&facts::CREDENTIAL_INTEGRATION_TYPE);
    let shown = s.dictionary.choice_label(&facts::CREDENTIAL_INTEGRATION_TYPE, &s.integration_type(cred));
    let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, &column, &shown)];
    if system_credential(s, cred) {
        c.add(say::integration_type_system(&cred.name), Severity::Error, ev, None);
    } else if profile.grant_type.0 != facts::GRANT_AUTH_CODE {
        c.add(say::integration_type_grant(&cred.name, &profile.grant_type), Severity::Error, ev, None);
    }
}

fn scopes(c: &mut Ctx, profile: &OAuthProfile) {
    let s = c.s;
    let linked: Vec<&crate::doctor::read::ScopeLink> =
        s.profile_scopes.iter().filter(|l| l.profile == *profile.sys_id).collect();
    for needed in facts::DELEGATED_SCOPES {
        if !linked.iter().any(|l| l.scope.trim_start_matches("https://graph.microsoft.com/") == needed) {
            let ev = vec![c.ev("oauth_entity_profile", &profile.sys_id, "scopes", &format!("{needed} missing"))];
            c.add(say::cred_scopes(&profile.name, needed, &profile.grant_type), Severity::Error, ev, None);
        }
    }
    let own = profile.oauth_entity.id();
    for l in linked.iter().filter(|l| !l.registry.is_empty() && l.registry != own) {
        let other = s.entity(&l.registry).map(|e| e.name.0.clone()).unwrap_or_else(|| l.registry.clone());
        let ev = vec![c.ev("oauth_entity_scope", &l.scope_id, "oauth_entity", &other)];
        c.add(say::cred_scope_provider(&profile.name, &l.scope, &other), Severity::Error, ev, None);
    }
}

/// The registry's endpoints and client ID; `auth_code`: its authorize and redirect URLs
/// matter too (client credentials only ever use the token URL).
pub(super) fn registry(c: &mut Ctx, e: &OAuthEntity, auth_code: bool) {
    if c.out.iter().any(|f| f.id.as_str().starts_with("REG-") && f.evidence.iter().any(|x| x.sys_id == *e.sys_id)) {
        return;
    }
    let auth = login_host_cloud(&e.auth_url).filter(|(_, _, k)| k == "authorize");
    let token = login_host_cloud(&e.token_url).filter(|(_, _, k)| k == "token");
    if token.is_none() {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "token_url", &e.token_url)];
        c.add(say::reg_token_url(&e.name, &e.token_url), Severity::Error, ev, None);
    }
    if auth_code && auth.is_none() {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "auth_url", &e.auth_url)];
        c.add(say::reg_auth_url(&e.name, &e.auth_url), Severity::Error, ev, None);
    }
    if auth_code
        && let (Some((ca, ta, _)), Some((ct, tt, _))) = (&auth, &token)
        && (ca.name != ct.name || ta != tt)
    {
        let ev = vec![
            c.ev("oauth_entity", &e.sys_id, "auth_url", &e.auth_url),
            c.ev("oauth_entity", &e.sys_id, "token_url", &e.token_url),
        ];
        c.add(say::reg_urls(&e.name), Severity::Error, ev, None);
    }
    let want = format!("{}/oauth_redirect.do", c.s.instance);
    if auth_code && !e.redirect_url.is_empty() && e.redirect_url.0 != want {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "redirect_url", &e.redirect_url)];
        c.add(say::reg_redirect(&e.name, &e.redirect_url, &want), Severity::Error, ev, None);
    }
    if e.client_id.is_empty() {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "client_id", "")];
        c.add(say::reg_client_id(&e.name), Severity::Error, ev, None);
    }
}

/// The delegated user's token on the instance, for the system credentials of strict and
/// personal modes. Never asked of the per-user credential of personal mode: its tokens are
/// made per user, and Get OAuth Token on it interferes (the troubleshooting page).
pub(super) fn tokens(c: &mut Ctx, cred: &Credential, mode: Option<Mode>) {
    if !matches!(mode, Some(Mode::Strict | Mode::Personal)) {
        return;
    }
    let rt: Vec<&(String, String, String)> =
        c.s.tokens.iter().filter(|(id, kind, _)| *id == *cred.sys_id && kind == "refresh_token").collect();
    let now = crate::clock::now_utc();
    match rt.first() {
        None => {
            let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "tokens", "none on the instance")];
            let mailbox = crate::doctor::provider_mailbox(c.s, &cred.name);
            c.add(say::token_missing(&cred.name, mailbox.as_deref(), c.calsync), Severity::Error, ev, None);
        }
        Some((_, _, expires)) if !expires.is_empty() && expires.as_str() < now.as_str() => {
            let ev = vec![c.ev(facts::TOKEN_TABLE, &cred.sys_id, facts::TOKEN_EXPIRES_COLUMN, expires)];
            let mailbox = crate::doctor::provider_mailbox(c.s, &cred.name);
            c.add(say::token_expired(&cred.name, expires, mailbox.as_deref(), c.calsync), Severity::Error, ev, None);
        }
        Some(_) => {}
    }
}
