//! Typed records for the tables the procedures touch.
//!
//! The Table API returns every value as a string (`"true"`, `"100"`, `""`) and a
//! reference either as a bare sys_id, as `{"link","value"}`, or with
//! `sysparm_display_value=all` as `{"display_value","value","link"}`. The small types
//! here accept all of those, so callers see booleans, numbers and sys_ids.

use crate::facts;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// A reference field: the sys_id it points at (empty when unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ref {
    pub value: String,
    pub display: Option<String>,
}

impl Ref {
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
    pub fn id(&self) -> &str {
        &self.value
    }
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ref_from_value(&Value::deserialize(d)?))
    }
}

pub fn ref_from_value(v: &Value) -> Ref {
    match v {
        Value::String(s) => Ref { value: s.clone(), display: None },
        Value::Object(map) => Ref {
            value: map.get("value").and_then(Value::as_str).unwrap_or_default().to_string(),
            display: map.get("display_value").and_then(Value::as_str).map(str::to_string),
        },
        _ => Ref::default(),
    }
}

/// The plain string of a field, whatever shape it came in.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(map) => map.get("value").map(plain).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A string field that may arrive as `{"value": ..}` when display values are asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Text(plain(&Value::deserialize(d)?)))
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A boolean stored as `"true"` / `"false"` (empty reads as false).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Flag(matches!(plain(&Value::deserialize(d)?).as_str(), "true" | "1")))
    }
}

/// An integer stored as a string; empty or unreadable reads as None.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Number(pub Option<i64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Number(plain(&Value::deserialize(d)?).trim().parse().ok()))
    }
}

/// Columns that are not modelled, kept so that uncertain column names can be read through
/// `facts` without being spelled in a struct.
pub type Extra = BTreeMap<String, Value>;

fn extra_str(extra: &Extra, column: &str) -> String {
    extra.get(column).map(plain).unwrap_or_default()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Scope {
    pub sys_id: Text,
    pub scope: Text,
    pub name: Text,
    pub version: Text,
    pub active: Flag,
    pub sys_class_name: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub sys_id: Text,
    pub user_name: Text,
    pub name: Text,
    pub email: Text,
    pub active: Flag,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserPreference {
    pub sys_id: Text,
    pub user: Ref,
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserHasRole {
    pub sys_id: Text,
    pub user: Ref,
    pub role: Ref,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Alias {
    pub sys_id: Text,
    pub name: Text,
    pub id: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub connection_type: Text,
    pub parent: Ref,
    pub multiple_connections: Flag,
    pub retry_policy: Ref,
    pub sys_scope: Ref,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OAuthEntity {
    pub sys_id: Text,
    pub name: Text,
    pub client_id: Text,
    pub auth_url: Text,
    pub token_url: Text,
    pub redirect_url: Text,
    pub default_grant_type: Text,
    pub active: Flag,
    pub sys_scope: Ref,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OAuthProfile {
    pub sys_id: Text,
    pub name: Text,
    pub oauth_entity: Ref,
    pub grant_type: Text,
    pub default: Flag,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Credential {
    pub sys_id: Text,
    pub name: Text,
    pub active: Flag,
    pub oauth_entity_profile: Ref,
    pub applies_to: Text,
    pub order: Number,
    pub sys_class_name: Text,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Credential {
    pub fn integration_type(&self) -> String {
        extra_str(&self.extra, facts::CREDENTIAL_INTEGRATION_TYPE_COLUMN)
    }
    pub fn application(&self) -> Ref {
        self.extra.get(facts::CREDENTIAL_SCOPE_COLUMN).map(ref_from_value).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Connection {
    pub sys_id: Text,
    pub name: Text,
    pub credential: Ref,
    pub connection_alias: Ref,
    pub connection_url: Text,
    pub active: Flag,
    pub use_mid: Flag,
    pub url_builder: Flag,
    pub sys_domain: Ref,
    pub sys_class_name: Text,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Connection {
    pub fn application(&self) -> Ref {
        self.extra.get(facts::CONNECTION_SCOPE_COLUMN).map(ref_from_value).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Property {
    pub sys_id: Text,
    pub name: Text,
    pub value: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub choices: Text,
    pub sys_scope: Ref,
}

impl Property {
    /// The stored values offered by `choices` ("Label=value,Label=value").
    pub fn choice_values(&self) -> Vec<(String, String)> {
        self.choices
            .split(',')
            .filter_map(|c| {
                let c = c.trim();
                if c.is_empty() {
                    return None;
                }
                Some(match c.split_once('=') {
                    Some((label, value)) => (label.trim().to_string(), value.trim().to_string()),
                    None => (c.to_string(), c.to_string()),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_every_reference_shape() {
        let rows = [
            json!({"sys_id":"1","name":"a","parent":"abc","multiple_connections":"true"}),
            json!({"sys_id":"1","name":"a","parent":{"link":"https://x/api/now/table/sys_alias/abc","value":"abc"}}),
            json!({"sys_id":{"value":"1","display_value":"1"},"name":{"value":"a","display_value":"a"},"parent":{"display_value":"P","value":"abc","link":"l"}}),
        ];
        for row in rows {
            let a: Alias = serde_json::from_value(row).unwrap();
            assert_eq!(a.parent.id(), "abc");
            assert_eq!(&*a.name, "a");
        }
        let a: Alias = serde_json::from_value(json!({"parent":"","multiple_connections":"false"})).unwrap();
        assert!(a.parent.is_empty());
        assert!(!a.multiple_connections.0);
    }

    #[test]
    fn numbers_flags_and_choices() {
        let c: Credential =
            serde_json::from_value(json!({"order":"100","active":"true","application":{"value":"s1","link":"l"}}))
                .unwrap();
        assert_eq!(c.order.0, Some(100));
        assert!(c.active.0);
        assert_eq!(c.application().id(), "s1");
        let p: Property =
            serde_json::from_value(json!({"choices":"Normal=Normal,Strict=Strict, Personal Authentication=Personal"}))
                .unwrap();
        assert_eq!(p.choice_values()[2], ("Personal Authentication".to_string(), "Personal".to_string()));
    }
}
