//! The wizard: a screen-per-step state machine for the first-time setup and the
//! re-authorization of delegated mailboxes.
//!
//! `App::handle(Event) -> Vec<Effect>` is pure: no terminal, no network, no clock. Events
//! are facts (a key, a probe's result, an apply's progress); effects are commands the
//! driver (`driver.rs`) runs, whose results come back as events. Rendering (`view.rs` and
//! each step's `render`) only reads `App`. Each step lives in its own file under `steps/`.
//! The steps fill one shared `Draft`, which becomes a `Plan` for the same diff and apply
//! engine the headless `calsync apply` uses.

pub mod driver;
pub mod field;
pub mod rooms_io;
pub mod steps;
pub mod view;

#[cfg(test)]
mod tests;

use crate::facts;
use crate::oauth::identity::Who;
use crate::oauth::session::Notice;
use crate::plan::{self, Diff, Mode, Plan};
use crate::snow::records::Scope;
use field::TextField;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;

/// What the admin is setting up (DESIGN.md journey 1, step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeChoice {
    Normal,
    Strict,
    PersonalDefault,
    PersonalOwn,
}

impl ModeChoice {
    pub const ALL: [ModeChoice; 4] =
        [ModeChoice::PersonalOwn, ModeChoice::PersonalDefault, ModeChoice::Strict, ModeChoice::Normal];

    pub fn mode(self) -> Mode {
        match self {
            ModeChoice::Normal => Mode::Normal,
            ModeChoice::Strict => Mode::Strict,
            ModeChoice::PersonalDefault | ModeChoice::PersonalOwn => Mode::Personal,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ModeChoice::PersonalOwn => "Personal authentication, own alias",
            ModeChoice::PersonalDefault => "Personal authentication, default alias",
            ModeChoice::Strict => "Strict",
            ModeChoice::Normal => "Normal",
        }
    }

    /// A short label for the title bar.
    pub fn short(self) -> &'static str {
        match self {
            ModeChoice::PersonalOwn => "Personal, own alias",
            ModeChoice::PersonalDefault => "Personal, default alias",
            ModeChoice::Strict => "Strict",
            ModeChoice::Normal => "Normal",
        }
    }

    /// Whether the delegated mailbox signs in (Get OAuth Token) in this mode.
    pub fn needs_tokens(self) -> bool {
        self != ModeChoice::Normal
    }

    /// The credentials this mode writes or checks.
    pub fn credential_names(self, own: &str) -> Vec<String> {
        match self {
            ModeChoice::PersonalOwn => vec![own.to_string()],
            _ => vec![facts::MS_GRAPH_1.to_string(), facts::MS_GRAPH_2.to_string()],
        }
    }

    /// The profile a fresh instance offers for this mode.
    pub fn default_profile(self) -> &'static str {
        match self {
            ModeChoice::Normal => facts::PROFILE_CLIENT_CREDENTIALS,
            ModeChoice::Strict => facts::PROFILE_AUTH_CODE,
            ModeChoice::PersonalDefault | ModeChoice::PersonalOwn => facts::PROFILE_PERSONAL,
        }
    }
}

/// The journeys the picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journey {
    Setup,
    Reauth,
    Troubleshoot,
}

impl Journey {
    pub const ALL: [Journey; 3] = [Journey::Setup, Journey::Reauth, Journey::Troubleshoot];

    pub fn label(self) -> &'static str {
        match self {
            Journey::Setup => "First-time setup",
            Journey::Reauth => "Re-authorize delegated mailboxes",
            Journey::Troubleshoot => "Troubleshoot",
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Journey::Setup => {
                "Mode, scope checks, alias, OAuth 2.0 credential, HTTP(s) connection and integration mode, reviewed before anything is written; then Get OAuth Token for the delegated mailbox."
            }
            Journey::Reauth => {
                "The instance's OAuth credentials with their delegated user, token state and expiry; pick one or several and sign each in again, checked to be the right account."
            }
            Journey::Troubleshoot => {
                "Every misconfiguration the doctor finds, wrong-account sign-ins first, each with its record, why it breaks synchronization and the fix; safe fixes go through the same review and apply."
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Picker,
    Credentials,
    Findings,
    Mode,
    Instance,
    Checks,
    Profile,
    Alias,
    Credential,
    Connection,
    Provider,
    Properties,
    Integration,
    Review,
    Apply,
    Token,
    Handover,
    Rooms,
    Summary,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Picker => "What do you want to do?",
            Step::Credentials => "Delegated mailboxes",
            Step::Findings => "Findings",
            Step::Mode => "Mode",
            Step::Instance => "Instance and login",
            Step::Checks => "Scope checks",
            Step::Profile => "OAuth profile",
            Step::Alias => "Connection & Credential alias",
            Step::Credential => "OAuth 2.0 credential",
            Step::Connection => "HTTP(s) connection",
            Step::Provider => "Calendar provider",
            Step::Properties => "Sync properties",
            Step::Integration => "Integration mode",
            Step::Review => "Review",
            Step::Apply => "Apply",
            Step::Token => "Get OAuth Token",
            Step::Handover => "Token on the instance",
            Step::Rooms => "Rooms",
            Step::Summary => "Summary",
        }
    }
}

/// The steps of a journey, in order.
pub fn journey_steps(journey: Journey, choice: ModeChoice) -> Vec<Step> {
    match journey {
        Journey::Setup => steps_for(choice),
        Journey::Reauth => vec![Step::Instance, Step::Credentials, Step::Token, Step::Handover, Step::Summary],
        Journey::Troubleshoot => vec![Step::Instance, Step::Findings, Step::Review, Step::Apply],
    }
}

/// The steps of the setup for a mode, in order.
pub fn steps_for(choice: ModeChoice) -> Vec<Step> {
    use Step::*;
    let mut s = vec![Mode, Instance, Checks, Profile];
    if matches!(choice, ModeChoice::PersonalOwn | ModeChoice::PersonalDefault) {
        s.push(Alias);
    }
    s.push(Credential);
    if choice != ModeChoice::PersonalDefault {
        s.push(Connection);
    }
    s.extend([Provider, Rooms, Properties, Integration, Review, Apply]);
    if choice.needs_tokens() {
        s.extend([Token, Handover]);
    }
    s.push(Summary);
    s
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub sys_id: String,
    pub name: String,
    pub grant_type: String,
    pub registry: String,
    pub client_id: String,
    pub tenant: Option<String>,
}

/// What the instance said when probed: everything the later steps show or check.
#[derive(Debug, Clone, Default)]
pub struct InstanceInfo {
    pub url: String,
    pub user: String,
    pub user_found: bool,
    pub is_admin: bool,
    pub wcs: Option<Scope>,
    pub spoke: Option<Scope>,
    pub current_app: String,
    pub profiles: Vec<ProfileInfo>,
    /// The default personal alias: its ID and whether its parent is the spoke alias.
    pub personal_alias: Option<(String, bool)>,
    pub mode_value: Option<String>,
    /// Names of the calendar providers on the instance.
    pub providers: Vec<String>,
    /// Active providers without a delegated user email: in strict and personal modes they
    /// cannot sync, so a setup with its own provider retires them (as the docs' one
    /// provider per delegated mailbox implies).
    pub idle_providers: Vec<String>,
    /// The tunable WCS properties that exist on the instance: name and current value.
    pub properties: Vec<(String, String)>,
}

/// Everything the steps fill in. It outlives screens, so going back keeps what was typed.
#[derive(Debug, Clone)]
pub struct Draft {
    pub choice: ModeChoice,
    pub instance: TextField,
    pub user: TextField,
    pub password: TextField,
    pub profile: Option<usize>,
    pub alias: TextField,
    pub credential: TextField,
    pub delegated: TextField,
    pub connection: TextField,
    pub url: TextField,
    pub provider: TextField,
    /// Properties the admin changed on the Sync properties step: name to new value.
    pub properties: std::collections::BTreeMap<String, String>,
    /// Rooms picked on the Rooms step: location and email.
    pub rooms: Vec<(String, String)>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            choice: ModeChoice::PersonalOwn,
            instance: TextField::new("Instance"),
            user: TextField::new("User"),
            password: TextField::masked("Password"),
            profile: None,
            alias: TextField::new("Name"),
            credential: TextField::new("Name"),
            delegated: TextField::new("Delegated user"),
            connection: TextField::new("Name"),
            url: TextField::new("Connection URL").with(facts::CLOUDS[0].graph_root),
            provider: TextField::new("Name"),
            properties: Default::default(),
            rooms: vec![],
        }
    }
}

impl Draft {
    /// The plan the steps describe, checked by the same rules as a plan file.
    pub fn to_plan(&self, info: Option<&InstanceInfo>) -> Result<Plan, String> {
        let profile = self
            .profile
            .and_then(|i| info.and_then(|inf| inf.profiles.get(i)))
            .map(|p| p.name.clone())
            .ok_or("choose an OAuth profile first")?;
        let mode = self.choice.mode();
        let delegated = self.delegated.value.trim().to_string();
        let cred = |name: &str| plan::model::CredentialSpec {
            name: name.to_string(),
            profile: profile.clone(),
            delegated_user: (mode != Mode::Normal).then(|| delegated.clone()),
            active: true,
            applies_to: None,
            order: None,
            integration_type: None,
            line: 0,
        };
        let conn = |name: &str, alias: &str, credential: &str| plan::model::ConnectionSpec {
            name: name.to_string(),
            alias: alias.to_string(),
            credential: credential.to_string(),
            url: self.url.value.clone(),
            active: true,
            line: 0,
        };
        let provider = plan::model::ProviderSpec {
            name: self.provider.value.trim().to_string(),
            alias: (self.choice == ModeChoice::PersonalOwn).then(|| self.alias.value.trim().to_string()),
            delegated_user: (mode != Mode::Normal).then(|| delegated.clone()),
            active: true,
            line: 0,
        };
        let mut providers = if provider.name.is_empty() { vec![] } else { vec![provider] };
        if mode != Mode::Normal {
            let ours = self.provider.value.trim();
            for name in info.map(|i| i.idle_providers.clone()).unwrap_or_default() {
                if name != ours {
                    providers.push(plan::model::ProviderSpec {
                        name,
                        alias: None,
                        delegated_user: None,
                        active: false,
                        line: 0,
                    });
                }
            }
        }
        let properties = self.properties.clone();
        let rooms: Vec<plan::rooms::RoomSpec> = self
            .rooms
            .iter()
            .map(|(location, email)| plan::rooms::RoomSpec {
                location: location.clone(),
                email: email.clone(),
                provider: self.provider.value.trim().to_string(),
                reservable_module: None,
                no_request: false,
                line: 0,
            })
            .collect();
        let p = match self.choice {
            ModeChoice::PersonalOwn => Plan {
                mode,
                aliases: vec![plan::model::AliasSpec {
                    name: self.alias.value.trim().to_string(),
                    parent: facts::SPOKE_ALIAS_ID.into(),
                    retry_policy: facts::RETRY_POLICY_NAME.into(),
                    line: 0,
                }],
                credentials: vec![cred(self.credential.value.trim())],
                connections: vec![conn(
                    self.connection.value.trim(),
                    self.alias.value.trim(),
                    self.credential.value.trim(),
                )],
                providers: providers.clone(),
                properties: properties.clone(),
                rooms: rooms.clone(),
            },
            ModeChoice::PersonalDefault => Plan {
                mode,
                aliases: vec![],
                credentials: vec![cred(facts::MS_GRAPH_1), cred(facts::MS_GRAPH_2)],
                connections: vec![],
                providers: providers.clone(),
                properties: properties.clone(),
                rooms: rooms.clone(),
            },
            ModeChoice::Strict | ModeChoice::Normal => Plan {
                mode,
                aliases: vec![],
                credentials: vec![cred(facts::MS_GRAPH_1), cred(facts::MS_GRAPH_2)],
                connections: vec![
                    conn(facts::MS_GRAPH_1, facts::SPOKE_ALIAS_ID, facts::MS_GRAPH_1),
                    conn(facts::MS_GRAPH_2, facts::SPOKE_CLIENTCRED_ALIAS_ID, facts::MS_GRAPH_2),
                ],
                providers,
                properties,
                rooms: rooms.clone(),
            },
        };
        // Through the plan file's own checks, so the wizard and a file say the same thing.
        plan::parse("wizard", &p.to_toml()).map_err(|e| format!("{}: {}", e.field, e.message))
    }
}

/// One OAuth credential as the re-authorize list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub name: String,
    pub profile: String,
    /// The delegated user last signed in with calsync, if known.
    pub delegated: String,
    pub in_keyring: bool,
    /// When the instance's stored refresh token expires, if it holds one.
    pub instance_expiry: Option<String>,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    Probing,
    Diffing,
    Applying,
    SigningIn,
}

impl Busy {
    pub fn label(&self) -> &'static str {
        match self {
            Busy::Probing => "Reading the instance",
            Busy::Diffing => "Comparing with the instance",
            Busy::Applying => "Writing to the instance",
            Busy::SigningIn => "Waiting for the sign-in",
        }
    }
}

/// What went wrong, what to do, and whether Enter retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPanel {
    pub title: String,
    pub message: String,
    pub retry: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    Pending,
    Waiting { url: Option<String>, start_url: Option<String> },
    Done(String),
    Failed(String),
    Skipped,
}

/// One room as the Rooms step lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRow {
    pub location: String,
    pub email: String,
    /// Its Reservable Sync Configurations: provider name and whether active.
    pub configs: Vec<(String, bool)>,
    pub selected: bool,
}

/// Where one credential's token stands on the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverState {
    Pending,
    Writing,
    /// The token records' form links.
    Done(Vec<String>),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenTask {
    pub credential: String,
    pub user: String,
    pub state: TokenState,
}

/// One line of apply progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyLine {
    pub ok: bool,
    pub text: String,
    pub link: Option<String>,
}

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    Probed(u64, Result<Box<InstanceInfo>, String>),
    Credentials(u64, Result<Vec<CredentialRow>, String>),
    Doctored(u64, Result<Box<crate::doctor::Report>, String>),
    BrowserProbed(Result<Box<crate::doctor::Finding>, String>),
    Diffed(u64, Result<Diff, String>),
    Progress(ApplyLine),
    Applied(Result<(), String>),
    SignIn(Notice),
    SignedIn(Result<Who, String>),
    Saved(Result<String, String>),
    Rooms(u64, Result<Vec<RoomRow>, String>),
    HandedOver(String, Result<Vec<String>, String>),
    RoomsChecked(steps::roomcheck::RoomCheck),
    /// SIGTERM or SIGHUP: leave now.
    Terminate,
}

#[derive(Debug)]
pub enum Effect {
    Probe {
        generation: u64,
        url: String,
        user: String,
        password: SecretString,
    },
    LoadCredentials {
        generation: u64,
    },
    Doctor {
        generation: u64,
    },
    /// The doctor's safe repairs as a diff (answered with `Diffed`).
    FixDiff {
        generation: u64,
    },
    ProbeBrowser,
    Diff {
        generation: u64,
        plan: Plan,
    },
    Apply,
    SignIn {
        credential: String,
        user: String,
    },
    CancelSignIn,
    SavePlan(Plan),
    LoadRooms {
        generation: u64,
    },
    /// Writes the signed-in credential's tokens to the instance.
    HandOver {
        credential: String,
    },
    /// The doctor's room checks, Graph side included.
    CheckRooms,
    Quit,
}

pub struct App {
    pub journey: Journey,
    pub step: Step,
    pub draft: Draft,
    /// Which field of a form step has the cursor.
    pub focus: usize,
    /// Which row of a list step is selected.
    pub cursor: usize,
    pub scroll: u16,
    pub info: Option<InstanceInfo>,
    pub diff: Option<Diff>,
    pub apply_lines: Vec<ApplyLine>,
    pub applied: Option<Result<(), String>>,
    pub tokens: Vec<TokenTask>,
    pub credentials: Vec<CredentialRow>,
    pub rooms: Vec<RoomRow>,
    pub handovers: Vec<(String, HandoverState)>,
    pub room_check: Option<steps::roomcheck::RoomCheck>,
    pub report: Option<crate::doctor::Report>,
    /// The delegated-user field of the re-authorize list, while it is being edited.
    pub editing: Option<TextField>,
    pub busy: Option<Busy>,
    /// Results of a request issued before this number were cancelled: ignore them.
    pub generation: u64,
    pub ticks: u64,
    pub error: Option<ErrorPanel>,
    pub help: bool,
    pub confirm_quit: bool,
    pub notice: Option<String>,
    pub sandbox: bool,
    pub color: bool,
    pub size: (u16, u16),
    pub quit: bool,
}

impl App {
    pub fn new(sandbox: bool) -> App {
        App {
            journey: Journey::Setup,
            step: Step::Picker,
            draft: Draft::default(),
            focus: 0,
            cursor: 0,
            scroll: 0,
            info: None,
            diff: None,
            apply_lines: vec![],
            applied: None,
            tokens: vec![],
            credentials: vec![],
            rooms: vec![],
            handovers: vec![],
            room_check: None,
            report: None,
            editing: None,
            busy: None,
            generation: 0,
            ticks: 0,
            error: None,
            help: false,
            confirm_quit: false,
            notice: None,
            sandbox,
            color: true,
            size: (80, 24),
            quit: false,
        }
    }

    /// Starts straight in a journey (`calsync setup`, `calsync reauth`).
    pub fn start(&mut self, journey: Journey) {
        self.journey = journey;
        let first = journey_steps(journey, self.draft.choice)[0];
        self.go(first);
    }

    pub fn steps(&self) -> Vec<Step> {
        journey_steps(self.journey, self.draft.choice)
    }

    /// "Step n of N" for the indicator.
    pub fn position(&self) -> (usize, usize) {
        let s = self.steps();
        (s.iter().position(|x| *x == self.step).map(|i| i + 1).unwrap_or(1), s.len())
    }

    pub fn go(&mut self, step: Step) {
        self.step = step;
        self.focus = 0;
        self.scroll = 0;
        self.notice = None;
        self.cursor = match step {
            Step::Mode => ModeChoice::ALL.iter().position(|c| *c == self.draft.choice).unwrap_or(0),
            Step::Profile => self.draft.profile.unwrap_or(0),
            _ => 0,
        };
        self.focus = steps::first_to_fill(self);
        if step == Step::Provider && self.draft.provider.value.trim().is_empty() {
            let name = match self.draft.choice {
                ModeChoice::PersonalOwn => self.draft.alias.value.trim().replace('_', " "),
                _ => self
                    .info
                    .as_ref()
                    .and_then(|i| i.providers.first().cloned())
                    .unwrap_or_else(|| "Microsoft Exchange Online".into()),
            };
            self.draft.provider.set(&name);
        }
    }

    pub fn next(&mut self) {
        let s = self.steps();
        if let Some(i) = s.iter().position(|x| *x == self.step)
            && let Some(n) = s.get(i + 1)
        {
            self.go(*n);
        }
    }

    pub fn back(&mut self) {
        // Once written, the setup goes forward only.
        if self.applied.is_some() && matches!(self.step, Step::Apply | Step::Token | Step::Summary) {
            return;
        }
        let s = self.steps();
        match s.iter().position(|x| *x == self.step) {
            Some(i) if i > 0 => self.go(s[i - 1]),
            Some(_) => self.go(Step::Picker),
            None => {}
        }
    }

    /// Changes the instance would get but has not: the reason Ctrl-C asks first.
    pub fn unapplied(&self) -> bool {
        self.applied.is_none() && self.diff.as_ref().is_some_and(|d| d.has_changes())
    }

    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Key(k) => self.key(k),
            Event::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Event::Tick => {
                self.ticks += 1;
                vec![]
            }
            Event::Terminate => self.leave(),
            Event::Probed(g, r) if g == self.generation => steps::instance::probed(self, r),
            Event::Diffed(g, r) if g == self.generation => steps::review::diffed(self, r),
            Event::Credentials(g, r) if g == self.generation => steps::credentials::loaded(self, r),
            Event::Doctored(g, r) if g == self.generation => steps::findings::doctored(self, r),
            Event::BrowserProbed(r) => steps::findings::browser_probed(self, r),
            Event::Rooms(g, r) if g == self.generation => steps::rooms::loaded(self, r),
            Event::HandedOver(c, r) => steps::handover::handed_over(self, c, r),
            Event::RoomsChecked(r) => steps::roomcheck::checked(self, r),
            Event::Probed(..) | Event::Diffed(..) | Event::Credentials(..) | Event::Doctored(..) | Event::Rooms(..) => {
                vec![]
            }
            Event::Progress(line) => {
                self.apply_lines.push(line);
                vec![]
            }
            Event::Applied(r) => steps::apply::applied(self, r),
            Event::SignIn(n) => steps::token::notice(self, n),
            Event::SignedIn(r) => steps::token::signed_in(self, r),
            Event::Saved(r) => {
                self.notice = Some(match r {
                    Ok(path) => format!("Plan saved to {path}"),
                    Err(e) => format!("Could not save the plan: {e}"),
                });
                vec![]
            }
        }
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if self.confirm_quit {
            return match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.leave(),
                _ if ctrl_c => self.leave(),
                _ => {
                    self.confirm_quit = false;
                    vec![]
                }
            };
        }
        if ctrl_c {
            if self.unapplied() {
                self.confirm_quit = true;
                return vec![];
            }
            return self.leave();
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        if k.code == KeyCode::F(1) || (k.code == KeyCode::Char('?') && !steps::is_typing(self)) {
            self.help = true;
            return vec![];
        }
        if let Some(panel) = self.error.clone() {
            return match k.code {
                KeyCode::Enter | KeyCode::Char('r') if panel.retry => {
                    self.error = None;
                    steps::retry(self)
                }
                KeyCode::Esc | KeyCode::Enter => {
                    self.error = None;
                    vec![]
                }
                _ => vec![],
            };
        }
        if let Some(b) = &self.busy {
            // While a request runs only Esc does something: it cancels.
            if k.code == KeyCode::Esc {
                let was = b.clone();
                self.busy = None;
                self.generation += 1;
                if was == Busy::SigningIn {
                    return steps::token::cancel(self);
                }
            }
            return vec![];
        }
        steps::key(self, k)
    }

    fn leave(&mut self) -> Vec<Effect> {
        self.quit = true;
        let mut out = vec![];
        if self.busy == Some(Busy::SigningIn) {
            out.push(Effect::CancelSignIn);
        }
        out.push(Effect::Quit);
        out
    }
}
