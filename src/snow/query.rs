//! Encoded queries (`sysparm_query`) that no value can rewrite.
//!
//! ServiceNow joins conditions with `^` and `^OR`, and silently ignores a condition whose
//! column it does not know. A name typed by an admin therefore must never be able to add a
//! condition or an OR branch: values holding `^` or line breaks are refused, `IN` lists
//! refuse commas, and column names are checked against a strict pattern.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("\"{0}\" is not a column name calsync would query")]
    BadColumn(String),
    #[error(
        "the value \"{value}\" for {column} contains {what}, which ServiceNow would read as part of the query; rename it without {what}"
    )]
    UnsafeValue { column: String, value: String, what: &'static str },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn eq(self, column: &str, value: &str) -> Result<Self, QueryError> {
        self.cond(column, "=", value, false)
    }

    pub fn ne(self, column: &str, value: &str) -> Result<Self, QueryError> {
        self.cond(column, "!=", value, false)
    }

    pub fn starts_with(self, column: &str, value: &str) -> Result<Self, QueryError> {
        self.cond(column, "STARTSWITH", value, false)
    }

    /// `column IN a,b,c`. An empty list matches nothing, so it is written as a condition
    /// that cannot hold rather than dropped (dropping it would match everything).
    pub fn is_in<S: AsRef<str>>(self, column: &str, values: &[S]) -> Result<Self, QueryError> {
        check_column(column)?;
        if values.is_empty() {
            return self.cond("sys_id", "=", "no-such-record", false);
        }
        let mut joined = String::new();
        for (i, v) in values.iter().enumerate() {
            let v = v.as_ref();
            check_value(column, v, true)?;
            if i > 0 {
                joined.push(',');
            }
            joined.push_str(v);
        }
        self.cond(column, "IN", &joined, true)
    }

    /// `column` equals the signed-in user's sys_id, through the instance's own script
    /// (`facts::CURRENT_USER_ID`): the one `javascript:` value calsync writes, and never
    /// one taken from a name, which `eq` refuses.
    pub fn is_current_user(mut self, column: &str) -> Result<Self, QueryError> {
        check_column(column)?;
        self.terms.push(format!("{column}={}", crate::facts::CURRENT_USER_ID));
        Ok(self)
    }

    pub fn order_by(mut self, column: &str) -> Result<Self, QueryError> {
        check_column(column)?;
        self.terms.push(format!("ORDERBY{column}"));
        Ok(self)
    }

    fn cond(mut self, column: &str, op: &str, value: &str, checked: bool) -> Result<Self, QueryError> {
        check_column(column)?;
        if !checked {
            check_value(column, value, false)?;
        }
        self.terms.push(format!("{column}{op}{value}"));
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.terms.join("^"))
    }
}

fn check_column(column: &str) -> Result<(), QueryError> {
    let ok = !column.is_empty()
        && column.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if ok { Ok(()) } else { Err(QueryError::BadColumn(column.to_string())) }
}

/// Whether `value` starts a `javascript:` expression, which an instance evaluates inside
/// an encoded query (spaces and letter case do not stop it).
fn starts_javascript(value: &str) -> bool {
    let squeezed: String = value.chars().filter(|c| !c.is_whitespace()).take(11).collect();
    squeezed.to_ascii_lowercase().starts_with("javascript:")
}

fn check_value(column: &str, value: &str, in_list: bool) -> Result<(), QueryError> {
    let what = if value.contains('^') {
        Some("a caret (^)")
    } else if starts_javascript(value) {
        Some("a javascript: prefix, which the instance would run as a script")
    } else if value.chars().any(|c| c.is_control()) {
        Some("a line break or control character")
    } else if in_list && value.contains(',') {
        Some("a comma")
    } else {
        None
    };
    match what {
        Some(what) => Err(QueryError::UnsafeValue {
            column: column.to_string(),
            value: crate::sanitize::line_clipped(value, 200),
            what,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_plain_queries() {
        let q = Query::new().eq("name", "MS Graph 1").unwrap().is_in("id", &["a.b", "c"]).unwrap();
        assert_eq!(q.to_string(), "name=MS Graph 1^idINa.b,c");
        assert_eq!(Query::new().is_in::<&str>("name", &[]).unwrap().to_string(), "sys_id=no-such-record");
    }

    #[test]
    fn values_cannot_add_conditions() {
        for bad in ["x^ORname=admin", "x^NQactive=true", "a^b", "line\nbreak"] {
            assert!(matches!(Query::new().eq("name", bad), Err(QueryError::UnsafeValue { .. })), "{bad}");
        }
        assert!(Query::new().is_in("name", &["a,b"]).is_err());
        for script in ["javascript:gs.getUserID()", " JavaScript:x", "java script:1", "\tjavascript :1"] {
            let e = Query::new().eq("name", script).unwrap_err();
            assert!(e.to_string().contains("javascript: prefix"), "{script}: {e}");
            assert!(Query::new().is_in("name", &["ok", script]).is_err(), "{script}");
        }
        assert_eq!(Query::new().is_current_user("sys_id").unwrap().to_string(), "sys_id=javascript:gs.getUserID()");
        // The word elsewhere in a name is only a name.
        assert!(Query::new().eq("name", "Notes on javascript: a talk").is_ok());
        // An equals sign inside a value stays part of the value.
        assert_eq!(Query::new().eq("name", "a=b").unwrap().to_string(), "name=a=b");
    }

    #[test]
    fn columns_are_checked() {
        for bad in ["", "Name", "name=x", "a^b", "role..name", "1abc"] {
            assert!(matches!(Query::new().eq(bad, "v"), Err(QueryError::BadColumn(_))), "{bad}");
        }
        assert!(Query::new().eq("role.name", "admin").is_ok());
    }
}
