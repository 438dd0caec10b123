//! The sandbox's data dictionary: which tables exist, what they extend, and the type of
//! each column. Column names follow `reference/servicenow.md` §2, spelled in the sandbox's
//! own `names`. An instance can also spell some columns differently (`Columns::Renamed`):
//! then the store really keeps them under those names, and `sys_dictionary` says so.

use crate::names;
use serde::{Deserialize, Serialize};

/// Which spelling of the columns the documentation names only by label the instance uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Columns {
    /// The spellings `reference/servicenow.md` guesses.
    #[default]
    Documented,
    /// Other names for the calendar provider's and the retry policy's columns (the labels
    /// stay), as a real instance may have them.
    Renamed,
}

/// (table, documented column, renamed column) under `Columns::Renamed`.
pub const RENAMED: &[(&str, &str, &str)] = &[
    (names::PROVIDER_TABLE, names::PROVIDER_PROCESSOR_COLUMN, "processor"),
    (names::PROVIDER_TABLE, names::PROVIDER_OVERRIDE_COLUMN, "use_own_alias"),
    (names::PROVIDER_TABLE, names::PROVIDER_ALIAS_COLUMN, "alias"),
    (names::PROVIDER_TABLE, names::PROVIDER_DELEGATE_COLUMN, "strict_mode_email"),
    (names::PROVIDER_TABLE, names::PROVIDER_SYNC_START_COLUMN, "sync_start"),
    (names::PROVIDER_TABLE, names::PROVIDER_SYNC_END_COLUMN, "sync_end"),
    ("sys_retry_policy", names::RETRY_STRATEGY_COLUMN, "retry_strategy"),
    ("sys_retry_policy", names::RETRY_MAX_ELAPSED_COLUMN, "max_elapsed_seconds"),
];

/// How `table`'s column `col` (a documented spelling) is spelled under `columns`.
pub fn spelled(table: &str, col: &'static str, columns: Columns) -> &'static str {
    if columns == Columns::Documented {
        return col;
    }
    RENAMED.iter().find(|(t, from, _)| is_a(table, t) && *from == col).map(|(_, _, to)| *to).unwrap_or(col)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    Int,
    Ref(&'static str),
    /// A choice list: (value, label) pairs; `sysparm_display_value=true` shows the label.
    Choice(&'static [(&'static str, &'static str)]),
    /// Encrypted (password2): saved only with `sysparm_input_display_value=true`, never
    /// shown back, and kept out of the sandbox's state file.
    Encrypted,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub extends: Option<&'static str>,
    /// The column shown as the record's display value.
    pub display: &'static str,
    /// Application files (sys_metadata): their `sys_scope` comes from the current application.
    pub metadata: bool,
    pub columns: &'static [Column],
}

pub(crate) const fn t(name: &'static str) -> Column {
    Column { name, kind: Kind::Text, default: "" }
}
pub(crate) const fn td(name: &'static str, default: &'static str) -> Column {
    Column { name, kind: Kind::Text, default }
}
pub(crate) const fn b(name: &'static str, default: &'static str) -> Column {
    Column { name, kind: Kind::Bool, default }
}
pub(crate) const fn i(name: &'static str, default: &'static str) -> Column {
    Column { name, kind: Kind::Int, default }
}
pub(crate) const fn e(name: &'static str) -> Column {
    Column { name, kind: Kind::Encrypted, default: "" }
}
pub(crate) const fn c(
    name: &'static str,
    default: &'static str,
    choices: &'static [(&'static str, &'static str)],
) -> Column {
    Column { name, kind: Kind::Choice(choices), default }
}
pub(crate) const fn r(name: &'static str, table: &'static str) -> Column {
    Column { name, kind: Kind::Ref(table), default: "" }
}

/// The OAuth grant types a registry or profile offers, value and label.
const GRANT_TYPES: &[(&str, &str)] = &[
    ("authorization_code", "Authorization Code"),
    ("client_credentials", "Client Credentials"),
    ("password", "Resource Owner Password Credentials"),
];

/// Columns every record has.
pub const SYS_COLUMNS: &[Column] = &[
    t("sys_id"),
    t("sys_class_name"),
    t("sys_created_on"),
    t("sys_created_by"),
    t("sys_updated_on"),
    t("sys_updated_by"),
    i("sys_mod_count", "0"),
];

/// Columns of application files.
pub const METADATA_COLUMNS: &[Column] = &[r("sys_scope", "sys_scope"), t("sys_package")];

pub static TABLES: &[Table] = &[
    Table {
        name: "sys_scope",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[t("scope"), t("name"), t("version"), b("active", "true"), t("vendor")],
    },
    Table { name: "sys_store_app", extends: Some("sys_scope"), display: "name", metadata: false, columns: &[] },
    Table { name: "sys_app", extends: Some("sys_scope"), display: "name", metadata: false, columns: &[] },
    Table {
        name: "sys_user",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[t("user_name"), t("name"), t("first_name"), t("last_name"), t("email"), b("active", "true")],
    },
    Table {
        name: "sys_attachment",
        extends: None,
        display: "file_name",
        metadata: false,
        columns: &[
            t("file_name"),
            t("table_name"),
            t("table_sys_id"),
            t("content_type"),
            i("size_bytes", "0"),
            i("size_compressed", "0"),
            b("compressed", "false"),
            t("hash"),
            t("download_link"),
            t("image_height"),
            t("image_width"),
            t("average_image_color"),
            t("sys_tags"),
        ],
    },
    Table { name: "sys_user_group", extends: None, display: "name", metadata: false, columns: &[t("name")] },
    Table {
        name: "sys_user_role",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[t("name"), t("description")],
    },
    Table {
        name: "sys_user_has_role",
        extends: None,
        display: "role",
        metadata: false,
        columns: &[r("user", "sys_user"), r("role", "sys_user_role"), td("state", "active"), b("inherited", "false")],
    },
    Table {
        name: "sys_user_preference",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[r("user", "sys_user"), t("name"), t("value"), td("type", "string"), t("description")],
    },
    Table {
        name: "sys_retry_policy",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[
            t("name"),
            td(names::RETRY_STRATEGY_COLUMN, names::RETRY_STRATEGY_EXPONENTIAL),
            i(names::RETRY_MAX_ELAPSED_COLUMN, "0"),
            i("max_retries", "0"),
        ],
    },
    Table {
        name: "sys_alias",
        extends: None,
        display: "id",
        metadata: true,
        columns: &[
            t("name"),
            t("id"),
            c("type", "connection", &[("connection", "Connection and Credential"), ("credential", "Credential")]),
            td("connection_type", "http_connection"),
            r("parent", "sys_alias"),
            b("multiple_connections", "false"),
            r("retry_policy", "sys_retry_policy"),
            t("configuration_template"),
            t("description"),
            b("is_internal", "false"),
            b("active", "true"),
        ],
    },
    Table {
        name: "discovery_credentials",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[
            t("name"),
            b("active", "true"),
            td("applies_to", "all"),
            i("order", "100"),
            r("tag", "sys_alias"),
            r(names::CREDENTIAL_SCOPE_COLUMN, "sys_scope"),
        ],
    },
    Table {
        name: "oauth_2_0_credentials",
        extends: Some("discovery_credentials"),
        display: "name",
        metadata: false,
        columns: &[
            r("oauth_entity_profile", "oauth_entity_profile"),
            td(names::CREDENTIAL_INTEGRATION_TYPE_COLUMN, "system"),
        ],
    },
    Table {
        name: "sys_connection",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[
            t("name"),
            r("credential", "discovery_credentials"),
            r("connection_alias", "sys_alias"),
            b("active", "true"),
            Column { name: "sys_domain", kind: Kind::Ref("sys_user_group"), default: "global" },
            r(names::CONNECTION_SCOPE_COLUMN, "sys_scope"),
        ],
    },
    Table {
        name: "http_connection",
        extends: Some("sys_connection"),
        display: "name",
        metadata: false,
        columns: &[
            t("connection_url"),
            b("url_builder", "false"),
            b("use_mid", "false"),
            td("mid_selection", "auto_select"),
            t("host"),
            t("protocol"),
            t("port"),
            t("base_path"),
            i("connection_timeout", "0"),
            i("connection_retries", "0"),
        ],
    },
    Table {
        name: "oauth_entity",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[
            t("name"),
            t("client_id"),
            e("client_secret"),
            t("auth_url"),
            t("token_url"),
            t("redirect_url"),
            t("refresh_token_url"),
            t("revoke_token_url"),
            c("default_grant_type", "authorization_code", GRANT_TYPES),
            td("send_client_credentials_as", "request_body_parameter"),
            td("type", "oauth_provider"),
            b("active", "true"),
            i("access_token_lifespan", "1800"),
            i("refresh_token_lifespan", "8640000"),
            b("public_client", "false"),
            t("code_challenge_method"),
            t("comments"),
        ],
    },
    Table {
        name: "oauth_entity_profile",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[
            t("name"),
            r("oauth_entity", "oauth_entity"),
            c("grant_type", "authorization_code", GRANT_TYPES),
            b("default", "false"),
        ],
    },
    Table {
        name: "oauth_entity_scope",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[t("name"), t("oauth_entity_scope"), r("oauth_entity", "oauth_entity")],
    },
    Table {
        name: "oauth_entity_profile_scope",
        extends: None,
        display: "oauth_entity_scope",
        metadata: true,
        columns: &[r("oauth_entity_profile", "oauth_entity_profile"), r("oauth_entity_scope", "oauth_entity_scope")],
    },
    Table {
        name: "oauth_requestor_profile",
        extends: None,
        display: "requestor_context",
        metadata: false,
        columns: &[r("oauth_entity_profile", "oauth_entity_profile"), t("requestor_context"), t("requestor_id")],
    },
    Table {
        name: "oauth_credential",
        extends: None,
        display: "name",
        metadata: false,
        columns: &[
            t("name"),
            td("type", "access_token"),
            t("expires"),
            e("token"),
            e("token_received"),
            r("peer", "oauth_entity"),
            r("user", "sys_user"),
            t("scopes"),
            t("client_id"),
            t("grant_type"),
            r("oauth_requestor_profile", "oauth_requestor_profile"),
        ],
    },
    Table {
        name: names::PROVIDER_TABLE,
        extends: None,
        display: "name",
        metadata: true,
        columns: &[
            t("name"),
            t("description"),
            b("active", "true"),
            td(names::PROVIDER_PROCESSOR_COLUMN, names::PROCESSOR_MS_GRAPH),
            b(names::PROVIDER_OVERRIDE_COLUMN, "false"),
            r(names::PROVIDER_ALIAS_COLUMN, "sys_alias"),
            t(names::PROVIDER_DELEGATE_COLUMN),
            t(names::PROVIDER_SYNC_START_COLUMN),
            t(names::PROVIDER_SYNC_END_COLUMN),
            b("sync_past_reservations", "false"),
        ],
    },
    Table {
        name: "sys_properties",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[
            t("name"),
            t("value"),
            td("type", "string"),
            t("description"),
            t("choices"),
            b("ignore_cache", "false"),
            b("is_private", "false"),
            t("read_roles"),
            t("write_roles"),
            t("suffix"),
        ],
    },
    Table {
        name: "sys_dictionary",
        extends: None,
        display: "column_label",
        metadata: false,
        columns: &[t("name"), t("element"), t("column_label"), t("internal_type"), t("reference"), i("choice", "0")],
    },
    Table {
        name: "sys_choice",
        extends: None,
        display: "label",
        metadata: false,
        columns: &[
            t("name"),
            t("element"),
            t("value"),
            t("label"),
            td("language", "en"),
            b("inactive", "false"),
            i("sequence", "0"),
        ],
    },
    Table {
        name: "sys_data_source",
        extends: None,
        display: "name",
        metadata: true,
        columns: &[t("name"), td("type", "data_stream"), t(names::DATA_STREAM_ACTION_COLUMN)],
    },
    Table {
        name: names::CONNECTION_ATTRIBUTE_TABLE,
        extends: None,
        display: "name",
        metadata: false,
        columns: &[r("connection", "sys_connection"), t("name"), t("value")],
    },
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().chain(crate::wcs::TABLES).find(|t| t.name == name)
}

/// The table and all it extends, most specific first.
pub fn lineage(name: &str) -> Vec<&'static Table> {
    let mut out = Vec::new();
    let mut cur = table(name);
    while let Some(t) = cur {
        out.push(t);
        cur = t.extends.and_then(table);
    }
    out
}

/// Is `class` the table `name` or one that extends it?
pub fn is_a(class: &str, name: &str) -> bool {
    lineage(class).iter().any(|t| t.name == name)
}

/// All columns of a table, inherited and system ones included, in the documented spelling.
pub fn columns(name: &str) -> Vec<Column> {
    columns_in(name, Columns::Documented)
}

/// All columns of a table as an instance spelling them `columns` has them.
pub fn columns_in(name: &str, columns: Columns) -> Vec<Column> {
    let lin = lineage(name);
    let mut cols: Vec<Column> = SYS_COLUMNS.to_vec();
    if lin.iter().any(|t| t.metadata) {
        cols.extend_from_slice(METADATA_COLUMNS);
    }
    for t in lin.iter().rev() {
        cols.extend(t.columns.iter().map(|c| Column { name: spelled(t.name, c.name, columns), ..*c }));
    }
    cols
}

pub fn column(table: &str, col: &str) -> Option<Column> {
    column_in(table, col, Columns::Documented)
}

pub fn column_in(table: &str, col: &str, columns: Columns) -> Option<Column> {
    columns_in(table, columns).into_iter().find(|c| c.name == col)
}

pub fn is_metadata(name: &str) -> bool {
    lineage(name).iter().any(|t| t.metadata)
}
