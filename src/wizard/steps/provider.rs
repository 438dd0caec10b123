//! Calendar provider: the WCS record that synchronizes with Microsoft Graph as the
//! delegated mailbox. An own alias is used only when a provider names it as its override
//! alias (seed 000), so this step comes right after the connection, with one provider per
//! delegated mailbox.

use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

fn problem(v: &str) -> Option<String> {
    super::record_name_problem(v, "the provider's name (an existing one is updated, a new one created)")
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            if problem(&app.draft.provider.value).is_none() {
                app.draft_changed();
                app.next();
                if app.step() == crate::wizard::Step::Rooms {
                    return super::rooms::load(app);
                }
            }
        }
        _ => {
            app.draft.provider.key(k);
        }
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let d = &app.draft;
    let rows = view::rows(area, &[2, 1, 1, 1, 1, 1, 4]);
    let existing = app.info.as_ref().is_some_and(|i| i.providers.iter().any(|p| p == d.provider.value.trim()));
    let below = problem(&d.provider.value)
        .map(|p| (p, true))
        .or_else(|| Some((if existing { "exists: it is updated".into() } else { "new: it is created".into() }, false)));
    view::field(f, rows[0], app, &d.provider, true, below);
    let alias = match d.choice {
        ModeChoice::PersonalOwn => format!("yes: sn_wsd_rsvsync.{}", d.alias.value.trim()),
        _ => "no: the default alias".into(),
    };
    view::text(f, rows[2], vec![Line::from(format!("{:<16}{alias}", "Override alias"))]);
    let user = if d.choice == ModeChoice::Normal {
        "none (normal mode)".to_string()
    } else {
        d.delegated.value.trim().to_string()
    };
    view::text(f, rows[3], vec![Line::from(format!("{:<16}{user}", "Delegated user"))]);
    view::text(f, rows[4], vec![Line::from(format!("{:<16}Microsoft Graph; Active", "Processor"))]);
    view::text(
        f,
        rows[6],
        vec![Line::styled(
            "Several delegated mailboxes each need their own alias, credential, connection and provider: run the setup once per mailbox, or use a plan with several [[provider]] entries.",
            t.dim(),
        )],
    );
}
