//! Scope checks: is the instance ready for this mode? Workplace Calendar Synchronization
//! and the Exchange Online spoke installed (and recent enough), the admin role, and the
//! current application, which apply switches to the mode's scope and puts back. It sits
//! before any choice of records, so nothing is chosen on an instance that cannot take it.

use crate::doctor::catalogue as say;
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
    let unsupported = spoke_unsupported(info);
    match &info.spoke {
        // The failures below name the spoke and its version: no `ok` above them.
        Some(s) if s.active.0 && !unsupported.is_empty() => {}
        Some(s) if s.active.0 => {
            out.push((true, format!("Microsoft Exchange Online Spoke {} ({})", s.version, facts::SPOKE_SCOPE)))
        }
        Some(s) => {
            out.push((false, format!("Microsoft Exchange Online Spoke {} is installed but inactive", s.version)))
        }
        None => out.push((false, format!("Microsoft Exchange Online Spoke ({}) is not installed", facts::SPOKE_SCOPE))),
    }
    out.extend(unsupported.into_iter().map(|s| (false, s)));
    out
}

/// Every check passed: Enter goes on.
pub fn passed(app: &App) -> bool {
    app.info.as_ref().is_some_and(|i| results(i, app.draft.choice).iter().all(|(ok, _)| *ok))
}

/// What the doctor says about this spoke version under this WCS with the providers active
/// now (APP-SPOKE-OLD, APP-SPOKE-MULTI-PROVIDER), in its words: a setup on an instance it
/// calls unsupported writes a configuration that cannot sync, so each is a failed check.
pub fn spoke_unsupported(info: &InstanceInfo) -> Vec<String> {
    let (Some(wcs), Some(spoke)) = (&info.wcs, &info.spoke) else { return vec![] };
    let active = info.provider_records.iter().filter(|p| p.active).count();
    facts::spoke_unsupported(&wcs.version, &spoke.version, active)
        .into_iter()
        .map(|problem| {
            let said = match problem {
                facts::SpokeUnsupported::TooOldForWcs => say::app_spoke_old(&spoke.version, &wcs.version),
                facts::SpokeUnsupported::TooOldForProviders => say::app_spoke_multi_provider(active, &spoke.version),
            };
            format!("{} ({}). {}", said.title, said.check.as_str(), said.fix)
        })
        .collect()
}

/// Whether to offer keeping the typed password in the keyring: it worked, it was typed
/// here, and it is a real instance's.
pub fn offers_to_keep(app: &App) -> bool {
    !app.password_kept && !app.sandbox && app.conn.as_ref().is_some_and(|c| c.sandbox_url.is_none())
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Char('k') if offers_to_keep(app) => {
            let Some(conn) = &app.conn else { return vec![] };
            let account = crate::secrets::Account::InstancePassword {
                instance: conn.instance_key.clone(),
                user: app.draft.user.value.trim().to_string(),
            };
            let password = secrecy::SecretString::from(app.draft.password.value.clone());
            return vec![Effect::KeepPassword { account, password }];
        }
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            if passed(app) {
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
    // The apply switches record by record (plan::diff gives each its scope): the alias,
    // credentials and connections go to the mode's application, the provider, rooms and
    // properties always to WCS.
    let switch = match app.draft.choice.mode() {
        crate::plan::Mode::Personal => {
            "While applying, calsync switches it to Workplace Calendar Synchronization (where these records belong) and puts it back afterwards.".to_string()
        }
        _ => "While applying, calsync switches it to Microsoft Exchange Online Spoke for the credentials and connections, and to Workplace Calendar Synchronization for the provider, rooms and properties (where each belongs), and puts it back afterwards.".to_string(),
    };
    lines.push(Line::from(format!("Your current application is {}.", info.current_app)));
    lines.push(Line::from(switch));
    if offers_to_keep(app) {
        lines.push(Line::default());
        lines.push(Line::styled(
            "k keeps this password in the OS keyring, so the next run does not ask for it (nothing is kept otherwise).",
            t.accent(),
        ));
    }
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

#[cfg(test)]
mod spoke_tests {
    use crate::wizard::tests::info;
    use crate::wizard::{ModeChoice, ProviderRecord};

    /// The broken sandbox's pair: WCS 3.4.6 with spoke 3.1.0 and two active providers,
    /// which the doctor reports as APP-SPOKE-OLD and APP-SPOKE-MULTI-PROVIDER.
    #[test]
    fn a_spoke_the_doctor_calls_unsupported_fails_the_checks() {
        let mut i = info();
        i.spoke.as_mut().unwrap().version = crate::snow::records::Text("3.1.0".into());
        i.provider_records.push(ProviderRecord {
            name: "Contoso Rooms East".into(),
            active: true,
            ..ProviderRecord::default()
        });
        for choice in ModeChoice::ALL {
            let failed: Vec<String> =
                super::results(&i, choice).into_iter().filter(|(ok, _)| !ok).map(|(_, s)| s).collect();
            assert_eq!(failed.len(), 2, "{choice:?}: {failed:?}");
            assert!(failed[0].contains("APP-SPOKE-OLD") && failed[0].contains("older than 3.2.1"), "{failed:?}");
            assert!(failed[1].contains("APP-SPOKE-MULTI-PROVIDER") && failed[1].contains("3.2.4"), "{failed:?}");
        }
        // One active provider: only the version WCS needs.
        i.provider_records.pop();
        let failed: Vec<_> = super::results(&i, ModeChoice::Strict).into_iter().filter(|(ok, _)| !ok).collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        i.spoke.as_mut().unwrap().version = crate::snow::records::Text("3.2.4".into());
        assert!(super::results(&i, ModeChoice::Strict).iter().all(|(ok, _)| *ok));
    }
}

#[cfg(test)]
mod switch_tests {
    use crate::wizard::tests::{info, render_text};
    use crate::wizard::{App, Journey, ModeChoice, Step};

    /// The apply switches record by record: in strict and normal mode the provider, rooms
    /// and properties go to WCS, not to the spoke, and the step says so.
    #[test]
    fn the_checks_say_which_application_each_kind_of_record_is_written_in() {
        for (choice, spoke) in
            [(ModeChoice::Strict, true), (ModeChoice::Normal, true), (ModeChoice::PersonalOwn, false)]
        {
            let mut app = App::new(false);
            app.color = false;
            app.start(Journey::Setup);
            app.draft.choice = choice;
            app.info = Some(info());
            app.go(Step::Checks);
            let screen: String = render_text(&app, 200, 40).split_whitespace().collect::<Vec<_>>().join(" ");
            let both = "Microsoft Exchange Online Spoke for the credentials and connections, and to Workplace Calendar Synchronization for the provider, rooms and properties";
            assert_eq!(screen.contains(both), spoke, "{choice:?}: {screen}");
            assert!(screen.contains("puts it back afterwards"), "{choice:?}: {screen}");
        }
    }
}
