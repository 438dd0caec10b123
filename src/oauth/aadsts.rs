//! Microsoft Entra errors in plain words, each with the fix (reference/identity.md §4).
//! Microsoft asks clients not to branch on `error_description`; the numbers come from
//! `error_codes` when the token endpoint sends them, and from the `AADSTSnnnn` prefix of a
//! redirect's description otherwise.

/// Context the sentences need: where calsync listens and how it authenticates.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub redirect_uri: String,
    pub client_id: String,
    pub sent_secret: bool,
}

/// The AADSTS number at the start of a description, if any.
pub fn code_in(description: &str) -> Option<u64> {
    let start = description.find("AADSTS")? + 6;
    let digits: String = description[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A plain sentence for an Entra error code, with what to do about it.
pub fn explain(code: u64, ctx: &Context) -> Option<String> {
    let redirect =
        if ctx.redirect_uri.is_empty() { "calsync's redirect URI".to_string() } else { ctx.redirect_uri.clone() };
    let base = redirect_base(&redirect);
    Some(match code {
        50011 => format!(
            "The app registration does not list calsync's redirect URI. In Entra ID > App registrations > your app > Authentication, add {base} under the platform \"Web\" (calsync then needs the client secret) or \"Mobile and desktop applications\" (run with --public-client). The port is ignored for localhost, so one entry serves every port."
        ),
        500113 => format!("The app registration has no redirect URI at all. Add {base} under Authentication (platform Web, or Mobile and desktop with --public-client)."),
        90102 => "A redirect URI in the request is not a valid absolute URI. Check the app registration's redirect URIs.".into(),
        7000218 => format!(
            "The redirect URI {base} is registered under the \"Web\" platform, so Microsoft wants the client secret, and calsync sent none. Give the secret (CALSYNC_CLIENT_SECRET, the keyring, or the prompt), or move the URI to \"Mobile and desktop applications\" and run with --public-client."
        ),
        700025 => format!(
            "The redirect URI {base} is registered as a public client (\"Mobile and desktop applications\"), and those must not send a client secret. Run with --public-client, or move the URI to the \"Web\" platform."
        ),
        7000215 => "The client secret is wrong. Use the secret's Value, not its Secret ID (Entra shows the Value only once, when the secret is created); create a new secret if it is lost.".into(),
        7000222 => "The client secret has expired. Create a new one under Certificates & secrets, then update it in the registry and in calsync.".into(),
        700016 => format!(
            "No app with client ID {} exists in this tenant. Check the client ID and the tenant in the registry's authorize URL, and that the app is in the same cloud.",
            if ctx.client_id.is_empty() { "(the registry's)" } else { &ctx.client_id }
        ),
        90002 => "The tenant in the authorize URL does not exist (often a tenant of another national cloud). Check the tenant ID in the registry's authorize and token URLs.".into(),
        90038 => "The tenant belongs to another national cloud. Use that cloud's sign-in host and Graph root.".into(),
        65001 => "Nobody has consented to the app's permissions. An admin must grant consent for the tenant (API permissions > Grant admin consent).".into(),
        65004 => "The sign-in was cancelled or consent was declined in the browser. Run again and accept.".into(),
        90094 | 90095 => "These permissions need an administrator's consent. Ask a Global, Privileged Role or Cloud Application Administrator to grant admin consent.".into(),
        70011 => "A requested scope is not valid (a typo, another cloud's Graph host, or .default mixed with named scopes). Check the Graph permissions of the app and the connection URL's cloud.".into(),
        700022 => "The token request named scopes of more than one resource. Ask for Graph scopes only.".into(),
        50020 => "The account that signed in does not belong to this tenant (a personal Microsoft account or another organisation). Sign in with the delegated mailbox of the tenant, or invite that user as a guest.".into(),
        50034 => "That account does not exist in this tenant. Check the spelling of the user name and the tenant.".into(),
        50126 => "The user name or password was wrong. Try again.".into(),
        50076 | 50079 => "Multi-factor authentication is required for this account. Complete it in the browser (or register security info first), then run again.".into(),
        50058 => "The browser has no Microsoft session (nobody is signed in), so a silent sign-in was not possible.".into(),
        53003 => "Conditional Access blocked the sign-in. An admin can see why in Entra ID > Sign-in logs.".into(),
        530035 => "Security defaults blocked the sign-in. An admin can review the security defaults of the tenant.".into(),
        50105 => "The user is not assigned to the app, and the app requires assignment. Assign the user (or a group) in Enterprise applications > Users and groups.".into(),
        50194 => "The app is single-tenant, so it cannot sign in through /common. Put the tenant ID in the registry's authorize and token URLs.".into(),
        50148 | 501481 => "The PKCE verifier did not match the challenge. This is a calsync or proxy fault: run again.".into(),
        54005 => "That authorization code was already used. Run the sign-in again.".into(),
        70008 | 700082 => "The code or refresh token expired (refresh tokens expire after 90 days unused). Sign in again.".into(),
        50173 | 70043 => "The grant was revoked (password change or a sign-in frequency policy). Sign in again.".into(),
        700005 => "The code was redeemed against another tenant than it was issued for. Use the same tenant in the authorize and token URLs.".into(),
        9002325..=9002327 => format!("The redirect URI is registered as a single-page application (SPA), which a command-line tool cannot use. Register {base} under Web or Mobile and desktop instead."),
        500208 | 500207 => "This kind of account is not allowed for this tenant (for example a personal account). Sign in with a work account of the tenant.".into(),
        _ => return None,
    })
}

/// `http://localhost:5000/` as admins register it: without the port.
fn redirect_base(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) if u.host_str() == Some("localhost") => {
            let _ = u.set_port(None);
            u.to_string()
        }
        _ => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sentences() {
        assert_eq!(code_in("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"), Some(7000215));
        assert_eq!(code_in("no code here"), None);
        let ctx = Context { redirect_uri: "http://localhost:53682/".into(), ..Default::default() };
        let s = explain(50011, &ctx).unwrap();
        assert!(s.contains("http://localhost/") && s.contains("Web") && s.contains("Mobile and desktop"), "{s}");
        assert!(explain(7000215, &ctx).unwrap().contains("not its Secret ID"));
        assert!(explain(7000218, &ctx).unwrap().contains("Web"));
        assert!(explain(700025, &ctx).unwrap().contains("--public-client"));
        assert!(explain(1, &ctx).is_none());
    }
}
