//! Scope checks: is the instance ready for this mode? Workplace Calendar Synchronization
//! and the Exchange Online spoke installed (and recent enough), the admin role, and the
//! current application, which apply switches to the mode's scope and puts back. It sits
//! before any choice of records, so nothing is chosen on an instance that cannot take it.

use crate::facts::{self, version_at_least};
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, InstanceInfo, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Each check: passed, the line to show.
pub fn results(info: &InstanceInfo, choice: ModeChoice) -> Vec<(bool, String)> {
    let mut out = vec![(true, format!("{} answers as the ServiceNow Table API", info.url))];
    out.push(if !info.user_found {
        (false, format!("the user {} was not found in sys_user", info.user))
    } else if info.is_admin {
        (true, format!("{} has the admin role", info.user))
    } else {
        (false, format!("{} does not have the admin role; log in as an admin", info.user))
    });
    match &info.wcs {
        Some(s) if choice.mode() == crate::plan::Mode::Personal && !version_at_least(&s.version, "3.0.0") => {
            out.push((
                false,
                format!(
                    "Workplace Calendar Synchronization {} is installed; personal authentication needs 3.0.0 or later",
                    s.version
                ),
            ))
        }
        Some(s) if !s.active.0 => {
            out.push((false, format!("Workplace Calendar Synchronization {} is installed but inactive", s.version)))
        }
        Some(s) => {
            let via = if version_at_least(&s.version, facts::WCS_USES_SPOKE_FROM) {
                ", synchronizing through the spoke"
            } else {
                ""
            };
            out.push((true, format!("Workplace Calendar Synchronization {} ({}){via}", s.version, facts::WCS_SCOPE)))
        }
        None => {
            out.push((false, format!("Workplace Calendar Synchronization ({}) is not installed", facts::WCS_SCOPE)))
        }
    }
    match &info.spoke {
        Some(s) if s.active.0 => {
            out.push((true, format!("Microsoft Exchange Online Spoke {} ({})", s.version, facts::SPOKE_SCOPE)))
        }
        Some(s) => {
            out.push((false, format!("Microsoft Exchange Online Spoke {} is installed but inactive", s.version)))
        }
        None => out.push((false, format!("Microsoft Exchange Online Spoke ({}) is not installed", facts::SPOKE_SCOPE))),
    }
    out
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            let ok = app.info.as_ref().is_some_and(|i| results(i, app.draft.choice).iter().all(|(ok, _)| *ok));
            if ok {
                app.next();
            } else {
                app.notice = Some("Fix the failed checks on the instance first, then go back and probe again.".into());
            }
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(info) = &app.info else { return };
    let mut lines: Vec<Line> = results(info, app.draft.choice)
        .into_iter()
        .map(|(ok, s)| {
            Line::from(vec![
                Span::styled(if ok { "  ok    " } else { "  FAIL  " }, if ok { t.ok() } else { t.bad() }),
                Span::raw(s),
            ])
        })
        .collect();
    lines.push(Line::default());
    let scope = match app.draft.choice.mode() {
        crate::plan::Mode::Personal => "Workplace Calendar Synchronization",
        _ => "Microsoft Exchange Online Spoke",
    };
    lines.push(Line::from(format!("Your current application is {}.", info.current_app)));
    lines.push(Line::from(format!(
        "While applying, calsync switches it to {scope} (where these records belong) and puts it back afterwards."
    )));
    view::text(f, area, lines);
}

#[cfg(test)]
mod tests {
    use super::version_at_least;

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("3.10.0", "3.4.6"));
        assert!(version_at_least("2.0.1", "2.0.1"));
        assert!(!version_at_least("2.0.0", "2.0.1"));
        assert!(!version_at_least("", "3.0.0"));
    }
}
