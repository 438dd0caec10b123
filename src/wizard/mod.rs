//! The wizard: a screen-per-step state machine for the first-time setup and the
//! re-authorization of delegated mailboxes.
//!
//! `App::handle(Event) -> Vec<Effect>` is pure: no terminal, no network, no clock. Events
//! are facts (a key, a probe's result, an apply's progress); effects are commands the
//! driver (`driver.rs`) runs, whose results come back as events. The `App` is the only
//! owner of state: each effect carries everything its task needs (the `Connection` the
//! probe reached, the reviewed diff and its instance state), each result carries the
//! generation it was asked under, and a result of a cancelled or replaced request is
//! dropped. Errors stay typed (`Failure`) up to `Outcome`, which `cli` maps to the exit
//! code. Rendering (`view.rs` and each step's `render`) only reads `App`. Each step lives
//! in its own file under `steps/`. The steps fill one shared `Draft`, which becomes a
//! `Plan` for the same diff and apply engine the headless `calsync apply` uses.
//!
//! The state has three homes, by how long it lives (`screen.rs`):
//! - `App::screen`, a `Screen`: the step on display with what only it shows (the diff
//!   on Review, an apply's lines on Apply, the sign-ins and the pasted line on Get OAuth
//!   Token, the doctor's findings on Findings). `Step` stays a small `Copy` kind for the
//!   journeys' step lists, the titles and the indicator. A result is matched on
//!   `(screen, event)`, so one meant for another screen is dropped whatever its
//!   generation, and no step can read or write another step's data by mistake.
//! - `App::behind`: the screens passed on the way, as they were left, so Esc returns to
//!   the rooms picked or the review read rather than to a blank screen. Entering a step
//!   drops what lay at or after its place in the journey.
//! - `App::done` (`Done`) and the `Draft`: what outlives screens. The draft is what the
//!   admin chose, shared by every step so going back keeps it; `Done` is what the journey
//!   did (the lines written, the last failed apply, the sign-ins, the hand-overs), carried
//!   forward for the summary, the message on leaving and the exit code. Once something
//!   was written the setup goes forward only (`App::can_go_back`). A client secret typed
//!   on Get OAuth Token stays on `App` too: every later sign-in of its app uses it.
//!
//! The cursor, focus and scroll position stay on `App`: every list and form has them, and
//! they start over on each screen.

pub mod driver;
pub mod field;
pub mod instance_oauth;
pub mod rooms_io;
pub mod screen;
pub mod steps;
pub mod view;

#[cfg(test)]
mod tests;

use crate::doctor::read::Snapshot;
use crate::facts;
use crate::oauth::session::{AuthorizeError, Notice};
use crate::oauth::target::TargetError;
use crate::plan::apply::{RestoreError, WriteError};
use crate::plan::journal::JournalError;
use crate::plan::{self, Diff, InstanceState, Mode, Plan};
use crate::snow::records::Scope;
use crate::snow::{Instance, SnError};
use field::TextField;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
pub use screen::{Apply, Credentials, Done, Findings, Found, Properties, Review, Rooms, Screen, Summary, Tokens};
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
                "Mode, scope checks, alias, OAuth 2.0 credential, HTTP(s) connection, calendar provider, rooms, sync properties and integration mode, reviewed before anything is written; then Get OAuth Token as the delegated mailbox, the token written to the instance, and a check that the rooms can sync."
            }
            Journey::Reauth => {
                "The instance's OAuth credentials with their delegated user, token state and expiry; pick one or several and sign each in again, checked to be the right account, and the new tokens written to the instance."
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
    use Step::{
        Alias, Apply, Checks, Connection, Credential, Instance, Integration, Mode, Profile, Properties, Provider,
        Review, Summary, Token,
    };
    use Step::{Handover, Rooms};
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
    /// The calendar providers as the instance holds them, for the checks that need more
    /// than their names (which stay active, which belong to an own alias).
    pub provider_records: Vec<ProviderRecord>,
}

/// A calendar provider on the instance, as the setup steps need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderRecord {
    pub name: String,
    pub active: bool,
    /// It overrides the default alias with an own alias (one delegated mailbox's chain).
    pub override_alias: bool,
    pub delegated_user: String,
}

/// Everything the steps fill in. It outlives screens, so going back keeps what was typed.
#[derive(Debug, Clone)]
pub struct Draft {
    pub choice: ModeChoice,
    pub instance: TextField,
    pub user: TextField,
    pub password: TextField,
    /// The one-time code (MFA), when the instance step asks for one; never kept.
    pub code: TextField,
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
            code: TextField::masked("One-time code"),
            profile: None,
            alias: TextField::new("Name"),
            credential: TextField::new("Name"),
            delegated: TextField::new("Delegated user"),
            connection: TextField::new("Name"),
            url: TextField::new("Connection URL").with(facts::CLOUDS[0].graph_root),
            provider: TextField::new("Name"),
            properties: std::collections::BTreeMap::default(),
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
    /// The mailbox the credential belongs to, if known: in the re-authorize list its
    /// calendar provider's Delegated user email, else (and in `calsync status`) the one
    /// last signed in with calsync.
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
    Waiting {
        url: Option<String>,
        start_url: Option<String>,
    },
    /// Signed in as `who`; `warnings` are what the identity check noticed without refusing.
    Done {
        who: String,
        warnings: Vec<String>,
    },
    Failed(String),
    Skipped,
    /// Neither the OS keyring nor CALSYNC_CLIENT_SECRET has the app's client secret: the
    /// step asks for it in a masked field. `refused` says why a secret typed before did
    /// not work.
    NeedsSecret {
        client_id: String,
        field: TextField,
        refused: Option<String>,
    },
}

/// A client secret typed into the Token step, for the app it was asked for. It goes with
/// each sign-in of that app, and to the OS keyring only when the admin says so (`k`),
/// after a sign-in showed that it works. Debug output never shows it.
#[derive(Debug, Clone)]
pub struct TypedSecret {
    pub client_id: String,
    pub secret: SecretString,
    /// A sign-in with it went through, so keeping it is worth offering.
    pub worked: bool,
    /// It is in the OS keyring now.
    pub kept: bool,
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

/// The instance the wizard talks to, as the probe that reached it found it: the instance
/// (the HTTP client with its login, or any other `snow::Instance`), the name its keyring
/// accounts use, and the sandbox's address when it is the sandbox. The `App` owns it;
/// effects carry a copy.
#[derive(Clone)]
pub struct Connection {
    pub client: std::sync::Arc<dyn Instance>,
    /// host[:port], or "sandbox".
    pub instance_key: String,
    pub sandbox_url: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connection({} as {}, {})", self.client.instance(), self.client.user(), self.instance_key)
    }
}

/// A saved instance as the instance step offers it: no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedInstance {
    pub name: String,
    pub url: String,
    pub user: String,
    pub oauth: bool,
    /// It signs in with a one-time code appended to the password (saved or asked with
    /// `--sign-in password-mfa`).
    pub mfa: bool,
}

/// A probe's answer: where, and what it found there.
#[derive(Debug)]
pub struct Probed {
    pub conn: Connection,
    pub info: InstanceInfo,
}

/// A diff together with the instance state it was computed from, which apply needs.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub diff: Diff,
    pub state: InstanceState,
}

/// Who signed in, and what the identity check noticed without refusing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub who: crate::oauth::identity::Who,
    pub warnings: Vec<String>,
}

/// Why a request of the wizard did not succeed. Kept typed up to the exit code: a refused
/// login is not offered a retry (it would send the same password again) and exits 3.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Address(#[from] crate::urls::InstanceUrlError),
    #[error(transparent)]
    Instance(#[from] SnError),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Authorize(#[from] AuthorizeError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Restore(#[from] RestoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "no client secret for app {0}: set CALSYNC_CLIENT_SECRET, or run calsync authorize once in a terminal to keep it in the OS keyring"
    )]
    NoClientSecret(String),
    /// Microsoft refused the app's client secret (wrong, or expired): the Token step asks
    /// for another instead of failing with the one the keyring keeps offering.
    #[error("{error}")]
    SecretRefused { client_id: String, error: Box<AuthorizeError> },
    #[error("no credential uses an authorization-code profile, so no browser sign-in is involved")]
    NoBrowserSignIn,
    #[error("the refresh token would have nowhere to go, so no sign-in was started: {0}")]
    NoHome(crate::secrets::SecretError),
    /// Refused before any sign-in: another mailbox than the credential's, or a credential
    /// Get OAuth Token must not run on (src/oauth/mailbox.rs).
    #[error("{0}")]
    Refused(String),
    /// The instance sign-in (probe or OAuth) said no; the sentence says why and what to do.
    #[error("{0}")]
    SignIn(String),
}

impl Failure {
    /// The instance was unreachable, was not the Table API, or refused the login.
    pub fn is_access_problem(&self) -> bool {
        match self {
            Failure::Instance(e) => e.is_access_problem(),
            Failure::Target(e) => e.is_access_problem(),
            Failure::Write(e) => e.is_access_problem(),
            Failure::Restore(e) => e.is_access_problem(),
            Failure::SignIn(_) => true,
            _ => false,
        }
    }

    /// The instance refused the login: trying again sends the same password again.
    pub fn login_refused(&self) -> bool {
        let refused = |e: &SnError| matches!(e, SnError::Unauthorized { .. });
        match self {
            Failure::Instance(e) | Failure::Target(TargetError::Instance(e)) => refused(e),
            Failure::Write(WriteError::Instance(e) | WriteError::Switch(e)) | Failure::Restore(RestoreError(e)) => {
                refused(e)
            }
            _ => false,
        }
    }

    /// Whether Enter on the error panel may simply try again.
    pub fn retryable(&self) -> bool {
        !self.login_refused()
    }
}

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    Probed(u64, Result<Box<Probed>, Failure>),
    Credentials(u64, Result<Vec<CredentialRow>, Failure>),
    Doctored(u64, Result<Box<(Snapshot, crate::doctor::Report)>, Failure>),
    BrowserProbed(u64, Result<Box<crate::doctor::Finding>, Failure>),
    Diffed(u64, Result<Box<Reviewed>, Failure>),
    Progress(u64, ApplyLine),
    Applied(u64, Result<(), Failure>),
    SignIn(u64, Notice),
    SignedIn(u64, Result<SignedIn, Failure>),
    /// The plan was saved (to this path), or could not be.
    Saved(Result<String, std::io::Error>),
    Rooms(u64, Result<Vec<RoomRow>, Failure>),
    HandedOver(u64, String, Result<Vec<String>, String>),
    RoomsChecked(u64, steps::roomcheck::RoomCheck),
    /// The instance password went to the OS keyring (its account key), or why not.
    Kept(Result<String, String>),
    /// The typed client secret went to the OS keyring (its account key), or why not.
    SecretKept(Result<String, String>),
    /// A signal: leave now, and exit as the signal says.
    Signal(Signal),
}

/// The signals the wizard leaves on, giving the terminal back first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

/// How the wizard ended, for `cli` to turn into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The admin quit; nothing failed that was not put right.
    Finished,
    /// The last apply failed: `access` when the instance was unreachable or refused the login.
    ApplyFailed {
        access: bool,
    },
    /// The wizard could not start (the sandbox did not come up).
    NotStarted,
    Signalled(Signal),
}

#[derive(Debug)]
pub enum Effect {
    Probe {
        generation: u64,
        url: String,
        user: String,
        password: SecretString,
        /// Sign in with the instance's own OAuth in the browser instead of the password.
        oauth: bool,
    },
    LoadCredentials {
        generation: u64,
        conn: Connection,
    },
    Doctor {
        generation: u64,
        conn: Connection,
    },
    /// Which Microsoft account the browser would use silently, for a credential of the
    /// snapshot that signs in with a browser.
    ProbeBrowser {
        generation: u64,
        conn: Connection,
        snapshot: Box<Snapshot>,
    },
    Diff {
        generation: u64,
        conn: Connection,
        plan: Plan,
    },
    Apply {
        generation: u64,
        conn: Connection,
        reviewed: Box<Reviewed>,
    },
    SignIn {
        generation: u64,
        conn: Connection,
        credential: String,
        user: String,
        /// The client secret the admin typed, used when the credential's app is this one.
        secret: Option<TypedSecret>,
    },
    /// Stop the task started for this generation; its result, if any, is dropped.
    Cancel {
        generation: u64,
    },
    /// A line pasted while the sign-in of this generation waits: the address the browser
    /// ended on, or an AADSTS code from Microsoft's error page.
    Paste {
        generation: u64,
        line: String,
    },
    SavePlan(Plan),
    /// Keep the typed client secret in the OS keyring, under the account
    /// `calsync authorize` reads, as the admin asked.
    KeepSecret {
        account: crate::secrets::Account,
        secret: SecretString,
    },
    /// Keep the instance password in the OS keyring, as the admin asked.
    KeepPassword {
        account: crate::secrets::Account,
        password: secrecy::SecretString,
    },
    LoadRooms {
        generation: u64,
        conn: Connection,
    },
    /// Writes the signed-in credential's tokens to the instance.
    HandOver {
        generation: u64,
        conn: Connection,
        credential: String,
    },
    /// The doctor's room checks, Graph side included.
    CheckRooms {
        generation: u64,
        conn: Connection,
    },
}

pub struct App {
    pub journey: Journey,
    /// The step on display, with its data.
    pub screen: Screen,
    /// The screens passed on the way here, as they were left: Esc goes back to the last.
    pub behind: Vec<Screen>,
    pub draft: Draft,
    /// Which field of a form step has the cursor.
    pub focus: usize,
    /// Which row of a list step is selected.
    pub cursor: usize,
    pub scroll: u16,
    pub info: Option<InstanceInfo>,
    /// The instance the probe reached: every later request goes there.
    pub conn: Option<Connection>,
    /// What the journey has done, for the steps after it.
    pub done: Done,
    /// The admin stepped back from a review with changes and has changed nothing since:
    /// Ctrl-C still asks before those changes are left unapplied.
    pub review_left: bool,
    /// The client secret typed on the Token step, if one was asked for. It outlives the
    /// step: every later sign-in of the same app uses it until calsync ends.
    pub client_secret: Option<TypedSecret>,
    /// The signal the wizard is leaving on.
    pub signal: Option<Signal>,
    pub busy: Option<Busy>,
    /// Results of a request issued before this number were cancelled: ignore them.
    pub generation: u64,
    pub ticks: u64,
    pub error: Option<ErrorPanel>,
    pub help: bool,
    pub confirm_quit: bool,
    /// Quitting was asked for while the apply wrote: the wizard leaves once it has
    /// finished and put the current application back.
    pub quit_when_applied: bool,
    /// The finding selected when Findings was left for the review of the repairs: where
    /// the cursor is again on coming back, until the doctor answers afresh.
    pub findings_left_at: usize,
    pub notice: Option<String>,
    /// The password came from the keyring or CALSYNC_PASSWORD, or was kept: nothing to offer.
    pub password_kept: bool,
    pub sandbox: bool,
    /// The instance step signs in with the instance's OAuth (single sign-on) on Enter.
    pub instance_oauth: bool,
    /// The instance step asks for a one-time code (MFA), sent appended to the password
    /// (`--sign-in password-mfa`).
    pub mfa: bool,
    /// Saved instances the instance step offers (F2 fills the next one in).
    pub saved: Vec<SavedInstance>,
    pub color: bool,
    pub size: (u16, u16),
    pub quit: bool,
}

impl App {
    pub fn new(sandbox: bool) -> App {
        App {
            journey: Journey::Setup,
            screen: Screen::Picker,
            behind: vec![],
            draft: Draft::default(),
            focus: 0,
            cursor: 0,
            scroll: 0,
            info: None,
            conn: None,
            done: Done::default(),
            review_left: false,
            client_secret: None,
            signal: None,
            busy: None,
            generation: 0,
            ticks: 0,
            error: None,
            help: false,
            confirm_quit: false,
            quit_when_applied: false,
            findings_left_at: 0,
            notice: None,
            password_kept: false,
            sandbox,
            instance_oauth: false,
            mfa: false,
            saved: vec![],
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
        // A sign-in started from a finding goes to the instance and back to the findings.
        if self.journey == Journey::Troubleshoot && matches!(self.step(), Step::Token | Step::Handover) {
            return vec![Step::Instance, Step::Findings, Step::Token, Step::Handover];
        }
        journey_steps(self.journey, self.draft.choice)
    }

    /// The kind of the screen on display.
    pub fn step(&self) -> Step {
        self.screen.step()
    }

    /// "Step n of N" for the indicator.
    pub fn position(&self) -> (usize, usize) {
        let s = self.steps();
        (s.iter().position(|x| *x == self.step()).map(|i| i + 1).unwrap_or(1), s.len())
    }

    /// Where `step` comes in the journey: the picker first, a step the journey lacks last.
    fn place(&self, step: Step) -> usize {
        if step == Step::Picker {
            return 0;
        }
        self.steps().iter().position(|s| *s == step).map_or(usize::MAX, |i| i + 1)
    }

    /// A screen for `step`, entered afresh. The setup's Get OAuth Token starts with the
    /// sign-ins its mode needs.
    pub fn fresh(&self, step: Step) -> Screen {
        match step {
            Step::Token if self.journey == Journey::Setup => {
                Screen::Token(Tokens { tasks: steps::token::for_setup(&self.draft), paste: None })
            }
            _ => Screen::new(step),
        }
    }

    /// The journey's sign-ins as they stand: on Get OAuth Token its own, after it those it
    /// handed on, before it (once the setup is written) those it will run.
    pub fn sign_ins(&self) -> Vec<TokenTask> {
        match &self.screen {
            Screen::Token(t) => t.tasks.clone(),
            _ if !self.done.tokens.is_empty() => self.done.tokens.clone(),
            _ if self.journey == Journey::Setup && self.done.written.is_some() => steps::token::for_setup(&self.draft),
            _ => vec![],
        }
    }

    /// Goes to `step` afresh.
    pub fn go(&mut self, step: Step) {
        let screen = self.fresh(step);
        self.enter(screen);
    }

    /// Shows `screen`. The screens before its place in the journey stay behind, the one
    /// left among them; those at or after its place are done with.
    pub fn enter(&mut self, screen: Screen) {
        let at = self.place(screen.step());
        while self.behind.last().is_some_and(|s| self.place(s.step()) >= at) {
            self.behind.pop();
        }
        let left = std::mem::replace(&mut self.screen, screen);
        if self.place(left.step()) < at {
            self.behind.push(left);
        }
        self.arrive();
    }

    /// A screen comes on display (forward or back): the cursor and the focus start over.
    fn arrive(&mut self) {
        let step = self.step();
        self.focus = 0;
        self.scroll = 0;
        self.notice = None;
        self.cursor = match step {
            Step::Mode => ModeChoice::ALL.iter().position(|c| *c == self.draft.choice).unwrap_or(0),
            Step::Profile => self.draft.profile.unwrap_or(0),
            Step::Findings => self.findings_left_at,
            _ => 0,
        };
        self.focus = steps::first_to_fill(self);
        if step == Step::Provider && self.draft.provider.value.trim().is_empty() {
            let name = steps::provider::default_name(self);
            self.draft.provider.set(&name);
        }
    }

    pub fn next(&mut self) {
        let s = self.steps();
        if let Some(i) = s.iter().position(|x| *x == self.step())
            && let Some(n) = s.get(i + 1)
        {
            self.go(*n);
        }
    }

    /// Whether Esc may leave this screen for the one before. Once written, the setup
    /// goes forward only.
    pub fn can_go_back(&self) -> bool {
        // The summary is the journey's end (re-authorize's too: its tokens are on the instance).
        self.step() != Step::Summary
            && !(self.done.written.is_some()
                && matches!(self.step(), Step::Apply | Step::Token | Step::Handover | Step::Summary))
    }

    /// Back to the step before, as it was left (afresh when it was never passed on the way).
    pub fn back(&mut self) {
        if !self.can_go_back() {
            return;
        }
        let s = self.steps();
        let Some(i) = s.iter().position(|x| *x == self.step()) else { return };
        let before = if i > 0 { s[i - 1] } else { Step::Picker };
        self.review_left |= self.screen.reviews_changes();
        let kept = std::iter::from_fn(|| self.behind.pop()).find(|x| x.step() == before);
        self.screen = kept.unwrap_or_else(|| self.fresh(before));
        self.arrive();
    }

    /// Changes the instance would get but has not: the reason Ctrl-C asks first.
    pub fn unapplied(&self) -> bool {
        self.done.written.is_none()
            && (self.review_left || std::iter::once(&self.screen).chain(&self.behind).any(Screen::reviews_changes))
    }

    /// Something the admin chose changed: a review made before it no longer says what
    /// would be written.
    pub fn draft_changed(&mut self) {
        self.review_left = false;
    }

    /// How the wizard ended so far: what `cli` turns into the exit code.
    pub fn outcome(&self) -> Outcome {
        match (&self.signal, &self.done.apply_failed) {
            (Some(s), _) => Outcome::Signalled(*s),
            (None, Some(e)) => Outcome::ApplyFailed { access: e.is_access_problem() },
            (None, None) => Outcome::Finished,
        }
    }

    /// Whether a result belongs to the request on screen; a stale one is dropped.
    fn current(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// One event, on the screen on display. A result belongs to the screen that asked for
    /// it and to its latest request: one for another screen, or for a request since
    /// cancelled or replaced, is stale and dropped.
    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        match (&self.screen, event) {
            (_, Event::Key(k)) => self.key(k),
            (_, Event::Resize(w, h)) => {
                self.size = (w, h);
                vec![]
            }
            (_, Event::Tick) => {
                self.ticks += 1;
                vec![]
            }
            (_, Event::Signal(s)) => {
                self.signal = Some(s);
                self.leave()
            }
            (Screen::Instance, Event::Probed(g, r)) if self.current(g) => steps::instance::probed(self, r),
            (Screen::Review(_), Event::Diffed(g, r)) if self.current(g) => steps::review::diffed(self, r),
            (Screen::Credentials(_), Event::Credentials(g, r)) if self.current(g) => {
                steps::credentials::loaded(self, r)
            }
            (Screen::Findings(_), Event::Doctored(g, r)) if self.current(g) => steps::findings::doctored(self, r),
            (Screen::Findings(_), Event::BrowserProbed(g, r)) if self.current(g) => {
                steps::findings::browser_probed(self, r)
            }
            (Screen::Findings(_), Event::SignIn(g, n)) if self.current(g) => steps::findings::probe_notice(self, n),
            (Screen::Apply(_), Event::Progress(g, line)) if self.current(g) => steps::apply::progress(self, line),
            (Screen::Apply(_), Event::Applied(g, r)) if self.current(g) => steps::apply::applied(self, r),
            (Screen::Token(_), Event::SignIn(g, n)) if self.current(g) => steps::token::notice(self, n),
            (Screen::Token(_), Event::SignedIn(g, r)) if self.current(g) => steps::token::signed_in(self, r),
            (Screen::Rooms(_), Event::Rooms(g, r)) if self.current(g) => steps::rooms::loaded(self, r),
            (Screen::Handover, Event::HandedOver(g, c, r)) if self.current(g) => {
                steps::handover::handed_over(self, c, r)
            }
            (Screen::Summary(_), Event::RoomsChecked(g, r)) if self.current(g) => steps::roomcheck::checked(self, r),
            (
                _,
                Event::Probed(..)
                | Event::Diffed(..)
                | Event::Credentials(..)
                | Event::Doctored(..)
                | Event::BrowserProbed(..)
                | Event::Progress(..)
                | Event::Applied(..)
                | Event::SignIn(..)
                | Event::SignedIn(..)
                | Event::Rooms(..)
                | Event::HandedOver(..)
                | Event::RoomsChecked(..),
            ) => vec![],
            (_, Event::Saved(r)) => {
                self.notice = Some(match r {
                    Ok(path) => format!("Plan saved to {path}"),
                    Err(e) => format!("Could not save the plan: {e}"),
                });
                vec![]
            }
            (_, Event::SecretKept(r)) => steps::token::secret_kept(self, r),
            (_, Event::Kept(r)) => {
                self.notice = Some(match r {
                    Ok(key) => {
                        self.password_kept = true;
                        format!("The password is in the OS keyring (service \"calsync\", account \"{key}\").")
                    }
                    Err(e) => format!("The password was not kept: {e}"),
                });
                vec![]
            }
        }
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if self.confirm_quit {
            return match k.code {
                // An apply is not stopped halfway: leaving waits for its end.
                KeyCode::Char('y' | 'Y') if self.busy == Some(Busy::Applying) => {
                    self.confirm_quit = false;
                    self.quit_when_applied = true;
                    vec![]
                }
                _ if ctrl_c && self.busy == Some(Busy::Applying) => {
                    self.confirm_quit = false;
                    self.quit_when_applied = true;
                    vec![]
                }
                KeyCode::Char('y' | 'Y') => self.leave(),
                _ if ctrl_c => self.leave(),
                _ => {
                    self.confirm_quit = false;
                    vec![]
                }
            };
        }
        if ctrl_c {
            if self.unapplied() || self.busy == Some(Busy::Applying) {
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
            // While a request runs only Esc does something: it cancels. An apply is not
            // cancelled halfway: it finishes and puts the current application back.
            if k.code == KeyCode::Esc && *b != Busy::Applying {
                let was = b.clone();
                self.busy = None;
                let cancel = Effect::Cancel { generation: self.generation };
                self.generation += 1;
                if was == Busy::SigningIn {
                    match &mut self.screen {
                        Screen::Token(t) => steps::token::cancelled(t),
                        Screen::Findings(f) => f.probe_url = None,
                        _ => {}
                    }
                }
                return vec![cancel];
            }
            // While a sign-in waits, the address the browser ended on can be pasted here.
            if *b == Busy::SigningIn && self.step() == Step::Token {
                return steps::token::paste_key(self, k);
            }
            return vec![];
        }
        steps::key(self, k)
    }

    /// What the quit confirmation asks: while the apply writes, that it finishes first.
    pub fn quit_question(&self) -> &'static str {
        if self.busy == Some(Busy::Applying) {
            "The reviewed changes are being written now. An apply is not stopped halfway: y quits as soon as it has finished and put your current application back; any other key stays."
        } else {
            "The reviewed changes were not applied. Quit anyway? y quits, any other key stays."
        }
    }

    /// What the busy marker says about Esc: an apply cannot be cancelled.
    pub fn busy_hint(&self) -> &'static str {
        match (&self.busy, self.quit_when_applied) {
            (Some(Busy::Applying), true) => "calsync quits when it has finished",
            (Some(Busy::Applying), false) => "it finishes, then puts your current application back",
            _ => "Esc cancels",
        }
    }

    fn leave(&mut self) -> Vec<Effect> {
        self.quit = true;
        if self.busy.is_some() && self.busy != Some(Busy::Applying) {
            return vec![Effect::Cancel { generation: self.generation }];
        }
        vec![]
    }
}
