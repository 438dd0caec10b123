//! What a fresh instance with Workplace Calendar Synchronization and the Exchange Online
//! spoke holds before anyone configures it (Normal mode, the spoke's defaults).

use super::schema;
use super::store::Store;
use crate::names;

/// The sandbox's admin login. It guards nothing but a simulation on loopback.
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "calsync-sandbox";
/// A second user without the admin role, for permission tests.
pub const VIEWER_USER: &str = "viewer";
pub const VIEWER_PASSWORD: &str = "calsync-viewer";

/// The tenant the sandbox's registries point at.
pub const TENANT_ID: &str = "6f1c2b9e-3d4a-4c8e-9b7a-2e5d1f0a9c31";
pub const CLIENT_ID: &str = "2b7e4c1a-9f3d-4e8b-a6c2-5d1e0f9b3a74";

struct Seeder {
    store: Store,
}

impl Seeder {
    /// The name this instance gives a column the seed spells as documented.
    fn col(&self, table: &str, col: &'static str) -> &'static str {
        schema::spelled(table, col, self.store.columns)
    }

    fn add(&mut self, table: &str, fields: &[(&'static str, &str)]) -> String {
        let spelled: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (self.col(table, k), *v)).collect();
        self.store.add_system_record(table, &spelled)
    }
}

/// The stored value of a choice, by the instance's spelling: the documented spellings are
/// the sandbox's guesses, the renamed ones another instance's.
pub fn retry_strategy_value(columns: schema::Columns, label: RetryStrategy) -> &'static str {
    match (columns, label) {
        (schema::Columns::Documented, RetryStrategy::HonorRetryAfter) => "retry_after",
        (schema::Columns::Documented, RetryStrategy::Exponential) => names::RETRY_STRATEGY_EXPONENTIAL,
        (schema::Columns::Documented, RetryStrategy::Fixed) => "fixed",
        (schema::Columns::Renamed, RetryStrategy::HonorRetryAfter) => "honor_retry_after_header",
        (schema::Columns::Renamed, RetryStrategy::Exponential) => "exponential_backoff",
        (schema::Columns::Renamed, RetryStrategy::Fixed) => "fixed_interval",
    }
}

/// The choices of a retry policy's Retry Strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryStrategy {
    HonorRetryAfter,
    Exponential,
    Fixed,
}

/// The data dictionary rows (`sys_dictionary`, `sys_choice`) of the columns the documentation
/// knows only by their form label, as this instance spells them.
fn dictionary(s: &mut Seeder) {
    let provider = names::PROVIDER_TABLE;
    let columns: &[(&str, &'static str, &str, &str)] = &[
        (provider, "name", "Name", "string"),
        (provider, "active", "Active", "boolean"),
        (provider, names::PROVIDER_PROCESSOR_COLUMN, "Calendar processor", "choice"),
        (provider, names::PROVIDER_OVERRIDE_COLUMN, "Override alias?", "boolean"),
        (provider, names::PROVIDER_ALIAS_COLUMN, "Connection & credential alias", "reference"),
        (provider, names::PROVIDER_SYNC_START_COLUMN, "Sync start date time", "glide_date_time"),
        (provider, names::PROVIDER_SYNC_END_COLUMN, "Sync end date time", "glide_date_time"),
        (provider, names::PROVIDER_DELEGATE_COLUMN, "Delegated user email", "email"),
        ("sys_retry_policy", "name", "Name", "string"),
        ("sys_retry_policy", names::RETRY_STRATEGY_COLUMN, "Retry Strategy", "choice"),
        ("sys_retry_policy", names::RETRY_MAX_ELAPSED_COLUMN, "Max Elapsed Time (seconds)", "integer"),
        ("sys_connection", names::CONNECTION_SCOPE_COLUMN, "Application", "reference"),
        ("discovery_credentials", names::CREDENTIAL_SCOPE_COLUMN, "Application", "reference"),
        ("oauth_2_0_credentials", names::CREDENTIAL_INTEGRATION_TYPE_COLUMN, "Integration Type", "choice"),
        ("sys_data_source", names::DATA_STREAM_ACTION_COLUMN, "Data Stream action", "reference"),
    ];
    for (table, col, label, kind) in columns {
        let element = s.col(table, col);
        let choice = if *kind == "choice" { "3" } else { "0" };
        s.add(
            "sys_dictionary",
            &[
                ("name", table),
                ("element", element),
                ("column_label", label),
                ("internal_type", kind),
                ("choice", choice),
            ],
        );
    }
    let retry = |l| retry_strategy_value(s.store.columns, l);
    let strategies = [
        (retry(RetryStrategy::HonorRetryAfter), "Honor \"Retry-After\" Header"),
        (retry(RetryStrategy::Exponential), "Exponential Backoff"),
        (retry(RetryStrategy::Fixed), "Fixed Interval"),
    ];
    let strategy = s.col("sys_retry_policy", names::RETRY_STRATEGY_COLUMN);
    let processor = s.col(provider, names::PROVIDER_PROCESSOR_COLUMN);
    let mut choices: Vec<(&str, &str, &str, &str)> =
        strategies.iter().map(|(value, label)| ("sys_retry_policy", strategy, *value, *label)).collect();
    choices.extend([
        (provider, processor, names::PROCESSOR_MS_GRAPH, "Microsoft Graph"),
        (provider, processor, "ews", "Microsoft Exchange (EWS)"),
        (provider, processor, "google", "Google Calendar"),
        ("oauth_2_0_credentials", names::CREDENTIAL_INTEGRATION_TYPE_COLUMN, "system", "System"),
        ("oauth_2_0_credentials", names::CREDENTIAL_INTEGRATION_TYPE_COLUMN, "personal", "Personal"),
    ]);
    for (n, (table, element, value, label)) in choices.into_iter().enumerate() {
        let seq = n.to_string();
        s.add(
            "sys_choice",
            &[("name", table), ("element", element), ("value", value), ("label", label), ("sequence", &seq)],
        );
    }
}

/// Which starting records the sandbox gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    #[default]
    Healthy,
    Broken,
}

pub fn store(seed: Seed) -> Store {
    store_with(seed, schema::Columns::Documented)
}

/// The seed on an instance that spells its columns as `columns` says.
pub fn store_with(seed: Seed, columns: schema::Columns) -> Store {
    match seed {
        Seed::Healthy => healthy_with(columns),
        Seed::Broken => broken_with(columns),
    }
}

/// A personal-mode setup with the faults admins meet, for trying and testing the doctor:
/// an own alias without the spoke parent, a duplicated Graph URL with URL builder on, an
/// inactive credential, a MID Server on MS Graph 2, a second active connection on the spoke
/// alias, a mode value the property does not offer, a profile missing offline_access, and a
/// calendar provider on the on-premises (EWS) processor.
pub fn broken() -> Store {
    broken_with(schema::Columns::Documented)
}

fn broken_with(columns: schema::Columns) -> Store {
    let mut s = Seeder { store: healthy_with(columns) };
    let id_of = |s: &Seeder, table: &str, col: &str, v: &str| {
        s.store.first_where(table, col, v).map(|r| r["sys_id"].clone()).unwrap_or_default()
    };
    let wcs = id_of(&s, "sys_scope", "scope", names::WCS_SCOPE);
    let spoke = id_of(&s, "sys_scope", "scope", names::SPOKE_SCOPE);
    let spoke_alias = id_of(&s, "sys_alias", "id", names::SPOKE_ALIAS_ID);
    let personal_profile = id_of(&s, "oauth_entity_profile", "name", names::PROFILE_PERSONAL);
    let cred1 = id_of(&s, "oauth_2_0_credentials", "name", names::MS_GRAPH_1);
    let alias = s.add(
        "sys_alias",
        &[("name", "Contoso_Rooms_Personal"), ("id", "sn_wsd_rsvsync.Contoso_Rooms_Personal"), ("sys_scope", &wcs)],
    );
    let cred = s.add(
        "oauth_2_0_credentials",
        &[
            ("name", "Contoso Rooms Personal"),
            ("oauth_entity_profile", &personal_profile),
            ("active", "false"),
            (names::CREDENTIAL_SCOPE_COLUMN, &wcs),
        ],
    );
    s.add(
        "http_connection",
        &[
            ("name", "Contoso Rooms Personal"),
            ("connection_alias", &alias),
            ("credential", &cred),
            ("connection_url", "https://graph.microsoft.comhttps://graph.microsoft.com"),
            ("url_builder", "true"),
            (names::CONNECTION_SCOPE_COLUMN, &wcs),
        ],
    );
    s.add(
        "http_connection",
        &[
            ("name", "MS Graph 1 (copy)"),
            ("connection_alias", &spoke_alias),
            ("credential", &cred1),
            ("connection_url", "https://graph.microsoft.com"),
            (names::CONNECTION_SCOPE_COLUMN, &spoke),
        ],
    );
    for r in s.store.rows.iter_mut() {
        let class = r.get("sys_class_name").cloned().unwrap_or_default();
        let name = r.get("name").cloned().unwrap_or_default();
        if class == "http_connection" && name == names::MS_GRAPH_2 {
            r.insert("use_mid".into(), "true".into());
        }
        if class == "sys_properties" && name == names::MODE_PROPERTY {
            r.insert("value".into(), "Personal Authentication".into());
        }
        if class == names::PROVIDER_TABLE {
            r.insert(schema::spelled(&class, names::PROVIDER_PROCESSOR_COLUMN, columns).into(), "ews".into());
        }
    }
    // The personal profile loses its offline_access link.
    let offline: Vec<String> = s
        .store
        .scan("oauth_entity_scope")
        .filter(|r| r.get("oauth_entity_scope").map(String::as_str) == Some("offline_access"))
        .map(|r| r["sys_id"].clone())
        .collect();
    s.store.rows.retain(|r| {
        !(r.get("sys_class_name").map(String::as_str) == Some("oauth_entity_profile_scope")
            && r.get("oauth_entity_profile") == Some(&personal_profile)
            && offline.contains(r.get("oauth_entity_scope").unwrap_or(&String::new())))
    });
    more_faults(&mut s, &spoke_alias, &cred1, &personal_profile);
    s.store
}

/// One fault for each further message of ServiceNow's Instance Scan (see the README's scan
/// table), on records of their own so each is found on its own.
fn more_faults(s: &mut Seeder, spoke_alias: &str, cred1: &str, personal_profile: &str) {
    let id_of = |s: &Seeder, table: &str, col: &str, v: &str| {
        s.store.first_where(table, col, v).map(|r| r["sys_id"].clone()).unwrap_or_default()
    };
    let set = |s: &mut Seeder, table: &str, sys_id: &str, col: &'static str, v: &str| {
        let col = s.col(table, col);
        if let Some(r) = s.store.rows.iter_mut().find(|r| r.get("sys_id").map(String::as_str) == Some(sys_id)) {
            r.insert(col.to_string(), v.to_string());
        }
    };
    let wcs = id_of(s, "sys_scope", "scope", names::WCS_SCOPE);
    let spoke = id_of(s, "sys_scope", "scope", names::SPOKE_SCOPE);
    // An old spoke, under WCS 3.4.6 and two active providers.
    set(s, "sys_store_app", &spoke, "version", "3.1.0");
    // Nobody holds the WCS admin role.
    let role = id_of(s, "sys_user_role", "name", names::WCS_ADMIN_ROLE);
    s.store.rows.retain(|r| {
        !(r.get("sys_class_name").map(String::as_str) == Some("sys_user_has_role")
            && r.get("role").map(String::as_str) == Some(role.as_str()))
    });
    // The data source lost its Data Stream action.
    let source = id_of(s, "sys_data_source", "name", names::DATA_SOURCE_NAME);
    set(s, "sys_data_source", &source, names::DATA_STREAM_ACTION_COLUMN, "");
    // MS Graph 1 carries the API version; MS Graph 2 carries it twice.
    let conn1 = id_of(s, "http_connection", "name", names::MS_GRAPH_1);
    let conn2 = id_of(s, "http_connection", "name", names::MS_GRAPH_2);
    for conn in [&conn1, &conn2, &conn2] {
        s.add(names::CONNECTION_ATTRIBUTE_TABLE, &[("connection", conn), ("name", "api_version"), ("value", "v1.0")]);
    }
    // MS Graph 1 is marked as the per-user credential; MS Graph 2 lost its profile.
    set(s, "oauth_2_0_credentials", cred1, names::CREDENTIAL_INTEGRATION_TYPE_COLUMN, "personal");
    let cred2 = id_of(s, "oauth_2_0_credentials", "name", names::MS_GRAPH_2);
    set(s, "oauth_2_0_credentials", &cred2, "oauth_entity_profile", "");
    // The client-credentials registry defaults to another grant than its profile's.
    let cc = id_of(s, "oauth_entity", "name", names::REGISTRY_CLIENT_CREDENTIALS);
    set(s, "oauth_entity", &cc, "default_grant_type", names::GRANT_AUTH_CODE);
    // The copied spoke connection points at a credential that does not exist.
    let copy = id_of(s, "http_connection", "name", "MS Graph 1 (copy)");
    set(s, "http_connection", &copy, "credential", "0badc0de0badc0de0badc0de0badc0de");
    // The personal registry: v1 endpoints, another instance's redirect.
    let pa = id_of(s, "oauth_entity", "name", names::REGISTRY_PERSONAL);
    let v1 = |kind: &str| format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/{kind}");
    set(s, "oauth_entity", &pa, "auth_url", &v1("authorize"));
    set(s, "oauth_entity", &pa, "token_url", &v1("token"));
    set(s, "oauth_entity", &pa, "redirect_url", "https://other-instance.service-now.com/oauth_redirect.do");
    // The personal profile asks for Calendars.ReadWrite.Shared of another registry.
    let ac = id_of(s, "oauth_entity", "name", names::REGISTRY_AUTH_CODE);
    let shared = "Calendars.ReadWrite.Shared";
    let scope_of = |s: &Seeder, entity: &str| {
        s.store
            .scan("oauth_entity_scope")
            .find(|r| {
                r.get("oauth_entity").map(String::as_str) == Some(entity)
                    && r.get("oauth_entity_scope").map(String::as_str) == Some(shared)
            })
            .map(|r| r["sys_id"].clone())
            .unwrap_or_default()
    };
    let (own, foreign) = (scope_of(s, &pa), scope_of(s, &ac));
    for r in s.store.rows.iter_mut() {
        if r.get("sys_class_name").map(String::as_str) == Some("oauth_entity_profile_scope")
            && r.get("oauth_entity_profile").map(String::as_str) == Some(personal_profile)
            && r.get("oauth_entity_scope") == Some(&own)
        {
            r.insert("oauth_entity_scope".into(), foreign.clone());
        }
    }
    // A second mailbox: its token expired, its old connection has no credential, and its
    // provider names no valid mailbox and syncs too far back for too short a time.
    let east = s.add(
        "sys_alias",
        &[
            ("name", "Contoso_Rooms_East"),
            ("id", "sn_wsd_rsvsync.Contoso_Rooms_East"),
            ("parent", spoke_alias),
            ("sys_scope", &wcs),
        ],
    );
    let east_cred = s.add(
        "oauth_2_0_credentials",
        &[
            ("name", "Contoso Rooms East"),
            ("oauth_entity_profile", personal_profile),
            (names::CREDENTIAL_SCOPE_COLUMN, &wcs),
        ],
    );
    for (name, cred, active) in
        [("Contoso Rooms East", east_cred.as_str(), "true"), ("Contoso Rooms East (old)", "", "false")]
    {
        s.add(
            "http_connection",
            &[
                ("name", name),
                ("connection_alias", &east),
                ("credential", cred),
                ("active", active),
                ("connection_url", "https://graph.microsoft.com"),
                (names::CONNECTION_SCOPE_COLUMN, &wcs),
            ],
        );
    }
    let requestor = s.add(
        "oauth_requestor_profile",
        &[
            ("oauth_entity_profile", personal_profile),
            ("requestor_context", "oauth_2_0_credentials"),
            ("requestor_id", &east_cred),
        ],
    );
    s.add(
        "oauth_credential",
        &[
            ("name", "Contoso Rooms East"),
            ("type", "refresh_token"),
            ("expires", "2024-03-01 00:00:00"),
            ("peer", &pa),
            ("oauth_requestor_profile", &requestor),
        ],
    );
    s.add(
        names::PROVIDER_TABLE,
        &[
            ("name", "Contoso Rooms East"),
            (names::PROVIDER_OVERRIDE_COLUMN, "true"),
            (names::PROVIDER_ALIAS_COLUMN, &east),
            (names::PROVIDER_DELEGATE_COLUMN, "rooms-east"),
            (names::PROVIDER_SYNC_START_COLUMN, "2019-01-01 00:00:00"),
            (names::PROVIDER_SYNC_END_COLUMN, "2020-06-01 00:00:00"),
            ("sys_scope", &wcs),
        ],
    );
}

pub fn healthy() -> Store {
    healthy_with(schema::Columns::Documented)
}

fn healthy_with(columns: schema::Columns) -> Store {
    let mut s = Seeder { store: Store { columns, ..Store::default() } };
    dictionary(&mut s);
    let Apps { wcs, spoke } = apps(&mut s);
    users(&mut s);
    let (spoke_alias, cc_alias) = spoke_records(&mut s, &spoke, &wcs);
    let cc_profile = registries(&mut s, &spoke, &wcs);
    connections(&mut s, &spoke, &spoke_alias, &cc_alias, &cc_profile);
    provider_and_properties(&mut s, &wcs);
    super::wcs::seed(&mut s.store, &wcs, &spoke);
    s.store
}

/// The sys_ids of the two applications the setup writes in.
struct Apps {
    wcs: String,
    spoke: String,
}

/// The global scope and domain, and the Workplace applications as installed.
fn apps(s: &mut Seeder) -> Apps {
    s.add(
        "sys_scope",
        &[("sys_id", names::GLOBAL_SCOPE_SYS_ID), ("scope", "global"), ("name", "Global"), ("version", "")],
    );
    // The global domain every record's sys_domain points at (Batch API doc example).
    s.add("sys_user_group", &[("sys_id", "global"), ("name", "global")]);
    let app = |s: &mut Seeder, scope: &str, name: &str, version: &str| {
        s.add("sys_store_app", &[("scope", scope), ("name", name), ("version", version), ("vendor", "ServiceNow")])
    };
    app(s, "sn_wsd_core", "Workplace Core", "5.2.1");
    app(s, "sn_wsd_rsv", "Workplace Reservation Management", "5.1.3");
    let wcs = app(s, names::WCS_SCOPE, "Workplace Calendar Synchronization", "3.4.6");
    let spoke = app(s, names::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", "3.14.1");
    Apps { wcs, spoke }
}

/// The admin, a read-only user, and their roles.
fn users(s: &mut Seeder) {
    let admin = s.add(
        "sys_user",
        &[
            ("user_name", ADMIN_USER),
            ("name", "System Administrator"),
            ("first_name", "System"),
            ("last_name", "Administrator"),
            ("email", "admin@example.com"),
        ],
    );
    let viewer =
        s.add("sys_user", &[("user_name", VIEWER_USER), ("name", "Read Only"), ("email", "viewer@example.com")]);
    let admin_role = s.add("sys_user_role", &[("name", "admin"), ("description", "System administrator")]);
    let wcs_admin = s.add("sys_user_role", &[("name", names::WCS_ADMIN_ROLE)]);
    let itil = s.add("sys_user_role", &[("name", "itil")]);
    s.add("sys_user_has_role", &[("user", &admin), ("role", &admin_role)]);
    s.add("sys_user_has_role", &[("user", &admin), ("role", &wcs_admin)]);
    s.add("sys_user_has_role", &[("user", &viewer), ("role", &itil)]);
}

/// The spoke's retry policy, data source and aliases, and the personal-auth alias;
/// returns the spoke's two aliases (delegated, client credentials).
fn spoke_records(s: &mut Seeder, spoke: &str, wcs: &str) -> (String, String) {
    let columns = s.store.columns;
    let retry = s.add(
        "sys_retry_policy",
        &[
            ("name", names::RETRY_POLICY_NAME),
            (names::RETRY_STRATEGY_COLUMN, retry_strategy_value(columns, RetryStrategy::HonorRetryAfter)),
            (names::RETRY_MAX_ELAPSED_COLUMN, "120"),
            ("max_retries", "5"),
            ("sys_scope", spoke),
        ],
    );
    s.add(
        "sys_data_source",
        &[
            ("name", names::DATA_SOURCE_NAME),
            (names::DATA_STREAM_ACTION_COLUMN, "Exchange Online Calendar Events"),
            ("sys_scope", spoke),
        ],
    );
    let spoke_alias = s.add(
        "sys_alias",
        &[
            ("name", "Microsoft_Exchange_Online"),
            ("id", names::SPOKE_ALIAS_ID),
            ("sys_scope", spoke),
            ("retry_policy", &retry),
        ],
    );
    let cc_alias = s.add(
        "sys_alias",
        &[
            ("name", "Microsoft_Exchange_Online_clientCred"),
            ("id", names::SPOKE_CLIENTCRED_ALIAS_ID),
            ("sys_scope", spoke),
            ("retry_policy", &retry),
        ],
    );
    s.add(
        "sys_alias",
        &[
            ("name", names::PERSONAL_ALIAS_NAME),
            ("id", names::PERSONAL_ALIAS_ID),
            ("sys_scope", wcs),
            ("parent", &spoke_alias),
        ],
    );
    (spoke_alias, cc_alias)
}

/// The three Application Registry entries with their profiles and scopes; returns the
/// client-credentials profile, the one the spoke's credentials use.
fn registries(s: &mut Seeder, spoke: &str, wcs: &str) -> String {
    let login = |kind: &str| format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/{kind}");
    let entity = |s: &mut Seeder, name: &str, grant: &str, scope: &str| {
        s.add(
            "oauth_entity",
            &[
                ("name", name),
                ("client_id", CLIENT_ID),
                ("auth_url", &login("authorize")),
                ("token_url", &login("token")),
                ("default_grant_type", grant),
                ("sys_scope", scope),
            ],
        )
    };
    let ac = entity(s, names::REGISTRY_AUTH_CODE, names::GRANT_AUTH_CODE, spoke);
    let cc = entity(s, names::REGISTRY_CLIENT_CREDENTIALS, names::GRANT_CLIENT_CREDENTIALS, spoke);
    let pa = entity(s, names::REGISTRY_PERSONAL, names::GRANT_AUTH_CODE, wcs);
    let profile = |s: &mut Seeder, name: &str, entity: &str, grant: &str, scope: &str| {
        s.add(
            "oauth_entity_profile",
            &[
                ("name", name),
                ("oauth_entity", entity),
                ("grant_type", grant),
                ("default", "true"),
                ("sys_scope", scope),
            ],
        )
    };
    let ac_profile = profile(s, names::PROFILE_AUTH_CODE, &ac, names::GRANT_AUTH_CODE, spoke);
    let cc_profile = profile(s, names::PROFILE_CLIENT_CREDENTIALS, &cc, names::GRANT_CLIENT_CREDENTIALS, spoke);
    let pa_profile = profile(s, names::PROFILE_PERSONAL, &pa, names::GRANT_AUTH_CODE, wcs);
    for (entity, prof, scope) in [(&ac, &ac_profile, spoke), (&pa, &pa_profile, wcs)] {
        for name in names::DELEGATED_SCOPES {
            let sc = s.add(
                "oauth_entity_scope",
                &[("name", name), ("oauth_entity_scope", name), ("oauth_entity", entity), ("sys_scope", scope)],
            );
            s.add(
                "oauth_entity_profile_scope",
                &[("oauth_entity_profile", prof), ("oauth_entity_scope", &sc), ("sys_scope", scope)],
            );
        }
    }
    cc_profile
}

/// MS Graph 1 and MS Graph 2: their credentials and HTTP connections.
fn connections(s: &mut Seeder, spoke: &str, spoke_alias: &str, cc_alias: &str, cc_profile: &str) {
    let cred1 = s.add(
        "oauth_2_0_credentials",
        &[("name", names::MS_GRAPH_1), ("oauth_entity_profile", cc_profile), (names::CREDENTIAL_SCOPE_COLUMN, spoke)],
    );
    let cred2 = s.add(
        "oauth_2_0_credentials",
        &[("name", names::MS_GRAPH_2), ("oauth_entity_profile", cc_profile), (names::CREDENTIAL_SCOPE_COLUMN, spoke)],
    );
    for (name, alias, cred) in [(names::MS_GRAPH_1, spoke_alias, &cred1), (names::MS_GRAPH_2, cc_alias, &cred2)] {
        s.add(
            "http_connection",
            &[
                ("name", name),
                ("connection_alias", alias),
                ("credential", cred),
                ("connection_url", "https://graph.microsoft.com"),
                (names::CONNECTION_SCOPE_COLUMN, spoke),
            ],
        );
    }
}

/// The calendar provider and the WCS properties at their defaults.
fn provider_and_properties(s: &mut Seeder, wcs: &str) {
    s.add(
        names::PROVIDER_TABLE,
        &[
            ("name", "Microsoft Exchange Online"),
            ("description", "Room reservations synchronized with Exchange Online through Microsoft Graph"),
            ("sync_start_date_time", "2026-01-01 00:00:00"),
            ("sync_end_date_time", "2031-01-01 00:00:00"),
            ("sys_scope", wcs),
        ],
    );
    s.add(
        "sys_properties",
        &[
            ("name", names::MODE_PROPERTY),
            ("value", names::MODE_VALUE_NORMAL),
            (
                "description",
                "Integration mode of the calendar synchronization: Normal, Strict or Personal authentication",
            ),
            ("choices", "Normal=Normal,Strict=Strict,Personal=Personal"),
            ("sys_scope", wcs),
        ],
    );
    for (name, value) in [
        ("sn_wsd_rsvsync.use_user_default_tz", "false"),
        ("sn_wsd_rsvsync.create_blocking_rsv", "true"),
        ("sn_wsd_rsvsync.max_event_retry_count", "10"),
        ("sn_wsd_rsvsync.use_default_tz", "building"),
        ("sn_wsd_rsvsync.exchange_callback_time_limit", "-18000"),
        ("sn_wsd_rsvsync.outlook_event_sync_interval", "2"),
    ] {
        s.add("sys_properties", &[("name", name), ("value", value), ("sys_scope", wcs)]);
    }
}
