//! Every title and fix the doctor prints, in one place, with the values they name (record
//! names, mailboxes, versions) as parameters; the why of each check is beside its id in
//! `ids` (the room findings carry a reason of their own, written here). A check decides
//! *whether* something is wrong and gathers the evidence; how that is said to the admin is
//! written here, so a wording is changed once. By area, as the checks are: `setup` (the
//! setup's records), `tokens` (tokens and checks that could not look), `rooms`.
//!
//! Fixes that name a calsync command go to the instance the doctor examined: `Calsync`
//! carries the flags it was run with (`--sandbox`, `--instance URL --user U`), and every
//! command in a fix is written through `Calsync::cmd`; a sign-in through `authorize`, with
//! the mailbox and the hand-over to the instance, so it runs as printed.

mod rooms;
mod setup;
mod tokens;

pub use rooms::*;
pub use setup::*;
pub use tokens::*;

use super::checks::{Evidence, Finding, Severity};
use super::ids::Check;

/// How the doctor reached its instance, as the flags a command copied from a fix needs to
/// reach the same one. Empty for the saved default instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calsync {
    /// Each flag with a leading space, ready to follow a command's own arguments.
    flags: String,
}

impl Calsync {
    /// The target of this run: the sandbox (and its single sign-on), or the instance, user
    /// and sign-in method given on the command line or in the environment.
    pub fn of(config: &crate::config::Config) -> Calsync {
        let mut flags: Vec<String> = vec![];
        if config.sandbox {
            flags.push("--sandbox".into());
            if config.sandbox_sso {
                flags.push("--sso".into());
            }
        } else {
            if let Some(i) = &config.instance {
                flags.push(format!("--instance {}", shell_word(i)));
            }
            if let Some(u) = &config.user {
                flags.push(format!("--user {}", shell_word(u)));
            }
            if let Some(m) = config.sign_in {
                flags.push(format!("--sign-in {}", m.as_str()));
            }
            if let Some(id) = &config.client_id {
                flags.push(format!("--client-id {}", shell_word(id)));
            }
        }
        Calsync { flags: flags.iter().map(|f| format!(" {f}")).collect() }
    }

    /// `calsync ARGS` followed by the target's flags.
    pub fn cmd(&self, args: &str) -> String {
        format!("calsync {args}{}", self.flags)
    }
}

/// A value as one shell word: bare when it is plain, in quotes otherwise.
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else if !s.contains(['"', '$', '`', '\\', '!']) {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// What a finding says: its check, its title, its fix, and why it matters (the check's
/// own reason unless the finding has a more particular one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub check: Check,
    pub title: String,
    pub fix: String,
    pub why: String,
}

impl Said {
    fn new(check: Check, title: impl Into<String>, fix: impl Into<String>) -> Said {
        Said { check, title: title.into(), fix: fix.into(), why: check.why().into() }
    }

    /// The finding, with no repair.
    pub fn finding(self, severity: Severity, evidence: Vec<Evidence>) -> Finding {
        Finding {
            id: self.check,
            severity,
            title: self.title,
            evidence,
            why: self.why,
            fix: self.fix,
            fixable: false,
            repair: None,
        }
    }
}

/// "run calsync doctor again", for the target.
pub fn run_again(t: &Calsync) -> String {
    format!("run {} again", t.cmd("doctor"))
}

/// A fix as the wizard shows it: there checking again is a key away, not a command.
pub fn in_the_wizard(fix: &str, t: &Calsync) -> String {
    fix.replace(&run_again(t), "press c to check again")
}

/// "sign MAILBOX in: calsync authorize ..." with every flag the command needs, the
/// mailbox named when the instance or calsync's notes know it and it is an address
/// `authorize --expect-user` accepts; otherwise the MAILBOX placeholder and where to find it.
fn sign_in_as(credential: &str, mailbox: Option<&str>, t: &Calsync) -> String {
    match address(mailbox) {
        Ok(m) => format!("sign {m} in: {}", authorize(credential, m, t)),
        Err(found) => {
            format!("sign the delegated mailbox in: {} ({})", authorize(credential, "MAILBOX", t), placeholder(found))
        }
    }
}

/// The mailbox when it is an address `authorize --expect-user` takes; otherwise the value
/// that is not one (`None` when nothing names a mailbox), so a fix never prints a command
/// calsync refuses.
fn address(mailbox: Option<&str>) -> Result<&str, Option<&str>> {
    match mailbox {
        Some(m) if crate::cli::authorize::mailbox(m).is_ok() => Ok(m.trim()),
        Some(m) if !m.trim().is_empty() => Err(Some(m)),
        _ => Err(None),
    }
}

/// Where MAILBOX comes from; when the provider names something that is not an address,
/// that it must be set first.
fn placeholder(found: Option<&str>) -> String {
    match found {
        None => "MAILBOX: the calendar provider's Delegated user email".into(),
        Some(v) => format!(
            "MAILBOX: the delegated user's full address; the calendar provider's Delegated user email, \"{}\", is not one: set it first, see {}",
            crate::sanitize::line(v),
            Check::ProviderDelegate.as_str()
        ),
    }
}

/// The one command that signs a credential in and puts its token on the instance.
fn authorize(credential: &str, mailbox: &str, t: &Calsync) -> String {
    t.cmd(&format!("authorize --credential \"{credential}\" --expect-user {mailbox} --store-on-instance"))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> crate::config::Config {
        crate::config::Config::isolated("/nonexistent")
    }

    #[test]
    fn commands_carry_the_flags_the_doctor_was_run_with() {
        assert_eq!(Calsync::of(&config()).cmd("reauth"), "calsync reauth");
        let mut c = config();
        c.sandbox = true;
        assert_eq!(Calsync::of(&c).cmd("reauth"), "calsync reauth --sandbox");
        c.sandbox_sso = true;
        assert_eq!(Calsync::of(&c).cmd("doctor"), "calsync doctor --sandbox --sso");
        let mut c = config();
        c.instance = Some("https://dev1.service-now.com".into());
        c.user = Some("admin".into());
        assert_eq!(
            Calsync::of(&c).cmd("doctor"),
            "calsync doctor --instance https://dev1.service-now.com --user admin"
        );
        c.instance = Some("my dev".into());
        c.user = Some("o'brien $HOME".into());
        assert_eq!(Calsync::of(&c).cmd("doctor"), "calsync doctor --instance \"my dev\" --user 'o'\\''brien $HOME'");
    }

    #[test]
    fn the_wizard_says_press_c_for_the_targets_doctor_again() {
        let mut c = config();
        c.sandbox = true;
        let t = Calsync::of(&c);
        let fix = format!("Open the form and click Activate, then {}.", run_again(&t));
        assert_eq!(fix, "Open the form and click Activate, then run calsync doctor --sandbox again.");
        assert_eq!(in_the_wizard(&fix, &t), "Open the form and click Activate, then press c to check again.");
    }

    #[test]
    fn a_fix_never_signs_in_a_mailbox_that_is_not_an_address() {
        let mut c = config();
        c.sandbox = true;
        let t = Calsync::of(&c);
        let e = "AADSTS70008";
        for said in [
            token_missing("Contoso Rooms East", Some("rooms-east"), &t),
            token_expired("Contoso Rooms East", "2024-03-01", Some("rooms-east"), &t),
            token_refresh_failed("Contoso Rooms East", &e, Some("rooms-east"), &t),
        ] {
            assert!(!said.fix.contains("--expect-user rooms-east"), "{}", said.fix);
            assert!(!said.fix.contains("Sign rooms-east"), "{}", said.fix);
            assert!(said.fix.contains("--expect-user MAILBOX --store-on-instance --sandbox"), "{}", said.fix);
            assert!(
                said.fix.contains("\"rooms-east\", is not one: set it first, see PROVIDER-DELEGATE"),
                "{}",
                said.fix
            );
        }
        let ok = token_expired("Contoso Rooms East", "2024-03-01", Some("rooms-east@contoso.com"), &t);
        assert!(ok.fix.starts_with("Sign rooms-east@contoso.com in again: "), "{}", ok.fix);
        assert!(ok.fix.contains("--expect-user rooms-east@contoso.com "), "{}", ok.fix);
    }

    #[test]
    fn a_link_in_a_fix_is_followed_by_a_space_or_ends_the_sentence() {
        let link = "https://dev1.service-now.com/sys_webhook_registry.do?sys_id=82030d80";
        for said in
            [webhook_no_callback("callback URL", link, &webhook_then(&[], 0)), room_no_subscription("Room 1", link)]
        {
            let words: Vec<&str> = said.fix.split_whitespace().filter(|w| w.contains("://")).collect();
            assert!(!words.is_empty(), "{}", said.fix);
            for w in words {
                assert!(w == link || w == format!("{link}."), "{w:?} in {}", said.fix);
            }
        }
    }

    #[test]
    fn every_fix_that_names_a_command_names_the_target() {
        let mut c = config();
        c.sandbox = true;
        let t = Calsync::of(&c);
        let e = "AADSTS70008";
        for said in [
            token_missing("MS Graph 1", Some("rooms@contoso.com"), &t),
            token_missing("MS Graph 1", None, &t),
            token_expired("MS Graph 1", "2020-01-01", Some("rooms@contoso.com"), &t),
            token_expired("MS Graph 1", "2020-01-01", None, &t),
            token_refresh_failed("MS Graph 1", &e, Some("rooms@contoso.com"), &t),
            token_wrong_account("MS Graph 1", "a@b.com", "c@b.com", &t),
            browser_wrong_account("MS Graph 1", "a@b.com", "c@b.com", &t),
            provider_delegate_mismatch("P", "a@b.com", "MS Graph 1", "c@b.com", &t),
            cred_mode_grant(
                "MS Graph 1",
                "client_credentials",
                crate::plan::Mode::Personal,
                "authorization_code",
                Some(&DefaultAliasUse {
                    providers: &["Microsoft Exchange Online".into()],
                    own_aliases: true,
                    mailbox: None,
                }),
                &t,
            ),
            cred_mode_grant(
                "MS Graph 1",
                "client_credentials",
                crate::plan::Mode::Personal,
                "authorization_code",
                Some(&DefaultAliasUse { providers: &[], own_aliases: false, mailbox: Some("rooms@contoso.com") }),
                &t,
            ),
            notes_unread(&e, &t),
            keyring_unread("MS Graph 1", &e, &t),
            registry_unread("MS Graph 1", &e, &t),
            sign_in_unset("MS Graph 1", &e, &t),
            token_names_nobody("MS Graph 1", &t),
            alias_no_connection("x", &t),
            conn_no_credential("x", &t),
            conn_credential_invalid("x", "y", &t),
        ] {
            let commands: usize = ["calsync apply", "calsync authorize", "calsync reauth", "calsync doctor"]
                .iter()
                .map(|c| said.fix.matches(c).count())
                .sum();
            // A sign-in command runs as printed: the mailbox and the hand-over are in it.
            let authorize = said.fix.matches("calsync authorize").count();
            assert_eq!(said.fix.matches("--expect-user").count(), authorize, "{}", said.fix);
            assert_eq!(said.fix.matches("--store-on-instance").count(), authorize, "{}", said.fix);
            assert!(commands > 0, "{said:?}");
            assert_eq!(said.fix.matches("--sandbox").count(), commands, "{}", said.fix);
        }
    }
}
