//! OAuth 2.0 credentials, their profiles, scopes and registries, and the tokens on the
//! instance.

use super::{Ctx, Severity, exchange_aliases, login_host_cloud};
use crate::doctor::ids::Check;
use crate::facts;
use crate::plan::Mode;

pub(super) fn credentials(c: &mut Ctx, mode: Option<Mode>) {
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
                Check::CredNoProfile,
                Severity::Error,
                format!("the credential \"{}\" has no OAuth Entity Profile", cred.name),
                ev,
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
                Check::CredGrantMismatch,
                Severity::Error,
                format!(
                    "the profile \"{}\" uses {} but its registry defaults to {}",
                    profile.name, profile.grant_type, e.default_grant_type
                ),
                ev,
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
                Check::CredModeGrant,
                Severity::Error,
                format!("the credential \"{}\" uses {} in {m} mode", cred.name, profile.grant_type),
                ev,
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
                    c.add(
                        Check::CredScopes,
                        Severity::Error,
                        format!("the profile \"{}\" lacks the scope {needed}", profile.name),
                        ev,
                        format!("Add an OAuth Entity Scope \"{needed}\" to the registry and link it to the profile."),
                        None,
                    );
                }
            }
            if let Some(e) = entity {
                registry(c, e);
            }
            tokens(c, cred, mode);
        }
    }
}

pub(super) fn registry(c: &mut Ctx, e: &crate::snow::records::OAuthEntity) {
    if c.out.iter().any(|f| f.id.as_str().starts_with("REG-") && f.evidence.iter().any(|x| x.sys_id == *e.sys_id)) {
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
            c.add(Check::RegUrls, Severity::Error, format!("the registry \"{}\" does not use Microsoft v2.0 endpoints of one tenant", e.name), ev, "Use https://login.microsoftonline.com/<tenant ID>/oauth2/v2.0/authorize and .../token with the same tenant.".into(), None);
        }
    }
    let want = format!("{}/oauth_redirect.do", c.s.instance);
    if !e.redirect_url.is_empty() && e.redirect_url.0 != want {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "redirect_url", &e.redirect_url)];
        c.add(
            Check::RegRedirect,
            Severity::Error,
            format!("the registry \"{}\" redirects to {}", e.name, e.redirect_url),
            ev,
            format!("Set it to {want}, and register that URI (platform Web) in the Entra app."),
            None,
        );
    }
    if e.client_id.is_empty() {
        let ev = vec![c.ev("oauth_entity", &e.sys_id, "client_id", "")];
        c.add(
            Check::RegClientId,
            Severity::Error,
            format!("the registry \"{}\" has no client ID", e.name),
            ev,
            "Copy the Application (client) ID from the Entra app registration.".into(),
            None,
        );
    }
}

pub(super) fn tokens(c: &mut Ctx, cred: &crate::snow::records::Credential, mode: Option<Mode>) {
    if !matches!(mode, Some(Mode::Strict | Mode::Personal)) {
        return;
    }
    let rt: Vec<&(String, String, String)> =
        c.s.tokens.iter().filter(|(id, kind, _)| *id == *cred.sys_id && kind == "refresh_token").collect();
    let now = crate::clock::now_utc();
    match rt.first() {
        None => {
            let ev = vec![c.ev("oauth_2_0_credentials", &cred.sys_id, "tokens", "none on the instance")];
            c.add(Check::TokenMissing, Severity::Error, format!("the credential \"{}\" has no token on the instance", cred.name), ev, format!("Sign the delegated mailbox in: calsync authorize --credential \"{}\" --expect-user <mailbox> --store-on-instance.", cred.name), None);
        }
        Some((_, _, expires)) if !expires.is_empty() && expires.as_str() < now.as_str() => {
            let ev = vec![c.ev(facts::TOKEN_TABLE, &cred.sys_id, facts::TOKEN_EXPIRES_COLUMN, expires)];
            c.add(
                Check::TokenExpired,
                Severity::Error,
                format!("the token of \"{}\" expired on {expires}", cred.name),
                ev,
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
