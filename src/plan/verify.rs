//! Writes verified: after each insert or update, the record the instance answered with is
//! compared with what was sent. The Table API ignores a column it does not have (a wrong
//! name), keeps its own value where an ACL or a business rule says so, and drops an
//! encrypted field sent without `sysparm_input_display_value`, all with a 200 or 201; each
//! of those is an error that names the field, never a success.

use crate::snow::records::plain;
use serde_json::Value;

/// Encrypted columns: the instance never shows them back, so only their presence in the
/// answer can be checked.
const WRITE_ONLY: &[&str] = &["client_secret", "token_received", "token", "password"];

/// A field the instance did not keep as sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    #[error(
        "the instance did not save the field {column} of {table}: it has no such column, or an ACL hides it. Nothing was written there; check the field's name on this instance (its data dictionary) and run again"
    )]
    Missing { table: String, column: String },
    #[error(
        "the instance kept {kept:?} in the field {column} of {table} instead of {sent:?} (an ACL, a business rule or a choice it does not offer); check the field on the record's form and run again"
    )]
    Changed { table: String, column: String, sent: String, kept: String },
}

/// Booleans come back as `true`/`false` whatever was sent; everything else as sent.
fn same(sent: &str, kept: &str) -> bool {
    let bool_of = |s: &str| match s {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    };
    sent == kept || matches!((bool_of(sent), bool_of(kept)), (Some(a), Some(b)) if a == b)
}

/// Compares what was sent to `table` with the record the instance answered with.
pub fn check(table: &str, sent: &Value, answer: &Value) -> Result<(), Dropped> {
    let Some(sent) = sent.as_object() else { return Ok(()) };
    for (column, value) in sent {
        // System columns (sys_scope and the like) are the instance's to set.
        if column.starts_with("sys_") {
            continue;
        }
        let Some(kept) = answer.get(column) else {
            return Err(Dropped::Missing { table: table.into(), column: column.clone() });
        };
        if WRITE_ONLY.contains(&column.as_str()) {
            continue;
        }
        let (sent, kept) = (plain(value), plain(kept));
        if !same(&sent, &kept) {
            return Err(Dropped::Changed { table: table.into(), column: column.clone(), sent, kept });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dropped_or_changed_field_is_named() {
        let sent = json!({"name": "A", "calendar_processor": "ms_graph", "active": "true", "sys_scope": "x"});
        let kept = json!({"name": "A", "processor": "ms_graph", "active": true, "sys_scope": "global"});
        let e = check("sn_wsd_rsvsync_provider", &sent, &kept).unwrap_err();
        assert_eq!(
            e,
            Dropped::Missing { table: "sn_wsd_rsvsync_provider".into(), column: "calendar_processor".into() }
        );
        assert!(e.to_string().contains("calendar_processor"));
        let changed = json!({"name": "B", "calendar_processor": {"value": "ms_graph"}, "active": "true"});
        assert!(matches!(check("t", &sent, &changed), Err(Dropped::Changed { column, .. }) if column == "name"));
        let fine = json!({"name": "A", "calendar_processor": {"value": "ms_graph", "link": "l"}, "active": "true"});
        assert_eq!(check("t", &sent, &fine), Ok(()));
        let secret = json!({"client_secret": "s"});
        assert_eq!(check("oauth_entity", &secret, &json!({"client_secret": ""})), Ok(()));
        assert!(check("oauth_entity", &secret, &json!({})).is_err(), "absent even as a column");
    }
}
