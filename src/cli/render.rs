//! Plain-text rendering of diffs and apply outcomes, shared by the commands. Names and
//! values come from the instance and the plan, so what is returned is sanitized.

use crate::plan::apply::{Outcome, Status};
use crate::plan::diff::{Action, Diff, InstanceState, Item};

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

/// The diff with where its records are written: apply switches the current application
/// per record (a WCS record in WCS's, a spoke record in the spoke's), so when the changes
/// go to more than one application each gets its own heading, as in the wizard's Review.
pub fn diff_text(instance: &str, diff: &Diff, state: &InstanceState) -> String {
    let home = |i: &Item| if i.scope.is_empty() { diff.scope.clone() } else { state.scope_label(&i.scope) };
    let mut homes: Vec<String> = vec![];
    for i in ordered(diff).into_iter().filter(|i| i.action != Action::Unchanged) {
        let h = home(i);
        if !homes.contains(&h) {
            homes.push(h);
        }
    }
    let mode = match homes.as_slice() {
        [] => format!("Mode      {}; records are written in {}", diff.mode, diff.scope),
        [one] => format!("Mode      {}; records are written in {one}", diff.mode),
        _ => format!("Mode      {}; each record is written in its own application (headings below)", diff.mode),
    };
    let body = if homes.len() <= 1 {
        items_text(diff)
    } else {
        let mut out = vec![];
        for h in &homes {
            out.push(format!("Written in {h}:"));
            for item in ordered(diff).into_iter().filter(|i| i.action != Action::Unchanged && home(i) == *h) {
                item_lines(item, &mut out);
            }
            out.push(String::new());
        }
        let unchanged: Vec<&Item> = ordered(diff).into_iter().filter(|i| i.action == Action::Unchanged).collect();
        if !unchanged.is_empty() {
            out.push("Unchanged:".into());
            for item in unchanged {
                item_lines(item, &mut out);
            }
            out.push(String::new());
        }
        out.push(counts(diff));
        out.join("\n")
    };
    crate::sanitize::text(&format!("Instance  {instance}\n{mode}\n\n{body}"))
}

/// The items, conflicts first (they stop everything), then creates, updates, unchanged.
fn ordered(diff: &Diff) -> Vec<&Item> {
    [Action::Conflict, Action::Create, Action::Update, Action::Unchanged]
        .into_iter()
        .flat_map(|a| diff.items.iter().filter(move |i| i.action == a))
        .collect()
}

fn counts(diff: &Diff) -> String {
    let s = diff.summary();
    format!("{} to create, {} to update, {} unchanged, {} conflicts.", s.create, s.update, s.unchanged, s.conflict)
}

/// The items of a diff, conflicts first, and the counts.
pub fn items_text(diff: &Diff) -> String {
    let mut out = vec![];
    for item in ordered(diff) {
        item_lines(item, &mut out);
    }
    out.push(String::new());
    out.push(counts(diff));
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
        let text = diff_text("https://dev1.service-now.com", &diff, &InstanceState::default());
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{text:?}");
        assert!(text.contains("MS Graph 1\\u{1b}]0;owned"), "{text}");
    }
}
