//! What the checks of the setup's records say: the user and applications, the integration
//! mode, aliases, connections, credentials and profiles, registries, calendar providers.

use super::{Calsync, Said, authorize, sign_in_as};
use crate::doctor::ids::Check;
use crate::facts;

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
