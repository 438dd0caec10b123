//! How the simulated instance spells the outside world: scopes, aliases, registries,
//! tables and columns, written here in the sandbox's own words. The sandbox never reads
//! calsync's `facts`, so a wrong guess there shows up as a failing test instead of being
//! mirrored here.
//!
//! Where `reference/servicenow.md` marks a column as uncertain, the value below is the one
//! the sandbox serves.

pub const CONNECTION_SCOPE_COLUMN: &str = "app_scope";
pub const CREDENTIAL_INTEGRATION_TYPE_COLUMN: &str = "integration_type";
pub const CREDENTIAL_SCOPE_COLUMN: &str = "application";
pub const CURRENT_APP_PREF: &str = "apps.current_app";
pub const DELEGATED_SCOPES: [&str; 3] = ["Calendars.ReadWrite", "Calendars.ReadWrite.Shared", "offline_access"];
pub const GLOBAL_SCOPE_SYS_ID: &str = "global";
pub const GRANT_AUTH_CODE: &str = "authorization_code";
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
pub const MODE_PROPERTY: &str = "sn_wsd_rsvsync.sync_integration_mode";
pub const MODE_VALUE_NORMAL: &str = "Normal";
pub const MS_GRAPH_1: &str = "MS Graph 1";
pub const MS_GRAPH_2: &str = "MS Graph 2";
pub const PERSONAL_ALIAS_ID: &str = "sn_wsd_rsvsync.Microsoft_Exchange_Online_PersonalAuth";
pub const PERSONAL_ALIAS_NAME: &str = "Microsoft_Exchange_Online_PersonalAuth";
pub const PROCESSOR_MS_GRAPH: &str = "ms_graph";
pub const PROFILE_AUTH_CODE: &str = "Microsoft Exchange Online default_profile";
pub const PROFILE_CLIENT_CREDENTIALS: &str = "Microsoft Exchange Online_clientCredentials default_profile";
pub const PROFILE_PERSONAL: &str = "Microsoft Exchange Online_personalAuth default profile";
pub const PROVIDER_ALIAS_COLUMN: &str = "connection_alias";
pub const PROVIDER_DELEGATE_COLUMN: &str = "delegated_user_email";
pub const PROVIDER_OVERRIDE_COLUMN: &str = "override_alias";
pub const PROVIDER_PROCESSOR_COLUMN: &str = "calendar_processor";
pub const PROVIDER_TABLE: &str = "sn_wsd_rsvsync_provider";
pub const REGISTRY_AUTH_CODE: &str = "Microsoft Exchange Online";
pub const REGISTRY_CLIENT_CREDENTIALS: &str = "Microsoft Exchange Online_clientCredentials";
pub const REGISTRY_PERSONAL: &str = "Microsoft Exchange Online_personalAuth";
pub const SPOKE_ALIAS_ID: &str = "sn_ex_online_spke.Microsoft_Exchange_Online";
pub const SPOKE_CLIENTCRED_ALIAS_ID: &str = "sn_ex_online_spke.Microsoft_Exchange_Online_clientCred";
pub const SPOKE_SCOPE: &str = "sn_ex_online_spke";
pub const WCS_SCOPE: &str = "sn_wsd_rsvsync";
pub const PROVIDER_SYNC_START_COLUMN: &str = "sync_start_date_time";
pub const PROVIDER_SYNC_END_COLUMN: &str = "sync_end_date_time";
/// The retry policy's "Retry Strategy" choice and "Max Elapsed Time (seconds)".
pub const RETRY_STRATEGY_COLUMN: &str = "strategy";
pub const RETRY_MAX_ELAPSED_COLUMN: &str = "max_elapsed_time";
pub const RETRY_STRATEGY_EXPONENTIAL: &str = "exponential";
pub const RETRY_POLICY_NAME: &str = "MS Exchange Online HTTP Retry Policy";
/// The data source the spoke reads calendars through, and its "Data Stream action".
pub const DATA_SOURCE_NAME: &str = "Exchange Online Calendar";
pub const DATA_STREAM_ACTION_COLUMN: &str = "data_stream_action";
/// Connection attributes (name/value pairs on a connection).
pub const CONNECTION_ATTRIBUTE_TABLE: &str = "sys_connection_attribute";
pub const WCS_ADMIN_ROLE: &str = "sn_wsd_rsvsync.admin";

// The rooms side (`wcs.rs`, `graph.rs`). Table names marked confirmed in
// docs/servicenow-facts.md are ServiceNow's; the other tables and the columns are the
// sandbox's reading of the form labels.
pub const SPACE_TABLE: &str = "sn_wsd_core_space";
pub const RESERVABLE_MODULE_TABLE: &str = "sn_wsd_rsv_reservable_module";
pub const RSV_CONFIG_TABLE: &str = "sn_wsd_rsvsync_reservable_sync_configuration";
pub const SUBSCRIPTION_TABLE: &str = "sn_ex_online_spke_subscription";
pub const WEBHOOK_TABLE: &str = "sn_ex_online_spke_webhook_registry";
pub const WEBHOOK_NAME: &str = "WSDRS Event Subscription";
pub const JOB_TABLE: &str = "sysauto_script";
pub const FLOW_TABLE: &str = "sys_hub_flow";
