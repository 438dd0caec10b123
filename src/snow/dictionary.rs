//! The instance's own names for the columns the documentation knows only by their form
//! labels (`facts::Labelled`): read from `sys_dictionary` (element and column label) and
//! `sys_choice` once per run, so a column is found, not guessed. When the dictionary cannot
//! be read (an ACL, an older instance), each column falls back to its documented guess, and
//! `unread` says why, so the doctor can tell the user.

use super::records::plain;
use super::{Instance, InstanceExt, Query, SnError};
use crate::facts::{self, Choice, Labelled};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    table: String,
    element: String,
    label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ChoiceRow {
    table: String,
    element: String,
    value: String,
    label: String,
}

/// What the instance's data dictionary says about the labelled columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dictionary {
    columns: Vec<Column>,
    choices: Vec<ChoiceRow>,
    /// Why the dictionary could not be read; None when it was.
    unread: Option<String>,
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary::guessed("the data dictionary was not read")
    }
}

/// Labels compared the way a person reads them: case, spaces and punctuation aside.
fn norm(label: &str) -> String {
    label.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Every table the labelled columns may live on.
fn tables() -> Vec<&'static str> {
    let mut t: Vec<&str> = facts::LABELLED.iter().flat_map(|f| f.tables.iter().copied()).collect();
    t.sort_unstable();
    t.dedup();
    t
}

impl Dictionary {
    /// A dictionary that could not be read: every column is its documented guess.
    pub fn guessed(reason: impl Into<String>) -> Dictionary {
        Dictionary { columns: vec![], choices: vec![], unread: Some(reason.into()) }
    }

    /// Reads the labelled columns' dictionary entries and choices: two requests, sent
    /// together. A refusal or an error is not fatal; it makes the dictionary a guess.
    pub async fn read(client: &dyn Instance) -> Dictionary {
        let tables = tables();
        let q = match Query::new().is_in("name", &tables) {
            Ok(q) => q,
            Err(e) => return Dictionary::guessed(e.to_string()),
        };
        let (columns, choices) = tokio::join!(
            client.list::<Value>("sys_dictionary", &q, &["name", "element", "column_label"]),
            client.list::<Value>("sys_choice", &q, &["name", "element", "value", "label", "inactive"]),
        );
        Dictionary::from_answers(columns, choices)
    }

    /// The dictionary from the instance's answers to the two reads.
    pub fn from_answers(columns: Result<Vec<Value>, SnError>, choices: Result<Vec<Value>, SnError>) -> Dictionary {
        let columns = match columns {
            Ok(rows) => rows,
            Err(e) => return Dictionary::guessed(format!("sys_dictionary could not be read: {e}")),
        };
        let columns: Vec<Column> = columns
            .iter()
            .map(|r| Column {
                table: plain(&r["name"]),
                element: plain(&r["element"]),
                label: plain(&r["column_label"]),
            })
            .filter(|c| !c.element.is_empty())
            .collect();
        if columns.is_empty() {
            return Dictionary::guessed("sys_dictionary answered with no columns for these tables");
        }
        // Without choices the columns still count; choice values then fall back alone.
        let choices = choices
            .unwrap_or_default()
            .iter()
            .filter(|r| plain(&r["inactive"]) != "true")
            .map(|r| ChoiceRow {
                table: plain(&r["name"]),
                element: plain(&r["element"]),
                value: plain(&r["value"]),
                label: plain(&r["label"]),
            })
            .collect();
        Dictionary { columns, choices, unread: None }
    }

    /// Why the dictionary could not be read, if it could not.
    pub fn unread(&self) -> Option<&str> {
        self.unread.as_deref()
    }

    fn find(&self, f: &Labelled) -> Option<&Column> {
        let want = norm(f.label);
        let on = |c: &&Column| f.tables.contains(&c.table.as_str());
        // The exact label first; then one that adds a unit, as "Max Elapsed Time (seconds)".
        self.columns
            .iter()
            .filter(on)
            .find(|c| norm(&c.label) == want)
            .or_else(|| self.columns.iter().filter(on).find(|c| norm(&c.label).starts_with(&want)))
    }

    /// The column holding `f` on this instance: found by its label, or the documented guess.
    pub fn column(&self, f: &Labelled) -> String {
        self.find(f).map(|c| c.element.clone()).unwrap_or_else(|| f.guess.to_string())
    }

    /// The labelled columns the dictionary, though read, does not list (their guesses are used).
    pub fn missing(&self) -> Vec<&'static Labelled> {
        if self.unread.is_some() {
            return vec![];
        }
        facts::LABELLED.iter().filter(|f| self.find(f).is_none()).collect()
    }

    /// The stored value of a choice: found by its label, or the documented guess.
    pub fn choice(&self, c: &Choice) -> String {
        let element = self.column(&c.field);
        let want = norm(c.label);
        self.choices
            .iter()
            .find(|x| c.field.tables.contains(&x.table.as_str()) && x.element == element && norm(&x.label) == want)
            .map(|x| x.value.clone())
            .unwrap_or_else(|| c.guess.to_string())
    }

    /// The label of a stored choice value, for showing it to people (the value itself when
    /// the dictionary has no label for it).
    pub fn choice_label(&self, f: &Labelled, value: &str) -> String {
        let element = self.column(f);
        self.choices
            .iter()
            .find(|x| f.tables.contains(&x.table.as_str()) && x.element == element && x.value == value)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| value.to_string())
    }

    /// The value of labelled column `f` in a raw record.
    pub fn get(&self, row: &Value, f: &Labelled) -> String {
        plain(&row[self.column(f).as_str()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_map_to_the_instance_columns_and_guesses_fill_in() {
        let cols = vec![
            json!({"name": "sn_wsd_rsvsync_provider", "element": "strict_mode_email", "column_label": "Delegated User Email"}),
            json!({"name": "sys_retry_policy", "element": "max_elapsed_seconds", "column_label": "Max Elapsed Time (seconds)"}),
            json!({"name": "sys_retry_policy", "element": "retry_strategy", "column_label": "Retry Strategy"}),
        ];
        let choices = vec![
            json!({"name": "sys_retry_policy", "element": "retry_strategy", "value": "x_after", "label": "Honor \"Retry-After\" Header"}),
        ];
        let d = Dictionary::from_answers(Ok(cols), Ok(choices));
        assert_eq!(d.unread(), None);
        assert_eq!(d.column(&facts::PROVIDER_DELEGATE), "strict_mode_email");
        assert_eq!(d.column(&facts::RETRY_MAX_ELAPSED), "max_elapsed_seconds", "a label with its unit");
        assert_eq!(d.choice(&facts::RETRY_HONOR_RETRY_AFTER), "x_after");
        assert_eq!(d.choice_label(&facts::RETRY_STRATEGY, "x_after"), "Honor \"Retry-After\" Header");
        assert_eq!(d.column(&facts::PROVIDER_PROCESSOR), "calendar_processor", "not listed: the guess");
        assert!(d.missing().contains(&&facts::PROVIDER_PROCESSOR));
        let refused = SnError::Forbidden { table: "sys_dictionary".into(), message: "no".into(), detail: None };
        let g = Dictionary::from_answers(Err(refused), Ok(vec![]));
        assert!(g.unread().is_some_and(|r| r.contains("sys_dictionary")));
        assert_eq!(g.column(&facts::PROVIDER_DELEGATE), "delegated_user_email");
        assert!(g.missing().is_empty(), "an unread dictionary is said once, not per column");
    }
}
