//! Every title and fix the doctor prints, in one place, with the values they name (record
//! names, mailboxes, versions) as parameters; the why of each check is beside its id in
//! `ids`. A check decides *whether* something is wrong and gathers the evidence; how that
//! is said to the admin is written here, so a wording is changed once.
//!
//! Fixes that name a calsync command go to the instance the doctor examined: `Calsync`
//! carries the flags it was run with (`--sandbox`, `--instance URL --user U`), and every
//! command in a fix is written through `Calsync::cmd`.

use super::checks::{Evidence, Finding, Severity};
use super::ids::Check;
use crate::facts;

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

// The user and the applications.

pub fn user_not_admin(user: &str) -> Said {
    Said::new(
        Check::UserNotAdmin,
        format!("{user} does not have the admin role"),
        "Run the doctor as a user with the admin role.",
    )
}

pub fn app_missing(label: &str, scope: &str) -> Said {
    Said::new(
        Check::AppMissing,
        format!("{label} ({scope}) is not installed"),
        format!("Install {label} from the ServiceNow Store."),
    )
}

pub fn app_inactive(label: &str) -> Said {
    Said::new(Check::AppInactive, format!("{label} is inactive"), format!("Activate {label}."))
}

pub fn app_old(label: &str, version: &str, min: &str) -> Said {
    Said::new(
        Check::AppOld,
        format!("{label} {version} predates {min}"),
        format!("Upgrade {label} to a current version."),
    )
}

pub fn role_wcs_admin() -> Said {
    Said::new(
        Check::RoleWcsAdmin,
        format!("no user holds the role {}", facts::WCS_ADMIN_ROLE),
        format!("Grant {} to the administrators of the calendar synchronization.", facts::WCS_ADMIN_ROLE),
    )
}

pub fn app_spoke_old(spoke: &str, wcs: &str) -> Said {
    Said::new(
        Check::AppSpokeOld,
        format!(
            "the Microsoft Exchange Online Spoke {spoke} is older than {}, which Workplace Calendar Synchronization {wcs} needs",
            facts::SPOKE_MIN_FOR_WCS_2
        ),
        format!("Upgrade the Microsoft Exchange Online Spoke to {} or later.", facts::SPOKE_MIN_FOR_WCS_2),
    )
}

pub fn app_spoke_multi_provider(active: usize, spoke: &str) -> Said {
    Said::new(
        Check::AppSpokeMultiProvider,
        format!(
            "{active} calendar providers are active, but the Microsoft Exchange Online Spoke {spoke} predates {}",
            facts::SPOKE_MIN_MULTI_PROVIDER
        ),
        format!(
            "Upgrade the Microsoft Exchange Online Spoke to {} or later, or keep one provider active.",
            facts::SPOKE_MIN_MULTI_PROVIDER
        ),
    )
}

const REPAIR_SPOKE: &str = "Repair the Microsoft Exchange Online Spoke (All > System Definition > Plugins > Microsoft Exchange Online Spoke > Repair), which also brings the com.glide.hub.action_type.datastream plugin.";

pub fn data_source_missing() -> Said {
    Said::new(
        Check::SpokeDataSource,
        format!("the spoke's data source \"{}\" does not exist", facts::DATA_SOURCE_NAME),
        REPAIR_SPOKE,
    )
}

pub fn data_source_no_action() -> Said {
    Said::new(
        Check::SpokeDataSource,
        format!("the data source \"{}\" has no Data Stream action", facts::DATA_SOURCE_NAME),
        REPAIR_SPOKE,
    )
}

pub fn dictionary_unread(why: &str) -> Said {
    Said::new(
        Check::DictionaryGuessed,
        format!(
            "the data dictionary could not be read ({why}); calsync used its documented guesses for the columns it knows only by label"
        ),
        "Let this user read sys_dictionary and sys_choice (the admin role does), then run the doctor again; findings about calendar providers and retry policies may be wrong until then.",
    )
}

pub fn dictionary_missing(labels: &[&str]) -> Said {
    Said::new(
        Check::DictionaryGuessed,
        format!(
            "the data dictionary does not list the fields {}; calsync used its documented guesses for them",
            labels.join(", ")
        ),
        "Check these labels on the forms of this instance; if they differ, report them so calsync's facts can be corrected.",
    )
}

// The integration mode.

pub fn mode_missing() -> Said {
    Said::new(
        Check::ModeMissing,
        format!("the property {} does not exist", facts::MODE_PROPERTY),
        "Upgrade Workplace Calendar Synchronization to 3.0 or later.",
    )
}

pub fn mode_value(value: &str, want: &str) -> Said {
    Said::new(
        Check::ModeValue,
        format!("the integration mode \"{value}\" is not one of the property's values"),
        format!(
            "Set it to {want}, the mode the credentials are set up for. Until the mode is known, the checks that depend on it (CRED-MODE-GRANT, and PROVIDER-DELEGATE on providers that do not sign in with authorization code) do not run; run the doctor again after the repair, it may find more."
        ),
    )
}

/// Said in the review of `doctor --fix` when a repair sets the integration mode.
pub fn mode_repair_brings_checks(to: &str) -> String {
    format!(
        "Setting the integration mode to {to} lets the checks that depend on the mode run: the report after the repairs may name errors this one could not (CRED-MODE-GRANT, PROVIDER-DELEGATE)."
    )
}

// Connection & credential aliases.

pub fn alias_spoke_missing() -> Said {
    Said::new(
        Check::AliasSpokeMissing,
        format!("the alias {} does not exist", facts::SPOKE_ALIAS_ID),
        "Repair or reinstall the Microsoft Exchange Online spoke.",
    )
}

pub fn alias_parent(alias: &str) -> Said {
    Said::new(
        Check::AliasParent,
        format!("the alias {alias} is not a child of {}", facts::SPOKE_ALIAS_ID),
        format!(
            "Set its Parent alias to {}. Until then its connection attributes and whether a calendar provider uses it (ALIAS-ATTRIBUTES, PROVIDER-UNUSED-ALIAS) are not checked.",
            facts::SPOKE_ALIAS_ID
        ),
    )
}

pub fn alias_no_connection(alias: &str, t: &Calsync) -> Said {
    Said::new(
        Check::AliasNoConnection,
        format!("the alias {alias} has no active connection"),
        format!(
            "Add an HTTP(s) connection to https://graph.microsoft.com in its Connections related list ({} can).",
            t.cmd("apply")
        ),
    )
}

pub fn alias_many_connections(alias: &str, names: &[String]) -> Said {
    Said::new(
        Check::AliasManyConnections,
        format!("the alias {alias} has {} active connections", names.len()),
        format!("Deactivate all but one of: {}.", names.join(", ")),
    )
}

pub fn attributes_twice(alias: &str, twice: &[&str]) -> Said {
    Said::new(
        Check::AliasAttributes,
        format!("there are multiple connection attributes {} on the alias {alias}", twice.join(", ")),
        "Delete the extra attributes so each name appears once.",
    )
}

pub fn attributes_missing(alias: &str, parents: &[&str]) -> Said {
    Said::new(
        Check::AliasAttributes,
        format!("there are no connection attributes on the alias {alias}; its parent has {}", parents.join(", ")),
        format!("Add the parent alias's connection attributes ({}) to this alias's connection.", parents.join(", ")),
    )
}

pub fn alias_retry(alias: &str) -> Said {
    Said::new(
        Check::AliasRetry,
        format!("the alias {alias} has no retry policy that honours Retry-After for 120 s"),
        format!(
            "Set its Default retry policy to \"{}\", with Retry Strategy {} and Max Elapsed Time at least 120 s.",
            facts::RETRY_POLICY_NAME,
            facts::RETRY_HONOR_RETRY_AFTER.label
        ),
    )
}

// HTTP(s) connections.

/// `problem`: what is wrong with the URL; `fixed`: the URL it should be, when that is known.
pub fn conn_url(connection: &str, problem: &dyn std::fmt::Display, fixed: Option<&str>) -> Said {
    Said::new(
        Check::ConnUrl,
        format!("the connection \"{connection}\" has a wrong URL: {problem}"),
        match fixed {
            Some(w) => format!("Set the Connection URL to exactly {w}."),
            None => {
                "Set the Connection URL to https://graph.microsoft.com (or your national cloud's Graph root).".into()
            }
        },
    )
}

pub fn conn_url_builder(connection: &str) -> Said {
    Said::new(
        Check::ConnUrlBuilder,
        format!("the connection \"{connection}\" has URL builder on"),
        "Clear the URL builder check box.",
    )
}

pub fn conn_mid(connection: &str) -> Said {
    Said::new(Check::ConnMid, format!("the connection \"{connection}\" uses a MID Server"), "Clear Use MID server.")
}

pub fn conn_no_credential(connection: &str, t: &Calsync) -> Said {
    Said::new(
        Check::ConnNoCredential,
        format!("there is no credential on the connection \"{connection}\""),
        format!("Set its Credential to an OAuth 2.0 credential ({} can).", t.cmd("apply")),
    )
}

pub fn conn_credential_invalid(connection: &str, shown: &str, t: &Calsync) -> Said {
    Said::new(
        Check::ConnCredentialInvalid,
        format!("the connection \"{connection}\" points at {shown}, which is not an OAuth 2.0 credential"),
        format!("Set its Credential to an OAuth 2.0 credential of the mode's profile ({} can).", t.cmd("apply")),
    )
}

pub fn conn_credential_inactive(credential: &str, connection: &str) -> Said {
    Said::new(
        Check::ConnCredentialInactive,
        format!("the credential \"{credential}\" of connection \"{connection}\" is inactive"),
        "Make the credential active.",
    )
}

// OAuth 2.0 credentials and profiles.

pub fn cred_no_profile(credential: &str) -> Said {
    Said::new(
        Check::CredNoProfile,
        format!("the credential \"{credential}\" has no OAuth Entity Profile"),
        "Set its OAuth Entity Profile to the profile of your mode's registry.",
    )
}

pub fn cred_grant_mismatch(profile: &str, grant: &str, default: &str) -> Said {
    Said::new(
        Check::CredGrantMismatch,
        format!("the profile \"{profile}\" uses {grant} but its registry defaults to {default}"),
        "Make the profile's grant type equal to the registry's default grant type.",
    )
}

/// How MS Graph 1 or 2 in personal mode came to need a sign-in: the providers that
/// synchronize through the spoke's default alias, and whether others have aliases of their
/// own (then the default-alias ones are usually left over, not meant).
pub struct DefaultAliasUse<'a> {
    pub providers: &'a [String],
    pub own_aliases: bool,
    /// The delegated mailbox of the default-alias provider, when it names one.
    pub mailbox: Option<&'a str>,
}

/// `personal`: MS Graph 1 or 2 in personal mode, which move to the personal profile while
/// a provider synchronizes through the default alias.
pub fn cred_mode_grant(
    credential: &str,
    grant: &str,
    mode: crate::plan::Mode,
    want: &str,
    personal: Option<&DefaultAliasUse>,
    t: &Calsync,
) -> Said {
    let fix = match personal {
        Some(u) if u.own_aliases => format!(
            "The calendar provider {} synchronizes through the spoke's default alias, which signs in with this credential, beside providers with aliases of their own: deactivate it if those replace it (in a plan: [[provider]] name = \"{}\", active = false), or set this credential's OAuth Entity Profile to \"{}\" and {}.",
            quoted(u.providers),
            u.providers.first().map_or("", String::as_str),
            facts::PROFILE_PERSONAL,
            sign_in_as(credential, u.mailbox, t),
        ),
        Some(u) => format!(
            "Set its OAuth Entity Profile to \"{}\" ({} with the personal-default-alias example plan does), then {}.",
            facts::PROFILE_PERSONAL,
            t.cmd("apply"),
            sign_in_as(credential, u.mailbox, t),
        ),
        None => {
            format!("Point it at a profile with grant type {want} ({} with the {mode} example plan).", t.cmd("apply"))
        }
    };
    Said::new(Check::CredModeGrant, format!("the credential \"{credential}\" uses {grant} in {mode} mode"), fix)
}

/// `"A"`, `"A" and "B"`, `"A", "B" and "C"`.
fn quoted(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// "sign MAILBOX in: calsync authorize ..." with every flag the command needs, the
/// mailbox named when the instance or calsync's notes know it.
fn sign_in_as(credential: &str, mailbox: Option<&str>, t: &Calsync) -> String {
    match mailbox {
        Some(m) => format!("sign {m} in: {}", authorize(credential, m, t)),
        None => format!(
            "sign the delegated mailbox in: {} (MAILBOX: the calendar provider's Delegated user email)",
            authorize(credential, "MAILBOX", t)
        ),
    }
}

/// The one command that signs a credential in and puts its token on the instance.
fn authorize(credential: &str, mailbox: &str, t: &Calsync) -> String {
    t.cmd(&format!("authorize --credential \"{credential}\" --expect-user {mailbox} --store-on-instance"))
}

pub fn integration_type_system(credential: &str) -> Said {
    Said::new(
        Check::CredIntegrationType,
        format!(
            "the credential \"{credential}\" has Integration Type Personal but serves the system-to-system connection"
        ),
        format!(
            "Set its Integration Type to {}; only the per-user credential of personal mode is Personal.",
            facts::INTEGRATION_SYSTEM.label
        ),
    )
}

pub fn integration_type_grant(credential: &str, grant: &str) -> Said {
    Said::new(
        Check::CredIntegrationType,
        format!("the per-user credential \"{credential}\" uses {grant}"),
        format!("Point it at \"{}\" (authorization code).", facts::PROFILE_PERSONAL),
    )
}

pub fn cred_scopes(profile: &str, scope: &str, grant: &str) -> Said {
    Said::new(
        Check::CredScopes,
        format!("the profile \"{profile}\" lacks the scope {scope}, which grant type {grant} needs"),
        format!("Add an OAuth Entity Scope \"{scope}\" to the registry and link it to the profile."),
    )
}

pub fn cred_scope_provider(profile: &str, scope: &str, registry: &str) -> Said {
    Said::new(
        Check::CredScopeProvider,
        format!("the profile \"{profile}\" asks for the scope {scope} of the registry \"{registry}\", not of its own"),
        format!(
            "Link the profile to the scope \"{scope}\" of its own registry instead (create it there if it is missing)."
        ),
    )
}

// Application registries.

const V2_ENDPOINT: &str = "https://login.microsoftonline.com/<tenant ID>/oauth2/v2.0";

pub fn reg_token_url(registry: &str, url: &str) -> Said {
    Said::new(
        Check::RegTokenUrl,
        format!("the registry \"{registry}\" has an invalid token URL: {url}"),
        format!("Set it to {V2_ENDPOINT}/token (your national cloud's login host if you use one)."),
    )
}

pub fn reg_auth_url(registry: &str, url: &str) -> Said {
    Said::new(
        Check::RegAuthUrl,
        format!("the registry \"{registry}\" has an invalid authorization URL: {url}"),
        format!("Set it to {V2_ENDPOINT}/authorize (your national cloud's login host if you use one)."),
    )
}

pub fn reg_urls(registry: &str) -> Said {
    Said::new(
        Check::RegUrls,
        format!("the registry \"{registry}\" authorizes at one tenant or cloud and redeems at another"),
        "Use the same tenant ID and login host in both URLs.",
    )
}

pub fn reg_redirect(registry: &str, url: &str, want: &str) -> Said {
    Said::new(
        Check::RegRedirect,
        format!("the registry \"{registry}\" has an invalid redirect URL: {url}"),
        format!("Set it to {want}, and register that URI (platform Web) in the Entra app."),
    )
}

pub fn reg_client_id(registry: &str) -> Said {
    Said::new(
        Check::RegClientId,
        format!("the registry \"{registry}\" has no client ID"),
        "Copy the Application (client) ID from the Entra app registration.",
    )
}

// Tokens: on the instance, in the keyring, in the browser.

/// `mailbox`: the provider's delegated user, when the instance names one.
pub fn token_missing(credential: &str, mailbox: Option<&str>, t: &Calsync) -> Said {
    let fix = format!("{}.", capitalized(&sign_in_as(credential, mailbox, t)));
    Said::new(Check::TokenMissing, format!("the credential \"{credential}\" has no token on the instance"), fix)
}

/// A sign-in again: the command with every flag it needs, or the wizard.
fn sign_in_again(credential: &str, mailbox: Option<&str>, t: &Calsync) -> String {
    match mailbox {
        Some(m) => {
            format!("Sign {m} in again: {} (or in the wizard: {}).", authorize(credential, m, t), t.cmd("reauth"))
        }
        None => format!(
            "Sign the delegated mailbox in again: {} (MAILBOX: the calendar provider's Delegated user email; or in the wizard: {}).",
            authorize(credential, "MAILBOX", t),
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

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub fn token_wrong_account(credential: &str, who: &str, want: &str, t: &Calsync) -> Said {
    Said::new(
        Check::TokenWrongAccount,
        format!("the token of \"{credential}\" belongs to {who}, not to {want}"),
        format!("Sign {want} in again: {}.", authorize(credential, want, t)),
    )
}

pub fn token_account(credential: &str, who: &str) -> Said {
    Said::new(
        Check::TokenAccount,
        format!("calsync's token for \"{credential}\" belongs to {who}"),
        "Nothing to do if that is the delegated mailbox.",
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

// Rooms (the rest of the rooms' sentences are in `rooms`).

/// A subscription the instance could not make for want of the delegate's token.
/// `link`: the room's configuration form.
pub fn subscription_without_token(credential: Option<&str>, mailbox: Option<&str>, link: &str, t: &Calsync) -> String {
    format!(
        "Put the delegate's token on the instance: {}; then open {link} and click Deactivate and Activate.",
        sign_in_as(credential.unwrap_or("NAME"), mailbox, t)
    )
}

/// A subscription made while the webhook registry had no callback URL; `ready`: it has
/// one now. `link`: the room's configuration form.
pub fn subscription_without_callback(ready: bool, link: &str) -> String {
    if ready {
        format!(
            "The {} webhook registry has its callback URL now: open {link} and click Deactivate, then Activate.",
            facts::WEBHOOK_NAME
        )
    } else {
        format!(
            "Generate the callback URL of the {} webhook registry (WEBHOOK-NO-CALLBACK in this report), then open {link} and click Deactivate and Activate.",
            facts::WEBHOOK_NAME
        )
    }
}

/// A room the Graph-side check could not read with the delegate's token.
pub fn room_unchecked(room: &str, reason: &str, credential: &str, mailbox: Option<&str>, t: &Calsync) -> Said {
    Said {
        why: "The Graph-side checks read each room's calendar with the delegate's own token, kept by calsync in the OS keyring.".into(),
        ..Said::new(
            Check::RoomGraphUnchecked,
            format!("{room}'s calendar was not checked on Microsoft's side: {reason}"),
            format!("{}.", capitalized(&sign_in_as(credential, mailbox, t))),
        )
    }
}

/// A room read through a client-credentials connection (normal mode): as the app.
pub fn room_read_as_the_app(room: &str, credential: &str) -> Said {
    Said {
        why: "In normal mode the instance reads the room's calendar with the app registration's own permission (client credentials); calsync checks rooms only with a delegate's token, so whether the app may open this one is not known.".into(),
        ..Said::new(
            Check::RoomGraphUnchecked,
            format!("{room}'s calendar was not checked on Microsoft's side: \"{credential}\" signs in as the app, not as a delegate"),
            format!("Nothing to sign in. Check that the app registration has Calendars.ReadWrite as an application permission with admin consent, and that no application access policy leaves {room} out (Exchange Online PowerShell: Test-ApplicationAccessPolicy)."),
        )
    }
}

// Calendar providers.

pub fn provider_none() -> Said {
    Said::new(
        Check::ProviderNone,
        "no calendar provider is active",
        "Create or activate a calendar provider with the Microsoft Graph processor (a [[provider]] in a plan).",
    )
}

pub fn provider_processor(provider: &str) -> Said {
    Said::new(
        Check::ProviderProcessor,
        format!("the calendar provider \"{provider}\" does not use the Microsoft Graph processor"),
        "Set its Calendar processor to Microsoft Graph.",
    )
}

pub fn provider_override_none(provider: &str) -> Said {
    Said::new(
        Check::ProviderOverride,
        format!("the calendar provider \"{provider}\" overrides the alias but names none"),
        "Pick the own alias in Connection & credential alias, or clear Override alias?.",
    )
}

pub fn provider_override_foreign(provider: &str, alias: &str) -> Said {
    Said::new(
        Check::ProviderOverride,
        format!("the calendar provider \"{provider}\" overrides to {alias}, which is not an Exchange Online alias"),
        format!("Point it at a child of {}.", facts::SPOKE_ALIAS_ID),
    )
}

pub fn provider_delegate(provider: &str, delegate: &str) -> Said {
    let title = if delegate.trim().is_empty() {
        format!("the calendar provider \"{provider}\" has no delegated user email")
    } else {
        format!(
            "the calendar provider \"{provider}\" has \"{delegate}\" as delegated user email, which is not a mailbox address"
        )
    };
    Said::new(
        Check::ProviderDelegate,
        title,
        "Set Delegated user email to the mailbox its credential is signed in as, or deactivate the provider if per-mailbox providers replaced it.",
    )
}

pub fn provider_delegate_mismatch(provider: &str, email: &str, credential: &str, signed: &str, t: &Calsync) -> Said {
    Said::new(
        Check::ProviderDelegateMismatch,
        format!(
            "the calendar provider \"{provider}\" names {email}, but its credential \"{credential}\" is signed in as {signed}"
        ),
        format!(
            "Make them the same mailbox: set Delegated user email to {signed}, or sign {email} in: {}.",
            authorize(credential, email, t)
        ),
    )
}

pub fn sync_too_far_back(provider: &str, days: i64) -> Said {
    Said::new(
        Check::ProviderSyncWindow,
        format!(
            "the calendar provider \"{provider}\" syncs {days} days into the past, more than {}",
            facts::SYNC_MAX_PAST_DAYS
        ),
        format!("Set Sync start date time to a date within the last {} days.", facts::SYNC_MAX_PAST_DAYS),
    )
}

pub fn sync_ends_early(provider: &str, end: &str, start: &str) -> Said {
    Said::new(
        Check::ProviderSyncWindow,
        format!("the calendar provider \"{provider}\" stops syncing on {end}, less than five years after {start}"),
        "Set Sync end date time at least five years after Sync start date time.",
    )
}

pub fn provider_unused_alias(alias: &str) -> Said {
    Said::new(
        Check::ProviderUnusedAlias,
        format!("no calendar provider overrides to the alias {alias}"),
        "Set Override alias? and this alias on the calendar provider of its delegated mailbox (a [[provider]] with alias = ...).",
    )
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
