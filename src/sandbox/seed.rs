//! What a fresh instance with Workplace Calendar Synchronization and the Exchange Online
//! spoke holds before anyone configures it (Normal mode, the spoke's defaults).

use super::schema;
use super::store::{Row, Store, new_sys_id, now_utc};
use crate::facts;

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

pub fn healthy() -> Store {
    let mut s = Seeder { store: Store::default() };
    let global = s.add(
        "sys_scope",
        &[("sys_id", facts::GLOBAL_SCOPE_SYS_ID), ("scope", "global"), ("name", "Global"), ("version", "")],
    );
    let app = |s: &mut Seeder, scope: &str, name: &str, version: &str| {
        s.add("sys_store_app", &[("scope", scope), ("name", name), ("version", version), ("vendor", "ServiceNow")])
    };
    app(&mut s, "sn_wsd_core", "Workplace Core", "5.2.1");
    app(&mut s, "sn_wsd_rsv", "Workplace Reservation Management", "5.1.3");
    let wcs = app(&mut s, facts::WCS_SCOPE, "Workplace Calendar Synchronization", "3.4.6");
    let spoke = app(&mut s, facts::SPOKE_SCOPE, "Microsoft Exchange Online Spoke", "3.14.1");

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
            ("id", facts::SPOKE_ALIAS_ID),
            ("sys_scope", &spoke),
            ("retry_policy", &retry),
        ],
    );
    let cc_alias = s.add(
        "sys_alias",
        &[
            ("name", "Microsoft_Exchange_Online_clientCred"),
            ("id", facts::SPOKE_CLIENTCRED_ALIAS_ID),
            ("sys_scope", &spoke),
            ("retry_policy", &retry),
        ],
    );
    s.add(
        "sys_alias",
        &[
            ("name", facts::PERSONAL_ALIAS_NAME),
            ("id", facts::PERSONAL_ALIAS_ID),
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
    let ac = entity(&mut s, facts::REGISTRY_AUTH_CODE, facts::GRANT_AUTH_CODE, &spoke);
    let cc = entity(&mut s, facts::REGISTRY_CLIENT_CREDENTIALS, facts::GRANT_CLIENT_CREDENTIALS, &spoke);
    let pa = entity(&mut s, facts::REGISTRY_PERSONAL, facts::GRANT_AUTH_CODE, &wcs);
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
    let ac_profile = profile(&mut s, facts::PROFILE_AUTH_CODE, &ac, facts::GRANT_AUTH_CODE, &spoke);
    let cc_profile = profile(&mut s, facts::PROFILE_CLIENT_CREDENTIALS, &cc, facts::GRANT_CLIENT_CREDENTIALS, &spoke);
    let pa_profile = profile(&mut s, facts::PROFILE_PERSONAL, &pa, facts::GRANT_AUTH_CODE, &wcs);
    for (entity, prof, scope) in [(&ac, &ac_profile, &spoke), (&pa, &pa_profile, &wcs)] {
        for name in facts::DELEGATED_SCOPES {
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
        &[("name", facts::MS_GRAPH_1), ("oauth_entity_profile", &cc_profile), (facts::CREDENTIAL_SCOPE_COLUMN, &spoke)],
    );
    let cred2 = s.add(
        "oauth_2_0_credentials",
        &[("name", facts::MS_GRAPH_2), ("oauth_entity_profile", &cc_profile), (facts::CREDENTIAL_SCOPE_COLUMN, &spoke)],
    );
    for (name, alias, cred) in [(facts::MS_GRAPH_1, &spoke_alias, &cred1), (facts::MS_GRAPH_2, &cc_alias, &cred2)] {
        s.add(
            "http_connection",
            &[
                ("name", name),
                ("connection_alias", alias),
                ("credential", cred),
                ("connection_url", "https://graph.microsoft.com"),
                (facts::CONNECTION_SCOPE_COLUMN, &spoke),
            ],
        );
    }

    s.add(
        "sys_properties",
        &[
            ("name", facts::MODE_PROPERTY),
            ("value", facts::MODE_VALUE_NORMAL),
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
    let _ = (global, cc_profile, ac_profile);
    s.store
}
