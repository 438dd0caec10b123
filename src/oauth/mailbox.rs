//! Which mailbox a credential's token must belong to, decided before anyone signs in, so a
//! token for another account is refused before anything is stored.
//!
//! A credential belongs to the delegated user email of the calendar provider that uses
//! its alias; failing that, to the plan's `delegated_user`; failing that, to the mailbox
//! calsync last signed it in as. Get OAuth Token is never run on a credential whose
//! Integration Type is Personal (WCS troubleshooting: each user's token comes from a
//! pop-up there, and a manual one interferes).

use crate::facts;

/// Where the credential's mailbox was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Provider,
    Plan,
    LastSignIn,
}

impl Source {
    fn phrase(self) -> &'static str {
        match self {
            Source::Provider => "its calendar provider's delegated user email",
            Source::Plan => "the plan's delegated_user",
            Source::LastSignIn => "the mailbox calsync last signed it in as",
        }
    }
}

/// The mailbox a credential belongs to, and why calsync thinks so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub mailbox: String,
    pub source: Source,
}

/// The first known of the provider's, the plan's and the last sign-in's mailbox.
pub fn owner(provider: Option<&str>, plan: Option<&str>, last: Option<&str>) -> Option<Owner> {
    [(provider, Source::Provider), (plan, Source::Plan), (last, Source::LastSignIn)].into_iter().find_map(
        |(m, source)| m.map(str::trim).filter(|m| !m.is_empty()).map(|m| Owner { mailbox: m.to_string(), source }),
    )
}

/// Refuses a sign-in as `expected` for `credential` when the credential belongs to
/// another mailbox, naming both.
pub fn check(credential: &str, expected: &str, owner: Option<&Owner>) -> Result<(), String> {
    match owner {
        Some(o) if !o.mailbox.eq_ignore_ascii_case(expected.trim()) => Err(format!(
            "the credential \"{credential}\" belongs to {} ({}), not to {}; nothing was signed in or stored: sign in as {} or pick the credential of {}",
            o.mailbox,
            o.source.phrase(),
            expected.trim(),
            o.mailbox,
            expected.trim()
        )),
        _ => Ok(()),
    }
}

/// Refuses Get OAuth Token on a credential whose Integration Type is Personal.
pub fn token_allowed(credential: &str, integration_type: &str) -> Result<(), String> {
    if integration_type.eq_ignore_ascii_case(facts::INTEGRATION_TYPE_PERSONAL) {
        return Err(format!(
            "the credential \"{credential}\" has Integration Type Personal, and ServiceNow's documentation forbids Get OAuth Token on it (each user's own token comes from the pop-up in Workplace); nothing was signed in or stored: sign the delegated mailbox in on a System credential instead"
        ));
    }
    Ok(())
}

/// What `authorize` says when the tokens stay in the keyring only.
pub fn keyring_only_note(credential: &str, user: &str) -> String {
    format!(
        "The instance still has no token for \"{credential}\": Workplace Calendar Synchronization cannot sync with it until it does. Run again with --store-on-instance (calsync authorize --credential \"{credential}\" --expect-user {user} --store-on-instance), or click Get OAuth Token on the credential's form signed in as {user}."
    )
}

/// The credential's owner as the instance and calsync's notes know it (the plan is the
/// wizard's to add).
pub async fn owner_on(
    client: &dyn crate::snow::Instance,
    state_dir: &std::path::Path,
    instance_key: &str,
    credential: &str,
) -> Option<Owner> {
    let snapshot = crate::doctor::read::read(client).await.ok();
    let provider = snapshot.as_ref().and_then(|s| crate::doctor::provider_mailbox(s, credential));
    let last = super::delegates::load(state_dir, instance_key).get(credential).cloned();
    owner(provider.as_deref(), None, last.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_wins_then_the_plan_then_the_last_sign_in() {
        let o = owner(Some("north@contoso.com"), Some("plan@contoso.com"), Some("last@contoso.com")).unwrap();
        assert_eq!((o.mailbox.as_str(), o.source), ("north@contoso.com", Source::Provider));
        assert_eq!(owner(None, Some(" plan@contoso.com "), None).unwrap().source, Source::Plan);
        assert_eq!(owner(Some(""), None, Some("last@contoso.com")).unwrap().source, Source::LastSignIn);
        assert_eq!(owner(None, None, None), None);
    }

    #[test]
    fn another_mailbox_is_refused_naming_both() {
        let o = owner(Some("rooms-north@contoso.com"), None, None);
        let e = check("Contoso Rooms North", "rooms-south@contoso.com", o.as_ref()).unwrap_err();
        assert!(e.contains("rooms-north@contoso.com") && e.contains("rooms-south@contoso.com"), "{e}");
        assert!(e.contains("nothing was signed in or stored"), "{e}");
        assert!(check("Contoso Rooms North", "Rooms-North@contoso.com", o.as_ref()).is_ok(), "case does not matter");
        assert!(check("New", "anyone@contoso.com", None).is_ok(), "an unknown owner refuses nothing");
    }

    #[test]
    fn personal_credentials_get_no_token() {
        assert!(token_allowed("PersonalAuth", "personal").unwrap_err().contains("Integration Type Personal"));
        assert!(token_allowed("MS Graph 1", "system").is_ok());
        assert!(token_allowed("MS Graph 1", "").is_ok());
    }
}
