//! What the token checks say (on the instance, in the keyring, in the browser), and the
//! checks that could not look.

use super::{Calsync, Said, address, authorize, capitalized, placeholder, run_again, sign_in_as};
use crate::doctor::ids::Check;

// Tokens: on the instance, in the keyring, in the browser.

/// `mailbox`: the provider's delegated user, when the instance names one.
pub fn token_missing(credential: &str, mailbox: Option<&str>, t: &Calsync) -> Said {
    let fix = format!("{}.", capitalized(&sign_in_as(credential, mailbox, t)));
    Said::new(Check::TokenMissing, format!("the credential \"{credential}\" has no token on the instance"), fix)
}

/// A sign-in again: the command with every flag it needs, or the wizard.
fn sign_in_again(credential: &str, mailbox: Option<&str>, t: &Calsync) -> String {
    match address(mailbox) {
        Ok(m) => {
            format!("Sign {m} in again: {} (or in the wizard: {}).", authorize(credential, m, t), t.cmd("reauth"))
        }
        Err(found) => format!(
            "Sign the delegated mailbox in again: {} ({}; or in the wizard: {}).",
            authorize(credential, "MAILBOX", t),
            placeholder(found),
            t.cmd("reauth")
        ),
    }
}

/// `mailbox`: the mailbox the credential is meant to sign in as, when known.
pub fn token_expired(credential: &str, expires: &str, mailbox: Option<&str>, t: &Calsync) -> Said {
    Said::new(
        Check::TokenExpired,
        format!("the token of \"{credential}\" expired on {expires}"),
        sign_in_again(credential, mailbox, t),
    )
}

/// `mailbox`: the mailbox the credential is meant to sign in as, when known.
pub fn token_refresh_failed(
    credential: &str,
    error: &dyn std::fmt::Display,
    mailbox: Option<&str>,
    t: &Calsync,
) -> Said {
    Said::new(
        Check::TokenRefreshFailed,
        format!("calsync's token for \"{credential}\" could not be refreshed ({error})"),
        sign_in_again(credential, mailbox, t),
    )
}

pub fn token_wrong_account(credential: &str, who: &str, want: &str, t: &Calsync) -> Said {
    Said::new(
        Check::TokenWrongAccount,
        format!("the token of \"{credential}\" belongs to {who}, not to {want}"),
        format!("Sign {want} in again: {}.", authorize(credential, want, t)),
    )
}

/// `mailbox`: the mailbox calsync knows the credential serves (it equals `who`), if any.
/// The keyring token's account is not the mailbox the calendar provider names (and calsync
/// has no note of its own to go by).
pub fn token_account_not_the_providers(credential: &str, who: &str, provider: &str, t: &Calsync) -> Said {
    Said::new(
        Check::TokenAccount,
        format!("calsync's token for \"{credential}\" belongs to {who}, but the calendar provider names {provider}"),
        format!(
            "Sign {provider} in: {}; or, if {who} is the mailbox meant, set the provider's Delegated user email to {who}.",
            authorize(credential, provider, t)
        ),
    )
}

pub fn token_account(credential: &str, who: &str, mailbox: Option<&str>) -> Said {
    Said::new(
        Check::TokenAccount,
        format!("calsync's token for \"{credential}\" belongs to {who}"),
        match mailbox {
            Some(m) => format!("Nothing to do: {m} is the mailbox this credential serves."),
            None => "Nothing to do if that is the delegated mailbox (no provider names one for this credential, and it was not signed in through calsync)."
                .into(),
        },
    )
}

pub fn browser_wrong_account(credential: &str, who: &str, want: &str, t: &Calsync) -> Said {
    Said::new(
        Check::BrowserWrongAccount,
        format!("your browser is signed in to Microsoft as {who}, not {want}"),
        format!(
            "Sign the browser out of Microsoft or use a private window before clicking Get OAuth Token, or let calsync do it: {}.",
            authorize(credential, want, t)
        ),
    )
}

pub fn browser_account(who: &str) -> Said {
    Said::new(
        Check::BrowserAccount,
        format!("your browser is signed in to Microsoft as {who}"),
        "Nothing to do if that is the delegated mailbox.",
    )
}

pub fn browser_no_session(error: &str, expected: Option<&str>) -> Said {
    Said::new(
        Check::BrowserNoSession,
        format!("your browser has no usable Microsoft session ({error})"),
        expected.map_or_else(
            || "Sign in as the delegated mailbox when asked.".into(),
            |w| format!("Sign in as {w} when asked."),
        ),
    )
}

// Checks that could not look.

/// A check that could not run: an error that says so, never a silent pass.
fn not_checked(what: String, reason: String, fix: String) -> Said {
    Said {
        check: Check::NotChecked,
        title: format!("not checked: {what}"),
        fix,
        why: format!("calsync could not look: {reason}. Until it can, this part of the setup is unknown, not healthy."),
    }
}

fn whose_token(credential: &str) -> String {
    format!("which account the token of \"{credential}\" belongs to")
}

pub fn notes_unread(reason: &dyn std::fmt::Display, t: &Calsync) -> Said {
    not_checked(
        "which mailbox each credential was last signed in as, so a token of the wrong account cannot be told apart"
            .into(),
        reason.to_string(),
        format!(
            "Repair or move the notes file named above, then sign the delegated mailboxes in again with {}.",
            t.cmd("reauth")
        ),
    )
}

pub fn keyring_unread(credential: &str, error: &dyn std::fmt::Display, t: &Calsync) -> Said {
    not_checked(
        whose_token(credential),
        format!("the OS keyring could not be read: {error}"),
        format!("Make the OS keyring reachable as the reason says, then {}.", run_again(t)),
    )
}

pub fn registry_unread(credential: &str, error: &dyn std::fmt::Display, t: &Calsync) -> Said {
    not_checked(
        whose_token(credential),
        format!("its app registration could not be read: {error}"),
        format!("Fix what the other findings say about this credential's profile and registry, then {}.", run_again(t)),
    )
}

pub fn sign_in_unset(credential: &str, error: &dyn std::fmt::Display, t: &Calsync) -> Said {
    not_checked(
        whose_token(credential),
        format!("its sign-in could not be set up: {error}"),
        format!("Fix the registry's URLs (see REG-URLS), then {}.", run_again(t)),
    )
}

pub fn token_names_nobody(credential: &str, t: &Calsync) -> Said {
    not_checked(
        whose_token(credential),
        "the refreshed token named no account (no id_token with a user name came back)".into(),
        format!(
            "Check that the app registration grants openid and profile, then sign in again with {}.",
            t.cmd("reauth")
        ),
    )
}

/// A table the doctor reads when it can (`doctor::read`'s optional reads) could not be
/// read: the check that needs it says so instead of passing.
pub fn table_unread(what: &str, table: &str, t: &Calsync) -> Said {
    not_checked(
        what.into(),
        format!("the instance did not let the login read {table} (the read was refused, or the table is not there)"),
        format!("Give the login read access to {table} (the admin role has it), then {}.", run_again(t)),
    )
}

pub fn rooms_unread(error: &dyn std::fmt::Display) -> Said {
    Said {
        why: "The room checks did not run.".into(),
        ..Said::new(
            Check::RoomUnread,
            format!("the rooms' configurations could not be read ({error})"),
            "Check that Workplace Calendar Synchronization and the Exchange Online spoke are installed and that the login may read their tables.",
        )
    }
}
