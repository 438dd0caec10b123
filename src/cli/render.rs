//! Plain-text rendering of diffs and apply outcomes, shared by the commands. Names and
//! values come from the instance and the plan, so what is returned is sanitized.

use crate::plan::apply::{Outcome, Status};
use crate::plan::diff::{Action, Diff, Item};

fn mark(action: Action) -> char {
    match action {
        Action::Create => '+',
        Action::Update => '~',
        Action::Unchanged => '=',
        Action::Conflict => '!',
    }
}

fn item_lines(item: &Item, out: &mut Vec<String>) {
    out.push(format!("  {} {:<11} {}", mark(item.action), item.kind.label(), item.name));
    for f in &item.fields {
        match &f.from {
            Some(from) => out.push(format!("                  {}: {} -> {}", f.field, show(from), show(&f.to))),
            None => out.push(format!("                  {}: {}", f.field, show(&f.to))),
        }
    }
    if let Some(r) = &item.reason {
        out.push(format!("                  conflict: {r}"));
    }
    if let Some(n) = &item.note {
        out.push(format!("                  note: {n}"));
    }
}

fn show(v: &str) -> String {
    if v.is_empty() { "(empty)".to_string() } else { v.to_string() }
}

pub fn diff_text(instance: &str, diff: &Diff) -> String {
    let head =
        [format!("Instance  {instance}"), format!("Mode      {}; records are written in {}", diff.mode, diff.scope)];
    crate::sanitize::text(&format!("{}\n\n{}", head.join("\n"), items_text(diff)))
}

/// The items of a diff, conflicts first, and the counts.
pub fn items_text(diff: &Diff) -> String {
    let mut out = vec![];
    // Conflicts first: they stop everything.
    for action in [Action::Conflict, Action::Create, Action::Update, Action::Unchanged] {
        for item in diff.items.iter().filter(|i| i.action == action) {
            item_lines(item, &mut out);
        }
    }
    let s = diff.summary();
    out.push(String::new());
    out.push(format!(
        "{} to create, {} to update, {} unchanged, {} conflicts.",
        s.create, s.update, s.unchanged, s.conflict
    ));
    crate::sanitize::text(&out.join("\n"))
}

pub fn outcome_line(o: &Outcome) -> String {
    let verb = match (o.action, &o.status) {
        (_, Status::Failed(_)) => "failed ",
        (_, Status::Skipped) => "skipped",
        (Action::Create, _) => "created",
        _ => "updated",
    };
    let mut line = format!("  {verb} {:<11} {}", o.kind.label(), o.name);
    if let Some(link) = &o.link
        && o.status.is_done()
    {
        line.push_str(&format!("  {link}"));
    }
    if let Status::Failed(m) = &o.status {
        line.push_str(&format!("\n          {m}"));
    }
    crate::sanitize::text(&line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::diff::Kind;
    use crate::plan::model::Mode;

    #[test]
    fn names_from_the_instance_print_no_terminal_escapes() {
        let mut item = Item::new(Kind::Credential, "MS Graph 1\u{1b}]0;owned\u{7}\u{1b}[2J", "oauth_2_0_credentials");
        item.action = Action::Conflict;
        item.reason = Some("named \u{9b}31m by the instance".into());
        let diff = Diff { mode: Mode::Strict, scope: "x".into(), items: vec![item] };
        let text = diff_text("https://dev1.service-now.com", &diff);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{text:?}");
        assert!(text.contains("MS Graph 1\\u{1b}]0;owned"), "{text}");
    }
}
