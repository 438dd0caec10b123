//! The one place the wizard does I/O: the terminal, the instance, the browser sign-in,
//! the secret store and the plan file. It turns terminal input and signals into events,
//! runs each effect as a task whose result comes back as an event with the effect's
//! generation, redraws, and always gives the terminal back (normal exit, error, panic,
//! Ctrl-C, SIGINT, SIGTERM, SIGHUP). It keeps no facts of its own: only the running tasks
//! and the handles that cancel them (`Tasks`); the `App` owns everything else, and each
//! effect carries all its task needs.

use super::{
    App, ApplyLine, Connection, CredentialRow, Effect, Event, Failure, InstanceInfo, Journey, Outcome, Probed,
    ProfileInfo, Reviewed, Signal, SignedIn, view,
};
use crate::config::Services;
use crate::facts;
use crate::oauth::session::{self, SignIn};
use crate::oauth::target;
use crate::plan::apply::{Progress, Status};
use crate::plan::{self, Plan};
use crate::sandbox::{Sandbox, seed};
use crate::secrets::Account;
use crate::snow::records::{OAuthProfile, Scope};
use crate::snow::{Client, Instance, InstanceExt, Query, SnError};
use crate::urls::InstanceUrl;
use ratatui::crossterm::event::{self as ct, Event as CtEvent, KeyEventKind};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pub struct Options {
    /// Start in this journey instead of the picker.
    pub journey: Option<Journey>,
}

/// Reads everything the setup steps show, through the doctor's one concurrent round.
pub async fn probe(client: &dyn Instance) -> Result<InstanceInfo, SnError> {
    let snap = crate::doctor::read::read(client).await?;
    let pref = snap.current_app.clone().unwrap_or_else(|| facts::GLOBAL_SCOPE_SYS_ID.to_string());
    let current_app = if pref == facts::GLOBAL_SCOPE_SYS_ID {
        "Global".to_string()
    } else if let Some(s) = snap.scopes.iter().find(|s| *s.sys_id == pref) {
        s.name.0.clone()
    } else {
        client.get::<Scope>("sys_scope", &pref).await.map_or(pref, |s| s.name.0)
    };
    Ok(info_from(&snap, current_app))
}

/// What the setup steps show, from what the instance holds.
fn info_from(snap: &crate::doctor::read::Snapshot, current_app: String) -> InstanceInfo {
    let spoke_alias = snap.alias_by_id(facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone());
    let personal = snap
        .alias_by_id(facts::PERSONAL_ALIAS_ID)
        .or_else(|| snap.aliases.iter().find(|a| &*a.name == facts::PERSONAL_ALIAS_NAME));
    let personal_alias = personal.map(|a| (a.id.0.clone(), spoke_alias.as_deref() == Some(a.parent.id())));
    let mut profiles: Vec<&OAuthProfile> = snap.profiles.iter().collect();
    profiles.sort_by(|a, b| a.name.0.cmp(&b.name.0));
    let profiles = profiles
        .into_iter()
        .map(|p| {
            let e = snap.entity(p.oauth_entity.id());
            let reg = e.map(|e| crate::oauth::flow::Registry {
                client_id: e.client_id.0.clone(),
                auth_url: e.auth_url.0.clone(),
                token_url: e.token_url.0.clone(),
            });
            ProfileInfo {
                sys_id: p.sys_id.0.clone(),
                name: p.name.0.clone(),
                grant_type: p.grant_type.0.clone(),
                registry: e.map(|e| e.name.0.clone()).unwrap_or_default(),
                client_id: reg.as_ref().map(|r| r.client_id.clone()).unwrap_or_default(),
                tenant: reg.and_then(|r| r.tenant()),
            }
        })
        .collect();
    let mut providers: Vec<String> = snap.providers.iter().map(|p| crate::snow::records::plain(&p["name"])).collect();
    providers.sort();
    let prop = |name: &str| snap.properties.iter().find(|p| &*p.name == name);
    InstanceInfo {
        url: snap.instance.clone(),
        user: snap.user.clone(),
        user_found: snap.user_found,
        is_admin: snap.is_admin,
        wcs: snap.scope(facts::WCS_SCOPE).cloned(),
        spoke: snap.scope(facts::SPOKE_SCOPE).cloned(),
        current_app,
        profiles,
        personal_alias,
        mode_value: prop(facts::MODE_PROPERTY).map(|p| p.value.0.clone()),
        properties: facts::WCS_PROPERTIES
            .iter()
            .filter_map(|(n, ..)| prop(n).map(|p| (p.name.0.clone(), p.value.0.clone())))
            .collect(),
        providers,
        idle_providers: snap
            .providers
            .iter()
            .filter(|p| {
                use crate::snow::records::plain;
                plain(&p["active"]) == "true" && plain(&p[facts::PROVIDER_DELEGATE_COLUMN]).is_empty()
            })
            .map(|p| crate::snow::records::plain(&p["name"]))
            .collect(),
        provider_records: snap
            .providers
            .iter()
            .map(|p| crate::wizard::ProviderRecord {
                name: crate::snow::records::plain(&p["name"]),
                active: snap.provider(p, &facts::PROVIDER_ACTIVE) == "true",
                override_alias: snap.provider(p, &facts::PROVIDER_OVERRIDE) == "true",
                delegated_user: snap.provider(p, &facts::PROVIDER_DELEGATE).trim().to_string(),
            })
            .collect(),
    }
}

/// The re-authorize list: the credentials of `load_credentials`, each with the mailbox it
/// belongs to, as the sign-in check decides it (`oauth::mailbox::owner`): its calendar
/// provider's Delegated user email when that is an address, otherwise the mailbox calsync
/// last signed it in as. So a setup left before its sign-ins still names the mailboxes
/// the instance expects, and those without a token are preselected.
pub async fn load_reauth_credentials(
    services: &Services,
    client: &dyn Instance,
    instance_key: &str,
) -> Result<Vec<CredentialRow>, SnError> {
    let (rows, snap) =
        tokio::join!(load_credentials(services, client, instance_key), crate::doctor::read::read(client));
    let mut rows = rows?;
    if let Ok(snap) = snap {
        for r in &mut rows {
            if let Some(m) = crate::doctor::provider_address(&snap, &r.name) {
                r.delegated = m;
            }
        }
    }
    Ok(rows)
}

/// The authorization-code credentials with their token state, for re-authorizing and
/// `calsync status`; `delegated` is the mailbox calsync last signed each in as.
pub async fn load_credentials(
    services: &Services,
    client: &dyn Instance,
    instance_key: &str,
) -> Result<Vec<CredentialRow>, SnError> {
    let by_name = Query::new().order_by("name")?;
    let auth_profiles = Query::new().eq("grant_type", facts::GRANT_AUTH_CODE)?;
    let (creds, profiles) = tokio::try_join!(
        client.list::<crate::snow::records::Credential>("oauth_2_0_credentials", &by_name, &[]),
        client.list::<OAuthProfile>("oauth_entity_profile", &auth_profiles, &["sys_id", "name"]),
    )?;
    let creds: Vec<_> =
        creds.into_iter().filter(|c| profiles.iter().any(|p| *p.sys_id == *c.oauth_entity_profile.id())).collect();
    let ids: Vec<String> = creds.iter().map(|c| c.sys_id.0.clone()).collect();
    let rq = Query::new().eq("requestor_context", facts::REQUESTOR_CONTEXT_CREDENTIALS)?.is_in("requestor_id", &ids)?;
    let requestors: Vec<serde_json::Value> =
        client.list(facts::REQUESTOR_TABLE, &rq, &["sys_id", "requestor_id"]).await?;
    let rp_ids: Vec<String> = requestors.iter().map(|r| crate::snow::records::plain(&r["sys_id"])).collect();
    let tq =
        Query::new().is_in(facts::TOKEN_REQUESTOR_COLUMN, &rp_ids)?.eq(facts::TOKEN_TYPE_COLUMN, "refresh_token")?;
    let fields = [facts::TOKEN_REQUESTOR_COLUMN, facts::TOKEN_EXPIRES_COLUMN];
    let tokens: Vec<serde_json::Value> = client.list(facts::TOKEN_TABLE, &tq, &fields).await?;
    let delegates = crate::oauth::delegates::load(&services.config.state_dir, instance_key);
    let mut rows = vec![];
    for c in creds {
        let rp = requestors
            .iter()
            .find(|r| crate::snow::records::plain(&r["requestor_id"]) == *c.sys_id)
            .map(|r| crate::snow::records::plain(&r["sys_id"]));
        let expiry = rp
            .and_then(|rp| tokens.iter().find(|t| crate::snow::records::plain(&t[facts::TOKEN_REQUESTOR_COLUMN]) == rp))
            .map(|t| crate::snow::records::plain(&t[facts::TOKEN_EXPIRES_COLUMN]));
        let account = Account::RefreshToken { instance: instance_key.to_string(), credential: c.name.0.clone() };
        let in_keyring = matches!(services.secrets.get(&account).await, Ok(Some(_)));
        rows.push(CredentialRow {
            profile: profiles
                .iter()
                .find(|p| *p.sys_id == *c.oauth_entity_profile.id())
                .map(|p| p.name.0.clone())
                .unwrap_or_default(),
            delegated: delegates.get(&c.name.0).cloned().unwrap_or_default(),
            name: c.name.0,
            in_keyring,
            instance_expiry: expiry.filter(|e| !e.is_empty()),
            selected: false,
        });
    }
    Ok(rows)
}

fn send(tx: &mpsc::UnboundedSender<Event>, e: Event) {
    let _ = tx.send(e);
}

/// The running tasks, each with the handle that cancels it: the only thing the driver
/// keeps besides its collaborators. Every fact lives in the `App`.
#[derive(Default)]
pub struct Tasks {
    running: HashMap<u64, oneshot::Sender<()>>,
    /// Where pasted lines go, for each sign-in that waits.
    pastes: HashMap<u64, mpsc::UnboundedSender<String>>,
}

impl Tasks {
    /// Starts the task of an effect (or carries out a `Cancel`).
    pub fn start(&mut self, effect: Effect, env: &Env, tx: &mpsc::UnboundedSender<Event>) {
        self.running.retain(|_, c| !c.is_closed());
        self.pastes.retain(|_, p| !p.is_closed());
        match effect {
            Effect::Cancel { generation } => {
                if let Some(c) = self.running.remove(&generation) {
                    let _ = c.send(());
                }
                self.pastes.remove(&generation);
                return;
            }
            Effect::Paste { generation, line } => {
                if let Some(p) = self.pastes.get(&generation) {
                    let _ = p.send(line);
                }
                return;
            }
            _ => {}
        }
        let paste = if let Effect::SignIn { generation, .. } = &effect {
            let (ptx, prx) = mpsc::unbounded_channel();
            self.pastes.insert(*generation, ptx);
            Some(prx)
        } else {
            None
        };
        let (env, tx) = (env.clone(), tx.clone());
        let Some(g) = generation_of(&effect) else {
            // Not a request on screen (saving the plan): nothing cancels it.
            tokio::spawn(async move { perform(effect, &env, &tx).await });
            return;
        };
        let (cancel_tx, cancel_rx) = oneshot::channel::<()>();
        self.running.insert(g, cancel_tx);
        tokio::spawn(async move {
            tokio::select! {
                () = perform_with(effect, &env, &tx, paste) => {}
                Ok(()) = cancel_rx => {}
            }
        });
    }

    /// How many tasks are still running.
    pub fn running(&mut self) -> usize {
        self.running.retain(|_, c| !c.is_closed());
        self.running.len()
    }
}

fn generation_of(effect: &Effect) -> Option<u64> {
    match effect {
        Effect::Probe { generation, .. }
        | Effect::LoadCredentials { generation, .. }
        | Effect::Doctor { generation, .. }
        | Effect::ProbeBrowser { generation, .. }
        | Effect::Diff { generation, .. }
        | Effect::Apply { generation, .. }
        | Effect::SignIn { generation, .. }
        | Effect::LoadRooms { generation, .. }
        | Effect::HandOver { generation, .. }
        | Effect::CheckRooms { generation, .. }
        | Effect::Cancel { generation } => Some(*generation),
        Effect::SavePlan(_) | Effect::Paste { .. } | Effect::KeepPassword { .. } | Effect::KeepSecret { .. } => None,
    }
}

/// What every task may use: the collaborators, and the sandbox's address when the wizard
/// started one. It does not change while the wizard runs.
#[derive(Clone)]
pub struct Env {
    pub services: Services,
    pub sandbox_url: Option<String>,
}

/// Carries out one effect and sends its result (and progress) back as events, each with
/// the effect's generation. Everything it needs comes in the effect and the `Env`.
pub async fn perform(effect: Effect, env: &Env, tx: &mpsc::UnboundedSender<Event>) {
    // On the heap: the sign-in's future is large, and callers await this on small stacks.
    Box::pin(perform_with(effect, env, tx, None)).await;
}

/// `perform`, with the lines pasted while a sign-in waits.
async fn perform_with(
    effect: Effect,
    env: &Env,
    tx: &mpsc::UnboundedSender<Event>,
    paste: Option<mpsc::UnboundedReceiver<String>>,
) {
    let services = &env.services;
    match effect {
        Effect::Probe { generation, url, user, password, oauth } => {
            let r = connect(env, &url, &user, password, oauth).await;
            send(tx, Event::Probed(generation, r));
        }
        Effect::LoadCredentials { generation, conn } => {
            let r =
                load_reauth_credentials(&env.services, &conn.client, &conn.instance_key).await.map_err(Failure::from);
            send(tx, Event::Credentials(generation, r));
        }
        Effect::Doctor { generation, conn } => {
            let r = crate::doctor::examine(services, &conn.client, &conn.instance_key, conn.sandbox_url.as_deref())
                .await
                .map(Box::new)
                .map_err(Failure::from);
            send(tx, Event::Doctored(generation, r));
        }
        Effect::ProbeBrowser { generation, conn, snapshot } => {
            let r = probe_browser(services, &conn, &snapshot, generation, tx).await;
            send(tx, Event::BrowserProbed(generation, r));
        }
        Effect::Diff { generation, conn, plan } => {
            let r = match plan::read_state(&conn.client, &plan).await {
                Ok(state) => Ok(Box::new(Reviewed { diff: plan::diff(&plan, &state), state })),
                Err(e) => Err(Failure::from(e)),
            };
            send(tx, Event::Diffed(generation, r));
        }
        Effect::Apply { generation, conn, reviewed } => {
            let r = apply(services, &conn, &reviewed, generation, tx).await;
            send(tx, Event::Applied(generation, r));
        }
        Effect::SignIn { generation, conn, credential, user, secret } => {
            let asked = Asked { credential: &credential, user: &user, secret };
            let r = sign_in(services, &conn, asked, generation, tx, paste).await;
            send(tx, Event::SignedIn(generation, r));
        }
        Effect::SavePlan(p) => {
            let r = save_plan(&p);
            send(tx, Event::Saved(r));
        }
        Effect::LoadRooms { generation, conn } => {
            let r = super::rooms_io::load_rooms(&conn.client).await.map_err(Failure::from);
            send(tx, Event::Rooms(generation, r));
        }
        Effect::HandOver { generation, conn, credential } => {
            let r = super::rooms_io::hand_over(services, &conn, &credential).await;
            send(tx, Event::HandedOver(generation, credential, r));
        }
        Effect::CheckRooms { generation, conn } => {
            let r = super::rooms_io::check_rooms(services, &conn).await;
            send(tx, Event::RoomsChecked(generation, r));
        }
        Effect::KeepSecret { account, secret } => {
            let r = services.secrets.set(&account, &secret).await.map(|()| account.key()).map_err(|e| e.to_string());
            send(tx, Event::SecretKept(r));
        }
        Effect::KeepPassword { account, password } => {
            let r = services.secrets.set(&account, &password).await.map(|()| account.key()).map_err(|e| e.to_string());
            send(tx, Event::Kept(r));
        }
        Effect::Cancel { .. } | Effect::Paste { .. } => {}
    }
}

/// Reaches the instance with one request first, so a wrong password is sent once and not
/// once per concurrent read; then reads what the steps show.
async fn connect(
    env: &Env,
    url: &str,
    user: &str,
    password: SecretString,
    oauth: bool,
) -> Result<Box<Probed>, Failure> {
    let url = InstanceUrl::parse(url)?;
    // Asked without credentials first: no password goes to a single sign-on instance.
    let found = crate::snow::probe::probe(&url).await?;
    let client = if oauth || !found.takes_passwords() {
        if !oauth && !matches!(found.page, crate::snow::probe::SignInPage::SingleSignOn { .. }) {
            return Err(Failure::SignIn(found.summary()));
        }
        super::instance_oauth::sign_in(&env.services, &url, env.sandbox_url.is_some()).await?
    } else {
        let client = Client::new(url.clone(), user, password)?;
        client.check_login().await?;
        client
    };
    let info = probe(&client).await?;
    let sandbox_url = env.sandbox_url.clone();
    let instance_key = if sandbox_url.is_some() { "sandbox".to_string() } else { url.key() };
    Ok(Box::new(Probed { conn: Connection { client: std::sync::Arc::new(client), instance_key, sandbox_url }, info }))
}

async fn probe_browser(
    services: &Services,
    conn: &Connection,
    snap: &crate::doctor::read::Snapshot,
    generation: u64,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<Box<crate::doctor::Finding>, Failure> {
    let known = crate::oauth::delegates::load(&services.config.state_dir, &conn.instance_key);
    let known: Vec<String> = known.into_keys().collect();
    let (cred, expected) = super::steps::findings::probe_target(snap, &known).ok_or(Failure::NoBrowserSignIn)?;
    let f = crate::doctor::probe_browser(
        services,
        &conn.client,
        &conn.instance_key,
        conn.sandbox_url.as_deref(),
        &cred,
        expected,
        std::future::pending(),
        |url| {
            // The address goes on screen, for a machine where no browser opens.
            let waiting = crate::oauth::session::Notice::Waiting {
                url: url.to_string(),
                start_url: String::new(),
                redirect_uri: String::new(),
            };
            send(tx, Event::SignIn(generation, waiting));
        },
    )
    .await?;
    Ok(Box::new(f))
}

async fn apply(
    services: &Services,
    conn: &Connection,
    reviewed: &Reviewed,
    generation: u64,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<(), Failure> {
    let ptx = tx.clone();
    let report = plan::journal::apply_journaled(
        &services.config.state_dir,
        &conn.client,
        &reviewed.diff,
        &reviewed.state,
        move |p| {
            if let Progress::Written(o) = p {
                send(&ptx, Event::Progress(generation, apply_line(o)));
            }
        },
    )
    .await?;
    for note in &report.notes {
        send(tx, Event::Progress(generation, ApplyLine { ok: true, text: note.clone(), link: None }));
    }
    if let Some(e) = report.first_failure() {
        return Err(Failure::Write(e.clone()));
    }
    match report.restore_error {
        Some(e) => Err(Failure::Restore(e)),
        None => Ok(()),
    }
}

fn apply_line(o: &plan::apply::Outcome) -> ApplyLine {
    let verb = if o.action == plan::Action::Create { "created" } else { "updated" };
    let (ok, text) = match &o.status {
        Status::Done => (true, format!("{verb} {} {}", o.kind.label(), o.name)),
        Status::Failed(m) => (false, format!("{} {}: {m}", o.kind.label(), o.name)),
        Status::Skipped => (false, format!("skipped {} {}", o.kind.label(), o.name)),
    };
    let link = if o.status.is_done() { o.link.clone() } else { None };
    ApplyLine { ok, text, link }
}

/// What a sign-in was asked for: the credential, its mailbox, and the client secret the
/// admin typed, if any.
struct Asked<'a> {
    credential: &'a str,
    user: &'a str,
    secret: Option<super::TypedSecret>,
}

async fn sign_in(
    services: &Services,
    conn: &Connection,
    asked: Asked<'_>,
    generation: u64,
    tx: &mpsc::UnboundedSender<Event>,
    paste: Option<mpsc::UnboundedReceiver<String>>,
) -> Result<SignedIn, Failure> {
    let Asked { credential, user, secret: typed } = asked;
    let ends = services.endpoints(conn.sandbox_url.as_deref());
    let t = target::for_credential(&conn.client, credential, &ends).await?;
    // The credential's own mailbox, before anyone signs in (src/oauth/mailbox.rs).
    crate::oauth::mailbox::token_allowed(credential, &t.credential.integration_type()).map_err(Failure::Refused)?;
    let owner =
        crate::oauth::mailbox::owner_on(&conn.client, &services.config.state_dir, &conn.instance_key, credential).await;
    crate::oauth::mailbox::check(credential, user, owner.as_ref()).map_err(Failure::Refused)?;
    // The refresh token must have a home before anyone signs in for it (and before the
    // admin is asked to type a secret).
    services.secrets.probe().await.map_err(Failure::NoHome)?;
    // A secret typed for another app is never sent to this one.
    let secret = match typed.filter(|s| s.client_id == t.registry.client_id) {
        Some(s) => Some(s.secret),
        None => {
            target::stored_secret(services, conn.sandbox_url.is_some(), &conn.instance_key, &t.registry.client_id)
                .await
                .0
        }
    };
    let secret = secret.ok_or_else(|| Failure::NoClientSecret(t.registry.client_id.clone()))?;
    let mut req = SignIn::as_user(t.registry.clone(), Some(secret), user, &t.graph_root);
    req.clock = services.clock.clone();
    let keep = session::Keep {
        secrets: &services.secrets,
        state_dir: &services.config.state_dir,
        instance_key: &conn.instance_key,
        credential,
    };
    let ntx = tx.clone();
    let done = session::authorize(&req, &keep, services.browser.as_ref(), paste, std::future::pending(), move |n| {
        send(&ntx, Event::SignIn(generation, n));
    })
    .await
    .map_err(|e| secret_refused(e, &t.registry.client_id))?;
    Ok(SignedIn { who: done.who, warnings: done.warnings })
}

/// A refusal of the client secret itself (AADSTS7000215 wrong, 7000222 expired) names the
/// app, so the Token step can ask for another; anything else stays as it is.
fn secret_refused(e: session::AuthorizeError, client_id: &str) -> Failure {
    use session::{AuthError, AuthorizeError};
    match e {
        AuthorizeError::SignIn(AuthError::Provider { code: Some(7_000_215 | 7_000_222), .. }) => {
            Failure::SecretRefused { client_id: client_id.to_string(), error: Box::new(e) }
        }
        e => Failure::Authorize(e),
    }
}

fn save_plan(p: &Plan) -> Result<String, std::io::Error> {
    let mut path = std::path::PathBuf::from(format!("calsync-plan-{}.toml", p.mode));
    let mut n = 2;
    while path.exists() {
        path = std::path::PathBuf::from(format!("calsync-plan-{}-{n}.toml", p.mode));
        n += 1;
    }
    let text =
        format!("# Saved by the calsync wizard. Replay with: calsync apply --plan {}\n{}", path.display(), p.to_toml());
    std::fs::write(&path, text).map(|()| path.display().to_string())
}

/// Reads terminal input on its own thread until `stop` is set.
fn input_thread(tx: mpsc::UnboundedSender<Event>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match ct::poll(Duration::from_millis(50)) {
                Ok(true) => match ct::read() {
                    Ok(CtEvent::Key(k)) if k.kind != KeyEventKind::Release => send(&tx, Event::Key(k)),
                    Ok(CtEvent::Resize(w, h)) => send(&tx, Event::Resize(w, h)),
                    Ok(_) => {}
                    Err(_) => break,
                },
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
}

#[cfg(unix)]
fn signal_task(tx: mpsc::UnboundedSender<Event>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
            (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
        else {
            return;
        };
        let s = tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
            _ = hup.recv() => Signal::Hangup,
        };
        send(&tx, Event::Signal(s));
    });
}

#[cfg(not(unix))]
fn signal_task(tx: mpsc::UnboundedSender<Event>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            send(&tx, Event::Signal(Signal::Interrupt));
        }
    });
}

/// Runs the wizard until the admin quits or a signal arrives; says how it ended. With a
/// sandbox (started by `cli`), the form is filled in for it.
pub async fn run(opts: Options, services: Services, sandbox: Option<&Sandbox>) -> Outcome {
    let mut app = App::new(sandbox.is_some());
    if let Some(j) = opts.journey {
        app.start(j);
    }
    app.color = !services.config.no_color;
    app.saved = saved_instances(&services);
    app.mfa = services.config.sign_in == Some(crate::snow::auth::Method::PasswordMfa);
    if let Some(sb) = sandbox {
        app.draft.instance.set(sb.url());
        if services.config.sandbox_sso {
            app.instance_oauth = true;
        } else {
            app.draft.user.set(seed::ADMIN_USER);
            app.draft.password.set(seed::ADMIN_PASSWORD);
        }
    } else {
        if let Some(i) = &services.config.instance {
            app.draft.instance.set(i);
        } else if let Some(at) = default_saved(&services).and_then(|d| app.saved.iter().position(|s| s.name == d)) {
            // As the headless commands do: with neither flag nor CALSYNC_INSTANCE, the
            // default saved instance.
            super::steps::instance::fill_saved(&mut app, at);
        }
        if let Some(u) = &services.config.user {
            app.draft.user.set(u);
        }
        prefill_password(&mut app, &services).await;
    }
    let env = Env { sandbox_url: sandbox.map(|s| s.url().to_string()), services };
    let mut terminal = ratatui::init();
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    input_thread(tx.clone(), stop.clone());
    signal_task(tx.clone());
    let mut tasks = Tasks::default();
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    let mut redraw = true;
    loop {
        if redraw && terminal.draw(|f| view::draw(&app, f)).is_err() {
            break;
        }
        let event = tokio::select! {
            e = rx.recv() => match e { Some(e) => e, None => break },
            _ = tick.tick() => Event::Tick,
        };
        // Between ticks, redraw only when something happened (or the busy marker turns).
        redraw = !matches!(event, Event::Tick) || app.busy.is_some();
        // Debug builds only: F12 panics when CALSYNC_DEBUG_PANIC is set, so the tests can
        // prove the panic hook gives the terminal back on every screen.
        #[cfg(debug_assertions)]
        if let Event::Key(k) = &event
            && k.code == ratatui::crossterm::event::KeyCode::F(12)
            && env.services.config.debug_panic
        {
            panic!("panic requested with F12 (CALSYNC_DEBUG_PANIC) on the {:?} step", app.step());
        }
        for effect in app.handle(event) {
            tasks.start(effect, &env, &tx);
        }
        if app.quit {
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    ratatui::restore();
    for line in super::steps::token::goodbye(&app) {
        println!("{}", crate::sanitize::line(&line));
    }
    app.outcome()
}

/// The password field starts filled when `CALSYNC_PASSWORD` or the keyring has one.
/// The saved instances, for the instance step (F2).
fn saved_instances(services: &Services) -> Vec<super::SavedInstance> {
    crate::profiles::Profiles::load(&services.config.config_dir)
        .map(|p| {
            p.instances
                .into_iter()
                .map(|i| super::SavedInstance {
                    oauth: i.sign_in == Some(crate::snow::auth::Method::Oauth),
                    mfa: [i.sign_in, services.config.sign_in].contains(&Some(crate::snow::auth::Method::PasswordMfa)),
                    name: i.name,
                    url: i.url,
                    user: i.user.unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The name of the default saved instance, if any.
fn default_saved(services: &Services) -> Option<String> {
    crate::profiles::Profiles::load(&services.config.config_dir).ok()?.default
}

async fn prefill_password(app: &mut App, services: &Services) {
    use secrecy::ExposeSecret;
    if let Some(p) = &services.config.password {
        app.draft.password.set(p.expose_secret());
        app.password_kept = true;
        return;
    }
    let (Ok(url), user) = (InstanceUrl::parse(&app.draft.instance.value), app.draft.user.value.trim().to_string())
    else {
        return;
    };
    if user.is_empty() {
        return;
    }
    if let Ok(Some(p)) = services.secrets.get(&Account::InstancePassword { instance: url.key(), user }).await {
        app.draft.password.set(p.expose_secret());
        app.password_kept = true;
    }
}
