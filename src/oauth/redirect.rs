//! Reading what comes back from the authorization server: a redirect's query (or a
//! form_post body, or a URL pasted into the terminal). Pure functions: no I/O.

use std::collections::HashMap;

/// What the redirect carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    Code { code: String },
    Error(ProviderError),
}

/// An error the provider sent to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderError {
    pub error: String,
    pub description: Option<String>,
    pub subcode: Option<String>,
    pub uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    #[error("the redirect carried no state parameter, so it cannot be tied to this sign-in; it was ignored")]
    StateMissing,
    #[error("the redirect's state does not match this sign-in (a stale tab or a forged request); it was ignored")]
    StateMismatch,
    #[error("the redirect carried neither a code nor an error")]
    Empty,
    #[error(
        "that is not the address the browser was sent back to; paste the whole URL from the address bar (it starts with http://localhost)"
    )]
    NotARedirect,
}

/// Splits `a=b&c=d` with percent- and plus-decoding.
pub fn parse_query(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect()
}

/// Checks `state` in constant time against the expected one, then reads code or error.
pub fn read(params: &HashMap<String, String>, expected_state: &str) -> Result<Redirect, RedirectError> {
    let Some(state) = params.get("state") else {
        return Err(if params.contains_key("code") || params.contains_key("error") {
            RedirectError::StateMissing
        } else {
            RedirectError::Empty
        });
    };
    if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
        return Err(RedirectError::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        // Whatever reached the redirect is outside text, shown later on a terminal.
        let clean = |k: &str| params.get(k).map(|v| crate::sanitize::line_clipped(v, 1000));
        return Ok(Redirect::Error(ProviderError {
            error: crate::sanitize::line_clipped(error, 200),
            description: clean("error_description"),
            subcode: clean("error_subcode"),
            uri: clean("error_uri"),
        }));
    }
    match params.get("code") {
        Some(code) if !code.is_empty() => Ok(Redirect::Code { code: code.clone() }),
        _ => Err(RedirectError::Empty),
    }
}

/// Reads a line pasted into the terminal: the full redirect URL, or just its query.
pub fn read_pasted(line: &str, expected_state: &str) -> Result<Redirect, RedirectError> {
    let line = line.trim();
    let query = if let Ok(url) = url::Url::parse(line) {
        if !matches!(url.host_str(), Some("localhost" | "127.0.0.1")) {
            return Err(RedirectError::NotARedirect);
        }
        url.query().unwrap_or_default().to_string()
    } else if line.contains("code=") || line.contains("error=") {
        line.trim_start_matches('?').to_string()
    } else {
        return Err(RedirectError::NotARedirect);
    };
    read(&parse_query(&query), expected_state)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_errors_and_states() {
        let q = parse_query("code=abc%2Fd&state=s1&session_state=x");
        assert_eq!(read(&q, "s1"), Ok(Redirect::Code { code: "abc/d".into() }));
        assert_eq!(read(&q, "s2"), Err(RedirectError::StateMismatch));
        assert_eq!(read(&parse_query("code=abc"), "s1"), Err(RedirectError::StateMissing));
        assert_eq!(read(&parse_query(""), "s1"), Err(RedirectError::Empty));
        let e = read(
            &parse_query("error=access_denied&error_subcode=cancel&error_description=AADSTS65004%3A+declined&state=s1"),
            "s1",
        );
        match e {
            Ok(Redirect::Error(p)) => {
                assert_eq!(p.error, "access_denied");
                assert_eq!(p.subcode.as_deref(), Some("cancel"));
                assert_eq!(p.description.as_deref(), Some("AADSTS65004: declined"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_error_carries_no_terminal_escapes() {
        let q = parse_query("error=x%1B%5B2J&error_description=AADSTS1%3A+%1B%5D0%3Bowned%07&state=s1");
        let Ok(Redirect::Error(p)) = read(&q, "s1") else { panic!("an error redirect") };
        let shown = format!("{} {}", p.error, p.description.unwrap_or_default());
        assert!(!shown.contains(['\u{1b}', '\u{7}']), "{shown:?}");
        assert!(shown.contains("AADSTS1: \\u{1b}]0;owned"), "{shown}");
    }

    #[test]
    fn pasted_lines() {
        assert_eq!(
            read_pasted("  http://localhost:5000/?code=c&state=s \n", "s"),
            Ok(Redirect::Code { code: "c".into() })
        );
        assert_eq!(read_pasted("?code=c&state=s", "s"), Ok(Redirect::Code { code: "c".into() }));
        assert_eq!(read_pasted("https://evil.example/?code=c&state=s", "s"), Err(RedirectError::NotARedirect));
        assert_eq!(read_pasted("hello", "s"), Err(RedirectError::NotARedirect));
    }
}
