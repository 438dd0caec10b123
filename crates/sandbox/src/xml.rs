//! Answers in XML for a caller that sends `Accept: application/xml` (the Table API
//! supports it: SNDocs `c_TableAPI`, "Supported types: application/json or
//! application/xml"). The shape follows the Batch API reference's XML example,
//! `<?xml version="1.0" encoding="UTF-8"?><response><result>...</result></response>`: the
//! JSON answer's members become elements, and a list of results becomes one `<result>` per
//! record.

use serde_json::Value;

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

fn element(name: &str, value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            for item in items {
                element(name, item, out);
            }
        }
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::String(s) if s.is_empty() => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        _ => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        element(k, v, out);
                    }
                }
                Value::String(s) => escape(s, out),
                other => escape(&other.to_string(), out),
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

/// The XML form of a JSON answer (`{"result": ...}` or the error envelope).
pub fn from_json(value: &Value) -> String {
    let mut out = String::from(DECLARATION);
    element("response", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_become_result_elements_and_text_is_escaped() {
        let xml = from_json(&json!({"result": [{"name": "A & B", "parent": ""}, {"name": "<c>"}]}));
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?><response><result><name>A &amp; B</name><parent/></result><result><name>&lt;c&gt;</name></result></response>"#
        );
    }
}
