//! The doctor's readable report: grouped by severity, worst first, each finding with its
//! record links, evidence, why it matters and the fix.

use super::{Calsync, Report, Severity};

/// The report as text; record names and values in it came from the instance, so the
/// result is sanitized. `calsync`: how the commands it names are run.
pub fn text(r: &Report, calsync: &Calsync) -> String {
    crate::sanitize::text(&raw_text(r, calsync))
}

fn raw_text(r: &Report, calsync: &Calsync) -> String {
    let fixable = format!(" ({} can)", calsync.cmd("doctor --fix"));
    let mut out = vec![
        format!("Instance  {}", r.instance),
        format!("Mode      {}", r.mode.clone().unwrap_or_else(|| "unknown".into())),
        String::new(),
    ];
    if r.findings.is_empty() {
        out.push("Healthy: every check passed.".into());
        return out.join("\n");
    }
    for (sev, heading) in [(Severity::Error, "Errors"), (Severity::Warning, "Warnings"), (Severity::Info, "Notes")] {
        let group: Vec<_> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        out.push(format!("{heading} ({})", group.len()));
        for f in group {
            out.push(format!("  [{}] {}", f.id, f.title));
            for e in &f.evidence {
                out.push(format!("      {}.{} = {:?}  {}", e.table, e.field, e.value, e.link));
            }
            out.push(format!("      why: {}", f.why));
            out.push(format!("      fix: {}{}", f.fix, if f.fixable { fixable.as_str() } else { "" }));
        }
        out.push(String::new());
    }
    let s = r.summary;
    out.push(format!("{}.", counts(s.errors, s.warnings, s.info)));
    out.join("\n")
}

/// "1 error, 2 warnings, 0 notes": each count with its noun in the right number.
pub fn counts(errors: usize, warnings: usize, notes: usize) -> String {
    let n = |k: usize, one: &str| format!("{k} {one}{}", if k == 1 { "" } else { "s" });
    format!("{}, {}, {}", n(errors, "error"), n(warnings, "warning"), n(notes, "note"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_about_hostile_names_print_no_terminal_escapes() {
        let f =
            crate::doctor::browser_finding("MS\u{1b}[2J Graph", Some("a@contoso.com"), Ok("\u{1b}]0;x\u{7}".into()));
        let r = Report {
            instance: "https://dev1.service-now.com".into(),
            mode: None,
            healthy: false,
            summary: crate::doctor::Counts::default(),
            findings: vec![f],
        };
        let shown = text(&r, &Calsync::default());
        assert!(!shown.contains(['\u{1b}', '\u{7}']), "{shown:?}");
        assert!(shown.contains("MS\\u{1b}[2J Graph"), "{shown}");
    }

    #[test]
    fn counts_say_one_error_and_two_warnings() {
        assert_eq!(super::counts(1, 2, 0), "1 error, 2 warnings, 0 notes");
        assert_eq!(super::counts(0, 1, 1), "0 errors, 1 warning, 1 note");
    }
}
