//! Calendar provider: the WCS record that synchronizes with Microsoft Graph as the
//! delegated mailbox. An own alias is used only when a provider names it as its override
//! alias (seed 000), so this step comes right after the connection, with one provider per
//! delegated mailbox.

use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, ModeChoice, ProviderRecord};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

/// The name the step starts with: after the own alias in its mode; otherwise the
/// instance's general provider (one on the default alias), never a provider another
/// mailbox's own alias chain hangs off.
pub fn default_name(app: &App) -> String {
    if app.draft.choice == ModeChoice::PersonalOwn {
        return app.draft.alias.value.trim().replace('_', " ");
    }
    general(app).unwrap_or_else(|| GENERAL_PROVIDER.to_string())
}

/// The name of a new general provider when the instance has none.
const GENERAL_PROVIDER: &str = "Microsoft Exchange Online";

/// The first provider (by name) that does not override the default alias.
fn general(app: &App) -> Option<String> {
    let info = app.info.as_ref()?;
    let mut names: Vec<&str> =
        info.provider_records.iter().filter(|p| !p.override_alias).map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.first().map(|n| n.to_string())
}

fn existing<'a>(app: &'a App, name: &str) -> Option<&'a ProviderRecord> {
    app.info.as_ref()?.provider_records.iter().find(|p| crate::facts::same_name(&p.name, name.trim()))
}

/// What stops this name, if anything: an empty or unsafe name; outside the own-alias mode,
/// a provider that belongs to an own alias (this setup would take it, its rooms and its
/// mailbox's place over); a spoke too old for the providers the setup leaves active.
fn problem(app: &App) -> Option<String> {
    let v = &app.draft.provider.value;
    if let Some(p) =
        super::record_name_problem(v, "the provider's name (an existing one is updated, a new one created)")
    {
        return Some(p);
    }
    if app.draft.choice != ModeChoice::PersonalOwn
        && let Some(p) = existing(app, v).filter(|p| p.override_alias)
    {
        let whose = if p.delegated_user.is_empty() { String::new() } else { format!(" of {}", p.delegated_user) };
        let instead = match general(app) {
            Some(g) => format!("the general provider is \"{g}\""),
            None => format!("a new one, e.g. \"{GENERAL_PROVIDER}\", is created"),
        };
        return Some(format!(
            "\"{}\" is the provider of an own alias{whose}: this setup would move it to the default alias and another mailbox. Type another name ({instead}).",
            p.name
        ));
    }
    spoke_too_old(app)
}

/// The spoke's multi-provider rule (the doctor's APP-SPOKE-MULTI-PROVIDER) against the
/// providers active once this setup is applied: this one, the others that stay, less the
/// idle ones a strict or personal setup retires.
fn spoke_too_old(app: &App) -> Option<String> {
    let info = app.info.as_ref()?;
    let (wcs, spoke) = (info.wcs.as_ref()?, info.spoke.as_ref()?);
    let ours = app.draft.provider.value.trim();
    let retires = app.draft.choice != ModeChoice::Normal;
    let others = info
        .provider_records
        .iter()
        .filter(|p| p.active && !crate::facts::same_name(&p.name, ours))
        .filter(|p| !(retires && p.delegated_user.is_empty()))
        .count();
    let active = others + 1;
    crate::facts::spoke_unsupported(&wcs.version, &spoke.version, active)
        .contains(&crate::facts::SpokeUnsupported::TooOldForProviders)
        .then(|| {
            let said = crate::doctor::catalogue::app_spoke_multi_provider(active, &spoke.version);
            format!("with this one, {} ({}). {}", said.title, said.check.as_str(), said.fix)
        })
}

/// The other providers that stay active after this setup, each with its own alias and
/// mailbox where it has them: the setup neither takes them over nor retires them.
fn staying(app: &App) -> String {
    let Some(info) = app.info.as_ref() else { return String::new() };
    let ours = app.draft.provider.value.trim();
    let retires = app.draft.choice != ModeChoice::Normal;
    let named: Vec<String> = info
        .provider_records
        .iter()
        .filter(|p| p.active && !crate::facts::same_name(&p.name, ours))
        .filter(|p| !(retires && p.delegated_user.is_empty()))
        .map(|p| {
            let alias = if p.override_alias { "own alias" } else { "default alias" };
            if p.delegated_user.is_empty() {
                format!("{} ({alias})", p.name)
            } else {
                format!("{} ({alias}, for {})", p.name, p.delegated_user)
            }
        })
        .collect();
    named.join("; ")
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            if problem(app).is_none() {
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
    let said = match existing(app, &d.provider.value) {
        Some(p) if !p.delegated_user.is_empty() => format!("exists (for {}): it is updated", p.delegated_user),
        Some(_) => "exists: it is updated".into(),
        None => "new: it is created".into(),
    };
    let below = problem(app).map(|p| (p, true)).unwrap_or((said, false));
    let height = view::field_height(Some(&below), area.width);
    let stay = staying(app);
    let stay_h = if stay.is_empty() {
        0
    } else {
        view::wrapped_height(&[Line::from(stay.clone())], area.width.saturating_sub(16)) + 1
    };
    let rows = view::rows(area, &[height.max(2), 1, 1, 1, 1, 1, stay_h, 4]);
    view::field(f, rows[0], app, &d.provider, true, Some(below));
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
    if !stay.is_empty() {
        view::text(f, rows[6], vec![Line::from(format!("{:<16}{stay}", "Stays active"))]);
    }
    view::text(
        f,
        rows[7],
        vec![Line::styled(
            "Several delegated mailboxes each need their own alias, credential, connection and provider: run the setup once per mailbox, or use a plan with several [[provider]] entries.",
            t.dim(),
        )],
    );
}

#[cfg(test)]
mod tests {
    use crate::wizard::tests::{ctrl, info, key, render_text, typed};
    use crate::wizard::{App, Journey, ModeChoice, ProviderRecord, Step};
    use ratatui::crossterm::event::KeyCode;

    /// An instance set up in personal mode with an own alias: its mailbox's provider is
    /// active on the own alias, the general provider retired.
    fn after_personal(choice: ModeChoice) -> App {
        let mut app = App::new(false);
        app.start(Journey::Setup);
        app.draft.choice = choice;
        app.draft.delegated.set("strict-rooms@contoso.com");
        let mut i = info();
        i.providers = vec!["Contoso Graph Personal".into(), "Microsoft Exchange Online".into()];
        i.idle_providers = vec![];
        i.provider_records = vec![
            ProviderRecord {
                name: "Contoso Graph Personal".into(),
                active: true,
                override_alias: true,
                delegated_user: "rooms-delegate@contoso.com".into(),
            },
            ProviderRecord { name: "Microsoft Exchange Online".into(), ..ProviderRecord::default() },
        ];
        app.info = Some(i);
        app.go(Step::Provider);
        app
    }

    #[test]
    fn a_strict_setup_after_a_personal_one_takes_the_general_provider() {
        for choice in [ModeChoice::Strict, ModeChoice::PersonalDefault, ModeChoice::Normal] {
            let mut app = after_personal(choice);
            assert_eq!(app.draft.provider.value, "Microsoft Exchange Online", "{choice:?}");
            // Typed by hand, the own alias's provider is refused, with the one to use.
            ctrl(&mut app, 'u');
            typed(&mut app, "Contoso Graph Personal");
            assert!(key(&mut app, KeyCode::Enter).is_empty());
            assert_eq!(app.step(), Step::Provider, "{choice:?}");
            let screen = render_text(&app, 80, 24);
            let words = screen.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
            for part in ["of rooms-delegate@contoso.com", "own alias", "\"Microsoft Exchange Online\""] {
                assert!(words.contains(part), "{part} in {screen}");
            }
        }
        // The own alias's provider stays active beside the general one, and the step says so.
        let app = after_personal(ModeChoice::Strict);
        let words = render_text(&app, 80, 24).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("Stays active Contoso Graph Personal (own alias, for rooms-delegate@contoso.com)"),
            "{words}"
        );
        // In the own-alias mode, that provider is the mailbox's own and is updated.
        let mut app = after_personal(ModeChoice::PersonalOwn);
        app.draft.provider.set("Contoso Graph Personal");
        let _ = key(&mut app, KeyCode::Enter);
        assert_eq!(app.step(), Step::Rooms);
    }

    #[test]
    fn a_spoke_too_old_for_the_providers_left_active_stops_the_provider() {
        let mut app = after_personal(ModeChoice::PersonalOwn);
        app.info.as_mut().unwrap().spoke.as_mut().unwrap().version = crate::snow::records::Text("3.2.1".into());
        app.draft.provider.set("Contoso Rooms");
        assert!(key(&mut app, KeyCode::Enter).is_empty());
        assert_eq!(app.step(), Step::Provider, "two active providers need spoke 3.2.4");
        let words = render_text(&app, 80, 24).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("APP-SPOKE-MULTI-PROVIDER"), "{words}");
        // Updating the one there is leaves one active.
        app.draft.provider.set("Contoso Graph Personal");
        let _ = key(&mut app, KeyCode::Enter);
        assert_eq!(app.step(), Step::Rooms);
    }
}
