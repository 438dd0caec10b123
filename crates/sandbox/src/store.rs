//! The sandbox's records and the platform rules it enforces on them.
//!
//! Every value is a string, as on a real instance. Rules follow `reference/servicenow.md`
//! §5: application files take their scope from the writer's `apps.current_app`, a
//! `sys_scope` sent in a body is ignored, alias IDs are `<scope>.<name>`, connection names
//! are unique, one active connection per alias unless it allows several, and a new OAuth
//! registry gets its `<name> default_profile`.

use super::query::{self, Cond, Parsed};
use super::schema::{self, Kind};
use crate::names;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub type Row = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Store {
    pub rows: Vec<Row>,
    /// How this instance spells the columns the documentation names only by label.
    #[serde(default)]
    pub columns: schema::Columns,
    /// Attachment contents by the attachment's sys_id, base64.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Microsoft's side: the refresh tokens issued, by digest (see `identity`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) refresh_grants: BTreeMap<String, crate::identity::Grant>,
}

/// An answer the Table API gives instead of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: &str, detail: Option<String>) -> Self {
        ApiError { status, message: message.to_string(), detail }
    }
    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "detail": self.detail}, "status": "failure"})
    }
    fn insert_failed(table: &str, display: &str) -> Self {
        ApiError::new(403, "Operation Failed", Some(format!("Error during insert of {table} ({display})")))
    }
    fn update_failed(table: &str, display: &str) -> Self {
        ApiError::new(403, "Operation Failed", Some(format!("Error during update of {table} ({display})")))
    }
}

/// Who is writing, and in which application.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub user_name: String,
    pub admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    Value,
    Display,
    All,
}

pub struct RenderOptions<'a> {
    pub fields: Option<Vec<String>>,
    pub display: Display,
    pub exclude_links: bool,
    pub base_url: &'a str,
}

/// How a Table API write is made: by whom, through which address of the instance (for
/// the links it generates), and whether the body holds display values
/// (`sysparm_input_display_value`).
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    pub caller: &'a Caller,
    pub base_url: &'a str,
    pub input_display: bool,
}

pub fn new_sys_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::time::now_utc;

fn is_alias_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Store {
    /// Adds a record as the system writes one (a seed, an installed plugin): every column
    /// at its default, the `sys_` fields by `system` now, then `fields` (a `sys_id` among
    /// them is kept). Returns its sys_id.
    pub fn add_system_record(&mut self, table: &str, fields: &[(&str, &str)]) -> String {
        let mut row = Row::new();
        for c in schema::columns_in(table, self.columns) {
            row.insert(c.name.to_string(), c.default.to_string());
        }
        let id = fields.iter().find(|(k, _)| *k == "sys_id").map_or_else(new_sys_id, |(_, v)| (*v).to_string());
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
            row.insert((*k).to_string(), (*v).to_string());
        }
        self.rows.push(row);
        id
    }

    pub fn find(&self, sys_id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.get("sys_id").map(String::as_str) == Some(sys_id))
    }

    fn position(&self, table: &str, sys_id: &str) -> Option<usize> {
        self.rows.iter().position(|r| {
            r.get("sys_id").map(String::as_str) == Some(sys_id)
                && schema::is_a(r.get("sys_class_name").map(String::as_str).unwrap_or(""), table)
        })
    }

    pub fn get(&self, table: &str, sys_id: &str) -> Option<&Row> {
        self.position(table, sys_id).map(|i| &self.rows[i])
    }

    /// Rows of `table` (and the tables extending it).
    pub fn scan<'a>(&'a self, table: &str) -> impl Iterator<Item = &'a Row> + 'a {
        let table = table.to_string();
        self.rows
            .iter()
            .filter(move |r| schema::is_a(r.get("sys_class_name").map(String::as_str).unwrap_or(""), &table))
    }

    pub fn first_where(&self, table: &str, col: &str, value: &str) -> Option<&Row> {
        self.scan(table).find(|r| r.get(col).map(String::as_str) == Some(value))
    }

    /// The value at a dotted path, or None when a column on the way does not exist.
    pub fn resolve(&self, table: &str, row: &Row, path: &[String]) -> Option<String> {
        let (first, rest) = path.split_first()?;
        let col = schema::column_in(table, first, self.columns)?;
        let value = row.get(first.as_str()).cloned().unwrap_or_default();
        if rest.is_empty() {
            return Some(value);
        }
        let Kind::Ref(target) = col.kind else { return None };
        match self.get(target, &value) {
            Some(next) => {
                let class = next.get("sys_class_name").cloned().unwrap_or_else(|| target.to_string());
                self.resolve(&class, next, rest)
            }
            // An empty or dangling reference: the path exists but holds nothing.
            None => {
                let mut t = target;
                for seg in rest {
                    let c = schema::column_in(t, seg, self.columns)?;
                    if let Kind::Ref(n) = c.kind {
                        t = n;
                    }
                }
                Some(String::new())
            }
        }
    }

    fn cond_holds(&self, table: &str, row: &Row, c: &Cond) -> Option<bool> {
        let actual = self.resolve(table, row, &c.path)?;
        Some(c.op.holds(&actual, &c.value))
    }

    fn matches(&self, table: &str, row: &Row, q: &Parsed) -> bool {
        if q.groups.is_empty() {
            return true;
        }
        q.groups.iter().any(|clauses| {
            clauses.iter().all(|ors| {
                let known: Vec<bool> = ors.iter().filter_map(|c| self.cond_holds(table, row, c)).collect();
                // Conditions on unknown columns are ignored, as the instance does.
                known.is_empty() || known.iter().any(|b| *b)
            })
        })
    }

    pub fn query(&self, table: &str, encoded: &str) -> Vec<&Row> {
        self.query_with(table, encoded, true)
    }

    /// As `query`; without `dot_walk`, conditions on dotted paths are treated as unknown
    /// columns and ignored, as a simpler instance (or simulator) might.
    pub fn query_with(&self, table: &str, encoded: &str, dot_walk: bool) -> Vec<&Row> {
        let mut q = query::parse(encoded);
        if !dot_walk {
            for group in q.groups.iter_mut() {
                for ors in group.iter_mut() {
                    ors.retain(|c| c.path.len() == 1);
                }
            }
        }
        let mut rows: Vec<&Row> = self.scan(table).filter(|r| self.matches(table, r, &q)).collect();
        for (col, desc) in q.order.iter().rev() {
            if schema::column_in(table, col, self.columns).is_none() {
                continue;
            }
            rows.sort_by(|a, b| {
                let (x, y) = (
                    a.get(col.as_str()).cloned().unwrap_or_default(),
                    b.get(col.as_str()).cloned().unwrap_or_default(),
                );
                let o = match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
                    // Text sorts without regard to case, as the instance's collation does.
                    _ => x.to_lowercase().cmp(&y.to_lowercase()),
                };
                if *desc { o.reverse() } else { o }
            });
        }
        rows
    }

    fn display_of(&self, table: &str, sys_id: &str) -> String {
        let Some(row) = self.get(table, sys_id) else { return String::new() };
        let class = row.get("sys_class_name").map(String::as_str).unwrap_or(table);
        let col = schema::lineage(class).first().map(|t| t.display).unwrap_or("name");
        row.get(col).cloned().unwrap_or_default()
    }

    /// One record as the Table API shows it: strings, reference objects, display values.
    pub fn render(&self, table: &str, row: &Row, opts: &RenderOptions) -> Value {
        let cols = schema::columns_in(table, self.columns);
        let mut out = Map::new();
        let wanted: Vec<String> = match &opts.fields {
            Some(f) => f.iter().filter(|f| !f.is_empty()).cloned().collect(),
            None => cols.iter().map(|c| c.name.to_string()).collect(),
        };
        for name in wanted {
            let path: Vec<String> = name.split('.').map(str::to_string).collect();
            let Some(value) = self.resolve(table, row, &path) else { continue };
            let kind =
                if path.len() == 1 { cols.iter().find(|c| c.name == name).map(|c| c.kind) } else { Some(Kind::Text) };
            let rendered = match kind {
                Some(Kind::Ref(target)) => {
                    let link = format!("{}/api/now/table/{target}/{value}", opts.base_url);
                    match opts.display {
                        Display::Value if value.is_empty() || opts.exclude_links => Value::String(value),
                        Display::Value => json!({"link": link, "value": value}),
                        Display::Display => Value::String(self.display_of(target, &value)),
                        Display::All if value.is_empty() || opts.exclude_links => {
                            json!({"display_value": self.display_of(target, &value), "value": value})
                        }
                        Display::All => {
                            json!({"display_value": self.display_of(target, &value), "link": link, "value": value})
                        }
                    }
                }
                Some(Kind::Encrypted) => Value::String(String::new()),
                Some(Kind::Choice(choices)) => {
                    let label = choices.iter().find(|(v, _)| *v == value).map_or(value.as_str(), |(_, l)| *l);
                    match opts.display {
                        Display::Value => Value::String(value.clone()),
                        Display::Display => Value::String(label.to_string()),
                        Display::All => json!({"display_value": label, "value": value}),
                    }
                }
                _ => match opts.display {
                    Display::All => json!({"display_value": value, "value": value}),
                    _ => Value::String(value),
                },
            };
            out.insert(name, rendered);
        }
        Value::Object(out)
    }

    /// A copy without encrypted values, for writing to disk.
    pub fn without_secrets(&self) -> Store {
        let mut copy = self.clone();
        for row in copy.rows.iter_mut() {
            let class = row.get("sys_class_name").cloned().unwrap_or_default();
            for c in schema::columns_in(&class, self.columns) {
                if c.kind == Kind::Encrypted {
                    row.insert(c.name.to_string(), String::new());
                }
            }
        }
        copy
    }

    /// The caller's current application (`apps.current_app`), Global when unset.
    pub fn current_scope(&self, user_id: &str) -> String {
        self.scan("sys_user_preference")
            .find(|r| {
                r.get("user").map(String::as_str) == Some(user_id)
                    && r.get("name").map(String::as_str) == Some(names::CURRENT_APP_PREF)
            })
            .and_then(|r| r.get("value").cloned())
            .filter(|v| self.get("sys_scope", v).is_some())
            .unwrap_or_else(|| names::GLOBAL_SCOPE_SYS_ID.to_string())
    }

    fn scope_prefix(&self, scope_id: &str) -> String {
        self.get("sys_scope", scope_id).and_then(|s| s.get("scope").cloned()).unwrap_or_else(|| "global".into())
    }

    /// Sets each given column from a JSON body, as strings; system columns are ignored, and
    /// encrypted ones are silently dropped unless the request sent display values.
    fn apply_body(&self, row: &mut Row, table: &str, body: &Map<String, Value>, input_display: bool) {
        for (k, v) in body {
            if k.starts_with("sys_") {
                continue;
            }
            let Some(col) = schema::column_in(table, k, self.columns) else { continue };
            if col.kind == Kind::Encrypted && !input_display {
                continue;
            }
            let mut s = plain(v);
            if col.kind == Kind::Bool {
                s = match s.as_str() {
                    "true" | "1" => "true".into(),
                    _ => "false".into(),
                };
            }
            row.insert(k.clone(), s);
        }
    }

    pub fn insert(&mut self, table: &str, body: &Map<String, Value>, w: &Write<'_>) -> Result<Row, ApiError> {
        let Write { caller, base_url, input_display } = *w;
        schema::table(table).ok_or_else(|| ApiError::new(400, &format!("Invalid table {table}"), None))?;
        if !caller.admin {
            return Err(acl_refused("Insert"));
        }
        let mut row = Row::new();
        for c in schema::columns_in(table, self.columns) {
            row.insert(c.name.to_string(), c.default.to_string());
        }
        self.apply_body(&mut row, table, body, input_display);
        let now = now_utc();
        // A caller may choose the new record's sys_id (reference §1.1 correction); a clash
        // with an existing record is refused like any unique-index clash.
        let sys_id = match body.get("sys_id").map(plain) {
            Some(id) if is_sys_id(&id) => {
                let id = id.to_lowercase();
                if self.find(&id).is_some() {
                    return Err(ApiError::insert_failed(table, &plain(body.get("name").unwrap_or(&Value::Null))));
                }
                id
            }
            _ => new_sys_id(),
        };
        row.insert("sys_id".into(), sys_id);
        row.insert("sys_class_name".into(), table.to_string());
        row.insert("sys_created_on".into(), now.clone());
        row.insert("sys_updated_on".into(), now);
        row.insert("sys_created_by".into(), caller.user_name.clone());
        row.insert("sys_updated_by".into(), caller.user_name.clone());
        row.insert("sys_mod_count".into(), "0".into());
        let scope = self.current_scope(&caller.user_id);
        if schema::is_metadata(table) {
            row.insert("sys_scope".into(), scope.clone());
        }
        for col in [names::CONNECTION_SCOPE_COLUMN, names::CREDENTIAL_SCOPE_COLUMN] {
            if schema::column(table, col).is_some() && body.get(col).is_none() {
                row.insert(col.to_string(), scope.clone());
            }
        }
        self.check_rules(table, &mut row, None, base_url)?;
        crate::wcs::check_rules(self, table, &mut row, None)?;
        self.rows.push(row.clone());
        if table == "oauth_entity" {
            self.add_default_profile(&row, caller);
        }
        Ok(row)
    }

    fn add_default_profile(&mut self, entity: &Row, caller: &Caller) {
        let name = format!("{} default_profile", entity.get("name").cloned().unwrap_or_default());
        let mut p = Row::new();
        for c in schema::columns("oauth_entity_profile") {
            p.insert(c.name.to_string(), c.default.to_string());
        }
        let now = now_utc();
        for (k, v) in [
            ("sys_id", new_sys_id()),
            ("sys_class_name", "oauth_entity_profile".into()),
            ("name", name),
            ("oauth_entity", entity["sys_id"].clone()),
            ("grant_type", entity.get("default_grant_type").cloned().unwrap_or_default()),
            ("default", "true".into()),
            ("sys_scope", entity.get("sys_scope").cloned().unwrap_or_default()),
            ("sys_created_on", now.clone()),
            ("sys_updated_on", now),
            ("sys_created_by", caller.user_name.clone()),
            ("sys_updated_by", caller.user_name.clone()),
        ] {
            p.insert(k.to_string(), v);
        }
        self.rows.push(p);
    }

    pub fn update(
        &mut self,
        table: &str,
        sys_id: &str,
        body: &Map<String, Value>,
        w: &Write<'_>,
    ) -> Result<Row, ApiError> {
        let Write { caller, base_url, input_display } = *w;
        schema::table(table).ok_or_else(|| ApiError::new(400, &format!("Invalid table {table}"), None))?;
        let idx = self.position(table, sys_id).ok_or_else(not_found)?;
        if !caller.admin {
            return Err(acl_refused("Update"));
        }
        let mut row = self.rows[idx].clone();
        let class = row.get("sys_class_name").cloned().unwrap_or_else(|| table.to_string());
        self.apply_body(&mut row, &class, body, input_display);
        row.insert("sys_updated_on".into(), now_utc());
        row.insert("sys_updated_by".into(), caller.user_name.clone());
        let count: u64 = row.get("sys_mod_count").and_then(|c| c.parse().ok()).unwrap_or(0);
        row.insert("sys_mod_count".into(), (count + 1).to_string());
        self.check_rules(&class, &mut row, Some(sys_id), base_url)?;
        crate::wcs::check_rules(self, &class, &mut row, Some(sys_id))?;
        self.rows[idx] = row.clone();
        Ok(row)
    }

    pub fn delete(&mut self, table: &str, sys_id: &str, caller: &Caller) -> Result<(), ApiError> {
        schema::table(table).ok_or_else(|| ApiError::new(400, &format!("Invalid table {table}"), None))?;
        let idx = self.position(table, sys_id).ok_or_else(not_found)?;
        if !caller.admin {
            return Err(acl_refused("Delete"));
        }
        self.rows.remove(idx);
        Ok(())
    }

    /// Business rules and unique indexes; `existing` is the sys_id on update.
    fn check_rules(&self, class: &str, row: &mut Row, existing: Option<&str>, base_url: &str) -> Result<(), ApiError> {
        let get = |r: &Row, k: &str| r.get(k).cloned().unwrap_or_default();
        let name = get(row, "name");
        let fail = |table: &str, display: &str| {
            if existing.is_some() {
                ApiError::update_failed(table, display)
            } else {
                ApiError::insert_failed(table, display)
            }
        };
        let others = |table: &'static str| self.scan(table).filter(move |r| Some(r["sys_id"].as_str()) != existing);
        if schema::is_a(class, "sys_alias") {
            if !is_alias_name(&name) {
                return Err(fail("sys_alias", &name));
            }
            if existing.is_none() {
                let prefix = self.scope_prefix(&get(row, "sys_scope"));
                let id = if prefix == "global" { name.clone() } else { format!("{prefix}.{name}") };
                row.insert("id".into(), id);
            }
            let id = get(row, "id");
            if others("sys_alias").any(|r| same_text(r.get("id"), &id)) {
                return Err(fail("sys_alias", &name));
            }
        }
        if schema::is_a(class, "sys_connection") {
            if name.is_empty() || others("sys_connection").any(|r| same_text(r.get("name"), &name)) {
                return Err(fail(class, &name));
            }
            if get(row, "active") == "true" {
                let alias = get(row, "connection_alias");
                let multiple =
                    self.get("sys_alias", &alias).map(|a| get(a, "multiple_connections") == "true").unwrap_or(false);
                let active_here = |r: &&Row| r.get("active").map(String::as_str) == Some("true");
                if !alias.is_empty()
                    && !multiple
                    && others("sys_connection").filter(active_here).any(|r| r.get("connection_alias") == Some(&alias))
                {
                    return Err(fail(class, &name));
                }
                let cred = get(row, "credential");
                if !cred.is_empty()
                    && others("sys_connection").filter(active_here).any(|r| r.get("credential") == Some(&cred))
                {
                    return Err(fail(class, &name));
                }
            }
        }
        if class == "sys_properties"
            && (name.is_empty() || others("sys_properties").any(|r| same_text(r.get("name"), &name)))
        {
            return Err(fail("sys_properties", &name));
        }
        if class == "oauth_entity" && get(row, "redirect_url").is_empty() {
            row.insert("redirect_url".into(), format!("{base_url}/oauth_redirect.do"));
        }
        Ok(())
    }
}

/// Unique indexes compare text the way the instance's collation does: without regard to case.
fn same_text(stored: Option<&String>, wanted: &str) -> bool {
    stored.is_some_and(|s| s.to_lowercase() == wanted.to_lowercase())
}

/// A sys_id a caller may choose: 32 hexadecimal digits.
fn is_sys_id(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// The instance's answer to a write an ACL refuses (`operation`: Insert, Update, Delete).
fn acl_refused(operation: &str) -> ApiError {
    ApiError::new(
        403,
        "Operation Failed",
        Some(format!("ACL Exception {operation} Failed due to security constraints")),
    )
}

pub fn not_found() -> ApiError {
    ApiError::new(404, "No Record found", Some("Record doesn't exist or ACL restricts the record retrieval".into()))
}

/// The text a JSON value in a request body stands for: the Table API stores every value as
/// a string, and takes `{"value": ..}` where a display-value object is sent back.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(map) => map.get("value").map(plain).unwrap_or_default(),
        _ => String::new(),
    }
}
