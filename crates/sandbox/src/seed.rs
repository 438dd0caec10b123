//! What a fresh instance with Workplace Calendar Synchronization and the Exchange Online
//! spoke holds before anyone configures it (Normal mode, the spoke's defaults).

use super::schema;
use super::store::{Row, Store, new_sys_id, now_utc};
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
    fn add(&mut self, table: &str, fields: &[(&str, &str)]) -> String {
        let mut row = Row::new();
        for c in schema::columns(table) {
            row.insert(c.name.to_string(), c.default.to_string());
        }
        let id = fields.iter().find(|(k, _)| *k == "sys_id").map(|(_, v)| v.to_string()).unwrap_or_else(new_sys_id);
        let now = now_utc();
        for (k, v) in [
            ("sys_id", id.as_str()),
            ("sys_class_name", table),
            ("sys_created_on", &now),
            ("sys_updated_on", &now),
            ("sys_created_by", "system"),
            ("sys_updated_by", "system"),
        ] {
            row.insert(k.to_string(), v.to_string());
        }
        for (k, v) in fields {
            row.insert(k.to_string(), v.to_string());
        }
        self.store.rows.push(row);
        id
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
    match seed {
        Seed::Healthy => healthy(),
        Seed::Broken => broken(),
    }
}

/// A personal-mode setup with the faults admins meet, for trying and testing the doctor:
/// an own alias without the spoke parent, a duplicated Graph URL with URL builder on, an
/// inactive credential, a MID Server on MS Graph 2, a second active connection on the spoke
/// alias, a mode value the property does not offer, a profile missing offline_access, and a
/// calendar provider on the on-premises (EWS) processor.
pub fn broken() -> Store {
    let mut s = Seeder { store: healthy() };
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
            r.insert(names::PROVIDER_PROCESSOR_COLUMN.into(), "ews".into());
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
    s.store
}

pub fn healthy() -> Store {
    let mut s = Seeder { store: Store::default() };
    let global = s.add(
        "sys_scope",
        &[("sys_id", names::GLOBAL_SCOPE_SYS_ID), ("scope", "global"), ("name", "Global"), ("version", "")],
    );
    // The global domain every record's sys_domain points at (Batch API doc example).
    s.add("sys_user_group", &[("sys_id", "global"), ("name", "global")]);
    let app = |s: &mut Seeder, scope: &str, name: &str, version: &str| {
        s.add("sys_store_app", &[("scope", scope), ("name", name), ("version", version), ("vendor", "ServiceNow")])
    };
    app(&mut s, "sn_wsd_core", "Workplace Core", "5.2.1");
    app(&mut s, "sn_wsd_rsv", "Workplace Reservation Management", "5.1.3");
    let wcs = app(&mut s, names::WCS_SCOPE, "Workplace Calendar Synchronization", "3.4.6");
    let spoke = app(&mut s, names::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", "3.14.1");

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
    s.add("sys_user_role", &[("name", "sn_wsd_rsvsync.admin")]);
    let itil = s.add("sys_user_role", &[("name", "itil")]);
    s.add("sys_user_has_role", &[("user", &admin), ("role", &admin_role)]);
    s.add("sys_user_has_role", &[("user", &viewer), ("role", &itil)]);

    let retry = s.add(
        "sys_retry_policy",
        &[
            ("name", "MS Exchange Online HTTP Retry Policy"),
            ("honor_retry_after", "true"),
            ("max_elapsed_time", "120"),
            ("max_retries", "5"),
            ("strategy", "exponential"),
            ("sys_scope", &spoke),
        ],
    );
    let spoke_alias = s.add(
        "sys_alias",
        &[
            ("name", "Microsoft_Exchange_Online"),
            ("id", names::SPOKE_ALIAS_ID),
            ("sys_scope", &spoke),
            ("retry_policy", &retry),
        ],
    );
    let cc_alias = s.add(
        "sys_alias",
        &[
            ("name", "Microsoft_Exchange_Online_clientCred"),
            ("id", names::SPOKE_CLIENTCRED_ALIAS_ID),
            ("sys_scope", &spoke),
            ("retry_policy", &retry),
        ],
    );
    s.add(
        "sys_alias",
        &[
            ("name", names::PERSONAL_ALIAS_NAME),
            ("id", names::PERSONAL_ALIAS_ID),
            ("sys_scope", &wcs),
            ("parent", &spoke_alias),
        ],
    );

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
    let ac = entity(&mut s, names::REGISTRY_AUTH_CODE, names::GRANT_AUTH_CODE, &spoke);
    let cc = entity(&mut s, names::REGISTRY_CLIENT_CREDENTIALS, names::GRANT_CLIENT_CREDENTIALS, &spoke);
    let pa = entity(&mut s, names::REGISTRY_PERSONAL, names::GRANT_AUTH_CODE, &wcs);
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
    let ac_profile = profile(&mut s, names::PROFILE_AUTH_CODE, &ac, names::GRANT_AUTH_CODE, &spoke);
    let cc_profile = profile(&mut s, names::PROFILE_CLIENT_CREDENTIALS, &cc, names::GRANT_CLIENT_CREDENTIALS, &spoke);
    let pa_profile = profile(&mut s, names::PROFILE_PERSONAL, &pa, names::GRANT_AUTH_CODE, &wcs);
    for (entity, prof, scope) in [(&ac, &ac_profile, &spoke), (&pa, &pa_profile, &wcs)] {
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

    let cred1 = s.add(
        "oauth_2_0_credentials",
        &[("name", names::MS_GRAPH_1), ("oauth_entity_profile", &cc_profile), (names::CREDENTIAL_SCOPE_COLUMN, &spoke)],
    );
    let cred2 = s.add(
        "oauth_2_0_credentials",
        &[("name", names::MS_GRAPH_2), ("oauth_entity_profile", &cc_profile), (names::CREDENTIAL_SCOPE_COLUMN, &spoke)],
    );
    for (name, alias, cred) in [(names::MS_GRAPH_1, &spoke_alias, &cred1), (names::MS_GRAPH_2, &cc_alias, &cred2)] {
        s.add(
            "http_connection",
            &[
                ("name", name),
                ("connection_alias", alias),
                ("credential", cred),
                ("connection_url", "https://graph.microsoft.com"),
                (names::CONNECTION_SCOPE_COLUMN, &spoke),
            ],
        );
    }

    s.add(
        names::PROVIDER_TABLE,
        &[
            ("name", "Microsoft Exchange Online"),
            ("description", "Room reservations synchronized with Exchange Online through Microsoft Graph"),
            ("sync_start_date_time", "2026-01-01 00:00:00"),
            ("sync_end_date_time", "2031-01-01 00:00:00"),
            ("sys_scope", &wcs),
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
            ("sys_scope", &wcs),
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
        s.add("sys_properties", &[("name", name), ("value", value), ("sys_scope", &wcs)]);
    }
    super::wcs::seed(&mut s.store, &wcs, &spoke);
    let _ = (global, cc_profile, ac_profile);
    s.store
}
