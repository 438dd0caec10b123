//! Property-based fuzzing of every parser that takes outside input: the plan file, the
//! encoded-query builder (no input may change a query's meaning), the redirect parser, the
//! Table API and token decoders, and the instance-URL normaliser. CI runs the default
//! number of cases; `PROPTEST_CASES=100000 cargo test --test fuzz` runs a long session.

use calsync::oauth::flow::ProviderTokenError;
use calsync::oauth::redirect::{self, Redirect};
use calsync::sandbox::query as sn_query;
use calsync::snow::Query;
use calsync::snow::records::{Alias, Connection, Credential, Property};
use calsync::urls::{InstanceUrl, check_graph_url};
use proptest::prelude::*;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "[a-zA-Z0-9_ ^=.,!<>@:/?&%#\\-]{0,40}",
        Just("^OR".to_string()),
        Just("x^NQsys_id=1".to_string()),
        Just("a^ORname=MS Graph 1".to_string()),
    ]
}

proptest! {
    /// A value either is refused or leaves the query with exactly the conditions built.
    #[test]
    fn no_value_changes_a_querys_meaning(a in any_text(), b in any_text(), list in proptest::collection::vec(any_text(), 0..4)) {
        let built = Query::new().eq("name", &a).and_then(|q| q.ne("id", &b)).and_then(|q| q.is_in("sys_id", &list));
        if let Ok(q) = built {
            let parsed = sn_query::parse(&q.to_string());
            prop_assert_eq!(parsed.groups.len(), 1, "no ^NQ: {}", q);
            prop_assert_eq!(parsed.groups[0].len(), 3, "three AND-ed conditions: {}", q);
            for ors in &parsed.groups[0] {
                prop_assert_eq!(ors.len(), 1, "no ^OR: {}", q);
            }
            prop_assert_eq!(&parsed.groups[0][0][0].value, &a);
            prop_assert_eq!(&parsed.groups[0][1][0].value, &b);
            prop_assert!(parsed.order.is_empty());
        }
    }

    /// Any text as a plan: an answer (a plan or an error naming a line), never a panic.
    #[test]
    fn the_plan_parser_never_panics(text in ".{0,400}") {
        if let Err(e) = calsync::plan::parse("fuzz.toml", &text) {
            prop_assert!(e.line >= 1);
        }
    }

    /// A valid plan with one value replaced by anything still parses or errors cleanly.
    #[test]
    fn mutated_plans_are_parsed_or_refused(value in any_text(), field in 0usize..6) {
        let keys = ["name", "parent", "profile", "delegated_user", "alias", "url"];
        let plan = format!(
            "mode = \"personal\"\n[[alias]]\nname = \"A_1\"\n[[credential]]\nname = \"C\"\nprofile = \"P\"\ndelegated_user = \"a@b.com\"\n[[connection]]\nname = \"N\"\nalias = \"A_1\"\ncredential = \"C\"\n{} = {:?}\n",
            keys[field], value
        );
        let _ = calsync::plan::parse("fuzz.toml", &plan);
    }

    /// Any redirect: a code exactly when the state is this sign-in's. Redirects are built
    /// from parameters (code, state, error, noise) whose state is the right one, a near miss
    /// (one character changed, cut, extended, other case) or random, in any order, repeated
    /// or encoded oddly, so most inputs reach the comparison instead of failing to parse.
    #[test]
    fn redirects_give_a_code_only_with_the_state(
        state in "[A-Za-z0-9_-]{8,30}",
        parts in proptest::collection::vec((0u8..6, 0u8..5, "[A-Za-z0-9._~ +/%=&-]{0,24}"), 1..6),
        pasted in any::<bool>(),
    ) {
        let near = |how: u8, noise: &str| -> String {
            match how {
                0 => state.clone(),
                1 => { let mut c: Vec<char> = state.chars().collect(); let i = noise.len() % c.len(); c[i] = if c[i] == 'a' { 'b' } else { 'a' }; c.into_iter().collect() }
                2 => state[..state.len() - 1].to_string(),
                3 => format!("{state}{}", noise.chars().next().unwrap_or('x')),
                _ => state.to_ascii_uppercase(),
            }
        };
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, how, noise) in &parts {
            match key {
                0 | 1 => { query.append_pair("state", &near(*how, noise)); }
                2 => { query.append_pair("code", if noise.is_empty() { "c0de" } else { noise }); }
                3 => { query.append_pair("error", "access_denied"); }
                4 => { query.append_pair("session_state", noise); }
                _ => { query.append_pair(noise, noise); }
            }
        }
        let query = query.finish();
        let params = redirect::parse_query(&query);
        let result = if pasted {
            redirect::read_pasted(&format!("http://localhost:5000/?{query}"), &state)
        } else {
            redirect::read(&params, &state)
        };
        let state_matches = params.get("state") == Some(&state);
        if let Ok(Redirect::Code { .. }) = result {
            prop_assert!(state_matches, "a code without this sign-in's state: {query}");
        }
        // And the right state with a code and no error is always accepted.
        let code_ok = params.get("code").is_some_and(|c| !c.is_empty());
        if state_matches && code_ok && !params.contains_key("error") {
            prop_assert!(matches!(result, Ok(Redirect::Code { .. })), "refused: {query}");
        }
    }

    /// Raw text as a redirect or a pasted line: never a panic, never a code without the state.
    #[test]
    fn raw_text_redirects_never_give_a_code_without_the_state(query in ".{0,200}", state in "[A-Za-z0-9_-]{1,30}") {
        let params = redirect::parse_query(&query);
        if let Ok(Redirect::Code { .. }) = redirect::read(&params, &state) {
            prop_assert_eq!(params.get("state"), Some(&state));
        }
        let _ = redirect::read_pasted(&query, &state);
    }

    /// Any instance address: a clean https (or loopback http) origin, or a sentence.
    #[test]
    fn instance_urls_normalise_or_explain(input in ".{0,80}") {
        match InstanceUrl::parse(&input) {
            Ok(u) => {
                let s = u.to_string();
                prop_assert!(s.starts_with("https://") || (s.starts_with("http://") && u.is_loopback()), "{}", s);
                prop_assert_eq!(u.as_url().path(), "/");
                prop_assert!(u.as_url().query().is_none());
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let _ = check_graph_url(&input);
    }

    /// Any JSON where a record is expected: decoded or refused, never a panic.
    #[test]
    fn table_api_decoders_never_panic(json in arb_json()) {
        let _ = serde_json::from_value::<Alias>(json.clone());
        let _ = serde_json::from_value::<Connection>(json.clone());
        let _ = serde_json::from_value::<Credential>(json.clone());
        let _ = serde_json::from_value::<Property>(json.clone());
        let _ = serde_json::from_value::<ProviderTokenError>(json.clone());
        let _ = serde_json::from_value::<calsync::oauth::identity::Claims>(json);
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        ".{0,20}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("sys_id".to_string()),
                    Just("name".to_string()),
                    Just("parent".to_string()),
                    Just("active".to_string()),
                    Just("order".to_string()),
                    Just("value".to_string()),
                    Just("error_codes".to_string()),
                    Just("aud".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
