//! Facts about ServiceNow and Microsoft that calsync depends on, in one place.
//!
//! Each constant carries the confidence it has in `reference/servicenow.md` or
//! `reference/identity.md`. Where a fact is only likely or a guess, this is the one place
//! to correct it after checking a real instance; nothing else in the code spells it out.

/// Scope of Workplace Calendar Synchronization. [confirmed]
pub const WCS_SCOPE: &str = "sn_wsd_rsvsync";
/// Scope of the Microsoft Exchange Online spoke. [confirmed]
pub const SPOKE_SCOPE: &str = "sn_ex_online_spke";
/// The spoke's alias that every override alias must be a child of. [confirmed]
pub const SPOKE_ALIAS_ID: &str = "sn_ex_online_spke.Microsoft_Exchange_Online";
/// The spoke's client-credentials alias. [confirmed]
pub const SPOKE_CLIENTCRED_ALIAS_ID: &str = "sn_ex_online_spke.Microsoft_Exchange_Online_clientCred";
/// Name of the child alias created for personal authentication. [confirmed name]
pub const PERSONAL_ALIAS_NAME: &str = "Microsoft_Exchange_Online_PersonalAuth";
/// Its full ID. [guess: the docs say it is created in the WCS scope]
pub const PERSONAL_ALIAS_ID: &str = "sn_wsd_rsvsync.Microsoft_Exchange_Online_PersonalAuth";
/// WCS versions from this one on synchronise through the spoke (seed 002). [confirmed]
pub const WCS_USES_SPOKE_FROM: &str = "2.0.1";

/// Default credentials and connections shipped with the spoke. [confirmed]
pub const MS_GRAPH_1: &str = "MS Graph 1";
pub const MS_GRAPH_2: &str = "MS Graph 2";

/// Application registries and their default profiles. [confirmed]
pub const REGISTRY_AUTH_CODE: &str = "Microsoft Exchange Online";
pub const REGISTRY_CLIENT_CREDENTIALS: &str = "Microsoft Exchange Online_clientCredentials";
pub const REGISTRY_PERSONAL: &str = "Microsoft Exchange Online_personalAuth";
pub const PROFILE_AUTH_CODE: &str = "Microsoft Exchange Online default_profile";
pub const PROFILE_CLIENT_CREDENTIALS: &str = "Microsoft Exchange Online_clientCredentials default_profile";
/// Spelled with a space, not an underscore, in the docs. [confirmed as written]
pub const PROFILE_PERSONAL: &str = "Microsoft Exchange Online_personalAuth default profile";

/// Grant type values of `oauth_entity.default_grant_type` and profiles. [confirmed]
pub const GRANT_AUTH_CODE: &str = "authorization_code";
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";

/// The integration-mode property and its stored values. The property is [confirmed]; the
/// values `Normal` / `Strict` / `Personal` are [likely]. calsync reads the record's
/// `choices` first and only falls back to these spellings.
pub const MODE_PROPERTY: &str = "sn_wsd_rsvsync.sync_integration_mode";
pub const MODE_VALUE_NORMAL: &str = "Normal";
pub const MODE_VALUE_STRICT: &str = "Strict";
pub const MODE_VALUE_PERSONAL: &str = "Personal";

/// The user preference holding the current application; its value is a scope sys_id. [likely]
pub const CURRENT_APP_PREF: &str = "apps.current_app";
/// sys_id of the Global scope. [likely; one public tool hard-codes another value]
pub const GLOBAL_SCOPE_SYS_ID: &str = "global";

/// A column the documentation names only by its form label. calsync finds its name in
/// the instance's data dictionary (`snow::dictionary`: `sys_dictionary` element and
/// column label, once per run) and falls back to `guess` only when the dictionary cannot be
/// read, saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labelled {
    /// The table and the tables it extends, where the column may be defined.
    pub tables: &'static [&'static str],
    /// The form label. [confirmed: documentation]
    pub label: &'static str,
    /// The column name used when the dictionary cannot be read. [guess]
    pub guess: &'static str,
}

/// A value of a choice column the documentation names only by its label; found in
/// `sys_choice`, `guess` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub field: Labelled,
    pub label: &'static str,
    pub guess: &'static str,
}

/// The "Application" field of connections and of credentials, hidden on forms. [label
/// confirmed; columns `app_scope` and `application` from one unofficial guide: guess]
pub const CONNECTION_SCOPE: Labelled =
    Labelled { tables: &["http_connection", "sys_connection"], label: "Application", guess: "app_scope" };
pub const CREDENTIAL_SCOPE: Labelled = Labelled {
    tables: &["oauth_2_0_credentials", "discovery_credentials"],
    label: "Application",
    guess: "application",
};
pub const CONNECTION_SCOPE_COLUMN: &str = CONNECTION_SCOPE.guess;
pub const CREDENTIAL_SCOPE_COLUMN: &str = CREDENTIAL_SCOPE.guess;
/// The credential's Integration Type (System / Personal). [label confirmed: WCS
/// troubleshooting; column and values likely]
pub const CREDENTIAL_INTEGRATION_TYPE: Labelled = Labelled {
    tables: &["oauth_2_0_credentials", "discovery_credentials"],
    label: "Integration Type",
    guess: "integration_type",
};
pub const CREDENTIAL_INTEGRATION_TYPE_COLUMN: &str = CREDENTIAL_INTEGRATION_TYPE.guess;
pub const INTEGRATION_PERSONAL: Choice =
    Choice { field: CREDENTIAL_INTEGRATION_TYPE, label: "Personal", guess: "personal" };
pub const INTEGRATION_SYSTEM: Choice = Choice { field: CREDENTIAL_INTEGRATION_TYPE, label: "System", guess: "system" };
pub const INTEGRATION_TYPE_PERSONAL: &str = INTEGRATION_PERSONAL.guess;
/// The role of WCS administrators; renewal failures of subscriptions go to its holders.
/// [confirmed: WCS Exchange Online synchronization page, Instance Scan page]
pub const WCS_ADMIN_ROLE: &str = "sn_wsd_rsvsync.admin";
/// The spoke's data source and its "Data Stream action", which must not be empty.
/// [name and label confirmed: create-connection-with-msspoke; table `sys_data_source`
/// likely; column guessed]
pub const DATA_SOURCE_TABLE: &str = "sys_data_source";
pub const DATA_SOURCE_NAME: &str = "Exchange Online Calendar";
pub const DATA_STREAM_ACTION: Labelled =
    Labelled { tables: &[DATA_SOURCE_TABLE], label: "Data Stream action", guess: "data_stream_action" };
/// Connection attributes: name/value pairs on a connection (the alias's "Connection
/// Attributes" list). [label confirmed; table and columns `connection`, `name`, `value`
/// from one public script: guess]
pub const CONNECTION_ATTRIBUTE_TABLE: &str = "sys_connection_attribute";
/// Spoke versions the docs require. [confirmed: seed 002 (3.2.1 with WCS 2.0.1), the
/// multi-provider page (3.2.4)]
pub const SPOKE_MIN_FOR_WCS_2: &str = "3.2.1";
pub const SPOKE_MIN_MULTI_PROVIDER: &str = "3.2.4";

/// Token storage on the instance (`oauth_credential`). [confirmed table; columns partly likely]
pub const TOKEN_TABLE: &str = "oauth_credential";
pub const TOKEN_VALUE_COLUMN: &str = "token_received";
pub const TOKEN_TYPE_COLUMN: &str = "type";
pub const TOKEN_EXPIRES_COLUMN: &str = "expires";
pub const TOKEN_PEER_COLUMN: &str = "peer";
pub const TOKEN_REQUESTOR_COLUMN: &str = "oauth_requestor_profile";
/// [likely]
pub const REQUESTOR_TABLE: &str = "oauth_requestor_profile";
pub const REQUESTOR_CONTEXT_CREDENTIALS: &str = "oauth_2_0_credentials";

/// Delegated Graph scopes for Strict and Personal modes. [confirmed]
pub const DELEGATED_SCOPES: [&str; 3] = ["Calendars.ReadWrite", "Calendars.ReadWrite.Shared", "offline_access"];

/// A Microsoft cloud: where its users sign in and where its Graph lives. [confirmed]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cloud {
    pub name: &'static str,
    pub graph_root: &'static str,
    pub login_hosts: &'static [&'static str],
}

pub const CLOUDS: [Cloud; 4] = [
    Cloud { name: "Global", graph_root: "https://graph.microsoft.com", login_hosts: &["login.microsoftonline.com"] },
    Cloud {
        name: "US Government L4 (GCC High)",
        graph_root: "https://graph.microsoft.us",
        login_hosts: &["login.microsoftonline.us"],
    },
    Cloud {
        name: "US Government L5 (DoD)",
        graph_root: "https://dod-graph.microsoft.us",
        login_hosts: &["login.microsoftonline.us"],
    },
    Cloud {
        name: "China (21Vianet)",
        graph_root: "https://microsoftgraph.chinacloudapi.cn",
        login_hosts: &["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
    },
];

/// The calendar provider table. [confirmed: WCS components doc]
pub const PROVIDER_TABLE: &str = "sn_wsd_rsvsync_provider";
/// Its columns, by their form labels [confirmed: wsd-calendar-provider-form-fields]. No
/// public export of the table was found, so the names are found in the instance's data
/// dictionary; the guesses below follow ServiceNow's naming habits. "Delegated user email"
/// may still be the old strict-mode email column on some instances: the dictionary says.
const PROVIDER: &[&str] = &[PROVIDER_TABLE];
pub const PROVIDER_ACTIVE: Labelled = Labelled { tables: PROVIDER, label: "Active", guess: "active" };
pub const PROVIDER_PROCESSOR: Labelled =
    Labelled { tables: PROVIDER, label: "Calendar processor", guess: "calendar_processor" };
pub const PROVIDER_OVERRIDE: Labelled =
    Labelled { tables: PROVIDER, label: "Override alias?", guess: "override_alias" };
pub const PROVIDER_ALIAS: Labelled =
    Labelled { tables: PROVIDER, label: "Connection & credential alias", guess: "connection_alias" };
pub const PROVIDER_DELEGATE: Labelled =
    Labelled { tables: PROVIDER, label: "Delegated user email", guess: "delegated_user_email" };
pub const PROVIDER_SYNC_START: Labelled =
    Labelled { tables: PROVIDER, label: "Sync start date time", guess: "sync_start_date_time" };
pub const PROVIDER_SYNC_END: Labelled =
    Labelled { tables: PROVIDER, label: "Sync end date time", guess: "sync_end_date_time" };
pub const PROVIDER_PROCESSOR_COLUMN: &str = PROVIDER_PROCESSOR.guess;
pub const PROVIDER_OVERRIDE_COLUMN: &str = PROVIDER_OVERRIDE.guess;
pub const PROVIDER_ALIAS_COLUMN: &str = PROVIDER_ALIAS.guess;
pub const PROVIDER_DELEGATE_COLUMN: &str = PROVIDER_DELEGATE.guess;
/// The processor value for Exchange Online through Graph. [confirmed: WCS troubleshooting]
pub const PROCESSOR_GRAPH: Choice = Choice { field: PROVIDER_PROCESSOR, label: "Microsoft Graph", guess: "ms_graph" };
pub const PROCESSOR_MS_GRAPH: &str = PROCESSOR_GRAPH.guess;
/// The sync window's limits. [confirmed: provider form notes]
pub const SYNC_MAX_PAST_DAYS: i64 = 1825;
pub const SYNC_MIN_YEARS: i64 = 5;
/// The spoke's retry policy, and what it must do. [confirmed name, labels and behaviour:
/// synchronization-troubleshooting-and-conditions, "In the Retry Strategy field, select
/// Honor "Retry-After" Header", "Max Elapsed Time (seconds) ... 120 or above"; column names
/// and the choice's stored value are guesses, found in the dictionary]
pub const RETRY_POLICY_NAME: &str = "MS Exchange Online HTTP Retry Policy";
const RETRY: &[&str] = &["sys_retry_policy"];
pub const RETRY_STRATEGY: Labelled = Labelled { tables: RETRY, label: "Retry Strategy", guess: "strategy" };
pub const RETRY_MAX_ELAPSED: Labelled =
    Labelled { tables: RETRY, label: "Max Elapsed Time", guess: "max_elapsed_time" };
pub const RETRY_HONOR_RETRY_AFTER: Choice =
    Choice { field: RETRY_STRATEGY, label: "Honor \"Retry-After\" Header", guess: "retry_after" };
pub const RETRY_MIN_ELAPSED_SECS: i64 = 120;

/// Every labelled column calsync reads through the dictionary.
pub const LABELLED: &[Labelled] = &[
    PROVIDER_ACTIVE,
    PROVIDER_PROCESSOR,
    PROVIDER_OVERRIDE,
    PROVIDER_ALIAS,
    PROVIDER_DELEGATE,
    PROVIDER_SYNC_START,
    PROVIDER_SYNC_END,
    RETRY_STRATEGY,
    RETRY_MAX_ELAPSED,
    CONNECTION_SCOPE,
    CREDENTIAL_SCOPE,
    CREDENTIAL_INTEGRATION_TYPE,
    DATA_STREAM_ACTION,
];

/// The other WCS properties an admin tunes during setup (reference §3), with the defaults
/// the docs give. [confirmed names and defaults]
pub const WCS_PROPERTIES: [(&str, &str, &str); 6] = [
    ("sn_wsd_rsvsync.use_default_tz", "building", "Time zone used for synchronized reservations when none is given"),
    ("sn_wsd_rsvsync.use_user_default_tz", "false", "Use the user's default time zone"),
    ("sn_wsd_rsvsync.create_blocking_rsv", "true", "Create blocker reservations"),
    ("sn_wsd_rsvsync.max_event_retry_count", "10", "Retries of a failed calendar event"),
    ("sn_wsd_rsvsync.exchange_callback_time_limit", "-18000", "Exchange callback time limit"),
    ("sn_wsd_rsvsync.outlook_event_sync_interval", "2", "Outlook event sync interval"),
];

/// The instance's sign-in page; with single sign-on as the default it redirects to the
/// identity provider. [confirmed page; the redirect is confirmed for SSO-default instances]
pub const LOGIN_PAGE: &str = "login.do";
/// A page that needs a session; without one it redirects to wherever people sign in.
/// [likely: the classic UI's frame page]
pub const SESSION_PAGE: &str = "navpage.do";
/// Text on a sign-in page that asks for a one-time code as well. [guess: the MFA page's
/// address; no public capture of a login page with MFA enforced was found]
pub const MFA_PAGE_MARKERS: [&str; 2] = ["validate_multifactor_auth_code", "multi-factor"];
/// Identity provider hosts (suffixes) and their names, for the SSO finding. [confirmed hosts]
pub const IDENTITY_PROVIDERS: [(&str, &str); 7] = [
    ("login.microsoftonline.com", "Microsoft Entra ID"),
    ("login.microsoftonline.us", "Microsoft Entra ID (US Government)"),
    ("login.partner.microsoftonline.cn", "Microsoft Entra ID (China)"),
    ("okta.com", "Okta"),
    ("oktapreview.com", "Okta"),
    ("accounts.google.com", "Google"),
    ("pingone.com", "PingOne"),
];
/// The instance's OAuth endpoints (authorization code with PKCE, refresh, client
/// credentials). [confirmed: authorization-workflow.md]
pub const INSTANCE_AUTHORIZE_PATH: &str = "oauth_auth.do";
pub const INSTANCE_TOKEN_PATH: &str = "oauth_token.do";
/// Revocation endpoint. [likely]
pub const INSTANCE_REVOKE_PATH: &str = "oauth_revoke_token.do";
/// The scope an instance token is asked for. [likely: the default scope of new registries]
pub const INSTANCE_SCOPE: &str = "useraccount";
/// The loopback port calsync's registry entry lists (`http://localhost:8750/`): the instance
/// matches the redirect URL exactly, port included. [calsync's choice; confirmed matching]
pub const INSTANCE_OAUTH_PORT: u16 = 8750;
/// The name calsync gives its Application Registry entry, and the entry's `type` value for
/// "OAuth API endpoint for external clients". [calsync's choice; guess: the type value
/// `client` (the docs say "of type OAuth Client", not the stored value)]
pub const INSTANCE_REGISTRY_NAME: &str = "calsync";
pub const INSTANCE_REGISTRY_TYPE: &str = "client";
/// An encoded-query value the instance replaces with the signed-in user's sys_id. [likely]
pub const CURRENT_USER_ID: &str = "javascript:gs.getUserID()";
/// The 401 detail an instance gives when the basic-auth restriction blocks a login.
/// [guess: the restriction doc names the rule, not the message]
pub const BASIC_RESTRICTED_MARKER: &str = "basic authentication is restricted";
/// Default lifespans of an Application Registry entry, in seconds. [confirmed:
/// t_CreateEndpointforExternalClients.md]
pub const INSTANCE_REFRESH_LIFESPAN_SECS: i64 = 8_640_000;
/// Microsoft refresh tokens lapse after this many days without use. [likely: Microsoft's
/// refresh-token lifetime page gives 90 days; not in reference/identity.md]
pub const ENTRA_REFRESH_IDLE_DAYS: i64 = 90;
/// Compares dotted versions numerically ("3.10.0" > "3.4.6"), as the version facts above
/// are compared with what an instance has installed.
pub fn version_at_least(have: &str, want: &str) -> bool {
    let parse = |v: &str| v.split('.').map(|p| p.trim().parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let (a, b) = (parse(have), parse(want));
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        if x != y {
            return x > y;
        }
    }
    true
}

/// Why an installed spoke cannot carry the synchronization (the doctor's APP-SPOKE-OLD and
/// APP-SPOKE-MULTI-PROVIDER; the setup's Scope checks can ask the same before writing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpokeUnsupported {
    /// WCS from `WCS_USES_SPOKE_FROM` on synchronizes through the spoke, which must then be
    /// `SPOKE_MIN_FOR_WCS_2` or later.
    TooOldForWcs,
    /// More than one active calendar provider needs `SPOKE_MIN_MULTI_PROVIDER` or later.
    TooOldForProviders,
}

/// What the documented version rules say about this WCS and spoke with this many active
/// calendar providers (those there are, or those a setup will leave active): empty when
/// the pair is supported.
pub fn spoke_unsupported(wcs: &str, spoke: &str, active_providers: usize) -> Vec<SpokeUnsupported> {
    let mut out = vec![];
    if version_at_least(wcs, WCS_USES_SPOKE_FROM) && !version_at_least(spoke, SPOKE_MIN_FOR_WCS_2) {
        out.push(SpokeUnsupported::TooOldForWcs);
    }
    if active_providers > 1 && !version_at_least(spoke, SPOKE_MIN_MULTI_PROVIDER) {
        out.push(SpokeUnsupported::TooOldForProviders);
    }
    out
}

// --- WCS property types, for validating property values (h2) ---

/// The `sys_properties.type` of a WCS property when the instance does not say: `boolean`
/// for a documented default of true/false, `integer` for a whole number, else `string`.
/// [likely: inferred from the documented defaults; the record's own `type` wins]
pub fn wcs_property_kind(name: &str) -> &'static str {
    match WCS_PROPERTIES.iter().find(|(n, ..)| *n == name).map(|(_, d, _)| *d) {
        Some("true" | "false") => "boolean",
        Some(d) if d.parse::<i64>().is_ok() => "integer",
        _ => "string",
    }
}

// --- Names as the instance compares them (h4) ---

/// The instance compares names, like every text value in a query or a unique index,
/// without regard to case: `name=ms graph 1` finds "MS Graph 1", and a second record whose
/// name differs only in case is refused. [likely: reference §1.2 correction;
/// docs/servicenow-facts.md "REST behaviour"]
pub fn same_name(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

// Rooms: reservable sync configurations, subscriptions, the webhook registry, jobs and
// flows. See docs/servicenow-facts.md, "Rooms and what makes them sync".

/// The Reservable Sync Configuration table. [confirmed: WCS components doc]
pub const RSV_CONFIG_TABLE: &str = "sn_wsd_rsvsync_reservable_sync_configuration";
/// Its columns, from the form labels Location, Reservable module, Email, Active, Provider,
/// No request, and the Subscription field the troubleshooting page names. [guess]
pub const RSV_LOCATION_COLUMN: &str = "location";
pub const RSV_MODULE_COLUMN: &str = "reservable_module";
pub const RSV_EMAIL_COLUMN: &str = "email";
pub const RSV_PROVIDER_COLUMN: &str = "provider";
pub const RSV_NO_REQUEST_COLUMN: &str = "no_request";
pub const RSV_SUBSCRIPTION_COLUMN: &str = "subscription";
/// Rooms and spaces of Workplace Service Delivery, with their email. [likely table: public
/// WSD code queries `sn_wsd_core_space`; `email` column: guess from the "room/space
/// configuration form" Email field]
pub const SPACE_TABLE: &str = "sn_wsd_core_space";
pub const SPACE_EMAIL_COLUMN: &str = "email";
/// Reservable modules. [guess]
pub const RESERVABLE_MODULE_TABLE: &str = "sn_wsd_rsv_reservable_module";
/// The spoke's Graph subscriptions and their columns. [guess: the docs name the records
/// ("subscription status is active and the status is 200", "Being deleted") but no table]
pub const SUBSCRIPTION_TABLE: &str = "sn_ex_online_spke_subscription";
pub const SUBSCRIPTION_STATUS_COLUMN: &str = "status";
pub const SUBSCRIPTION_CODE_COLUMN: &str = "status_code";
pub const SUBSCRIPTION_EXPIRES_COLUMN: &str = "expiration_date_time";
pub const SUBSCRIPTION_EMAIL_COLUMN: &str = "email";
pub const SUBSCRIPTION_ERROR_COLUMN: &str = "error_message";
pub const SUBSCRIPTION_ACTIVE: &str = "active";
/// The spoke's webhook registry. [confirmed record name; table and columns guess from the
/// form labels Callback URL and Client State]
pub const WEBHOOK_TABLE: &str = "sn_ex_online_spke_webhook_registry";
pub const WEBHOOK_NAME: &str = "WSDRS Event Subscription";
pub const WEBHOOK_CALLBACK_COLUMN: &str = "callback_url";
pub const WEBHOOK_CLIENT_STATE_COLUMN: &str = "client_state";
/// Scheduled script jobs and Flow Designer flows. [likely: platform tables]
pub const JOB_TABLE: &str = "sysauto_script";
pub const FLOW_TABLE: &str = "sys_hub_flow";
/// Jobs and flows that must be active for rooms to sync both ways, with what each does.
/// [confirmed names and defaults: WCS scheduled jobs and flows pages]
pub const REQUIRED_JOBS: [(&str, &str); 3] = [
    ("Create and Update Reservations from Events", "turns the room calendars' events into reservations"),
    ("Queue Webhook Events", "queues Microsoft's change notifications for processing"),
    ("Subscription renewal failure notification job", "tells the WCS admins when a room's subscription failed"),
];
pub const REQUIRED_FLOWS: [(&str, &str); 1] =
    [("Renew Subscriptions", "renews the rooms' Graph subscriptions before they expire")];
/// Inactive by default; the docs advise it, every 5 minutes, when events fail with "Too
/// many requests" (429). [confirmed]
pub const REPROCESS_JOB: &str = "WSDRS Reprocess Events";
/// The Graph errors the WCS troubleshooting page names. [confirmed as written there]
pub const GRAPH_ODATA_DISABLED: &str = "Access to OData is disabled";
pub const GRAPH_INVALID_OBJECT: &str = "Invalid object";
pub const GRAPH_NO_MAILBOX: &str = "has no mailbox associated with it";

#[cfg(test)]
mod spoke_version_tests {
    use super::{SpokeUnsupported, spoke_unsupported};

    #[test]
    fn the_spoke_versions_the_docs_support() {
        // The broken sandbox: WCS 3.4.6 with spoke 3.1.0 and two active providers.
        assert_eq!(
            spoke_unsupported("3.4.6", "3.1.0", 2),
            [SpokeUnsupported::TooOldForWcs, SpokeUnsupported::TooOldForProviders]
        );
        assert_eq!(spoke_unsupported("3.4.6", "3.2.1", 1), []);
        assert_eq!(spoke_unsupported("3.4.6", "3.2.1", 2), [SpokeUnsupported::TooOldForProviders]);
        assert_eq!(spoke_unsupported("3.4.6", "3.10.0", 5), []);
        // Before 2.0.1 WCS does not use the spoke at all.
        assert_eq!(spoke_unsupported("1.9.0", "3.0.0", 1), []);
    }
}
