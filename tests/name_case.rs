//! Names compared as the instance compares them: without regard to case. A plan that spells
//! a record's name in another case names that record; the diff says so and writes nothing.

mod common;

use calsync::plan::apply::apply;
use calsync::plan::{self, Action};
use common::*;

#[tokio::test]
async fn a_plan_in_another_case_finds_the_records_and_says_so() {
    let sb = sandbox().await;
    let c = client(&sb);
    let text = example("personal-own-alias.toml");
    let p = plan::parse("plan.toml", &text).expect("plan parses");
    let st = plan::read_state(&c, &p).await.expect("state reads");
    let r = apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
    assert!(!r.failed(), "{r:?}");

    // The same plan with every name the admin typed in lower case.
    let lower = text
        .replace("\"Contoso Graph Personal\"", "\"contoso graph personal\"")
        .replace("\"Contoso_Graph_Personal\"", "\"contoso_graph_personal\"")
        .replace(
            "\"Microsoft Exchange Online_personalAuth default profile\"",
            "\"microsoft exchange online_personalauth default profile\"",
        );
    assert_ne!(lower, text);
    let p = plan::parse("plan.toml", &lower).expect("plan parses");
    let st = plan::read_state(&c, &p).await.expect("state reads");
    let d = plan::diff(&p, &st);
    assert!(!d.has_conflicts(), "{:#?}", d.items);
    assert!(!d.has_changes(), "nothing to create or update: {:#?}", d.items);
    let noted: Vec<_> = d.items.iter().filter_map(|i| i.note.as_deref()).collect();
    assert_eq!(noted.len(), 4, "alias, credential, connection and provider: {noted:#?}");
    assert!(
        noted.iter().any(|n| n.contains("\"Contoso Graph Personal\"") && n.contains("without regard to case")),
        "{noted:#?}"
    );
    let writes = sb.writes();
    let r = apply(&c, &d, &st, |_| {}).await;
    assert!(!r.failed() && r.outcomes.is_empty(), "{r:?}");
    assert_eq!(sb.writes(), writes, "no duplicate was attempted");
    let text = calsync::cli::render::items_text(&d);
    assert!(text.contains("note: the instance spells this connection \"Contoso Graph Personal\""), "{text}");
    assert!(d.items.iter().all(|i| i.action != Action::Create));
}
