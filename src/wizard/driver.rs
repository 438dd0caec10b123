//! The one place the wizard does I/O: the terminal, the instance, the browser sign-in,
//! the keyring and the plan file. It turns terminal input into events, runs each effect as
//! a task whose result comes back as an event, redraws, and always gives the terminal back
//! (normal exit, error, panic, Ctrl-C, SIGTERM, SIGHUP).

use super::{App, ApplyLine, CredentialRow, Effect, Event, InstanceInfo, Journey, ProfileInfo, view};
use crate::facts;
use crate::oauth::browser::SystemBrowser;
use crate::oauth::session::{self, SignIn};
use crate::oauth::target;
use crate::plan::apply::{Progress, Status};
use crate::plan::{self, Diff, InstanceState};
use crate::sandbox::{self, Sandbox, seed};
use crate::secrets::{self, Account};
use crate::snow::records::{Alias, OAuthEntity, OAuthProfile, Property, Scope, User, UserHasRole, UserPreference};
use crate::snow::{Client, Query, SnError};
use crate::urls::InstanceUrl;
use ratatui::crossterm::event::{self as ct, Event as CtEvent, KeyEventKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

pub struct Options {
    /// Start in this journey instead of the picker.
    pub journey: Option<Journey>,
    pub sandbox: bool,
    /// With `sandbox`: start it over with the doctor's faults.
    pub broken: bool,
    pub instance: Option<String>,
    pub user: Option<String>,
}

#[derive(Default)]
struct Ctx {
    snapshot: Option<crate::doctor::read::Snapshot>,
    report: Option<crate::doctor::Report>,
    client: Option<Client>,
    instance_key: String,
    sandbox_url: Option<String>,
    state: Option<InstanceState>,
    diff: Option<Diff>,
    cancel: Option<oneshot::Sender<()>>,
    /// The tokens of each credential signed in during this run, for the hand-over.
    tokens: std::collections::HashMap<String, crate::oauth::flow::Tokens>,
}

type Shared = Arc<Mutex<Ctx>>;

/// Reads everything the setup steps show, in one concurrent round.
pub async fn probe(client: &Client) -> Result<InstanceInfo, SnError> {
    let user = client.user().to_string();
    let q_user = Query::new().eq("user_name", &user)?;
    let q_role = Query::new().eq("user.user_name", &user)?.eq("role.name", "admin")?;
    let q_scopes = Query::new().is_in("scope", &[facts::WCS_SCOPE, facts::SPOKE_SCOPE])?;
    let q_pref = Query::new().eq("user.user_name", &user)?.eq("name", facts::CURRENT_APP_PREF)?;
    let q_alias = Query::new().is_in("id", &[facts::PERSONAL_ALIAS_ID, facts::SPOKE_ALIAS_ID])?;
    let q_alias_name = Query::new().eq("name", facts::PERSONAL_ALIAS_NAME)?;
    let mut prop_names = vec![facts::MODE_PROPERTY];
    prop_names.extend(facts::WCS_PROPERTIES.iter().map(|(n, ..)| *n));
    let q_prop = Query::new().is_in("name", &prop_names)?;
    let all = Query::new().order_by("name")?;
    let (users, roles, scopes, prefs, profiles, entities, a1, a2, props, providers) = tokio::try_join!(
        client.list::<User>("sys_user", &q_user, &["sys_id", "user_name"]),
        client.list::<UserHasRole>("sys_user_has_role", &q_role, &["sys_id", "user"]),
        client.list::<Scope>("sys_scope", &q_scopes, &[]),
        client.list::<UserPreference>("sys_user_preference", &q_pref, &[]),
        client.list::<OAuthProfile>("oauth_entity_profile", &all, &[]),
        client.list::<OAuthEntity>("oauth_entity", &all, &[]),
        client.list::<Alias>("sys_alias", &q_alias, &[]),
        client.list::<Alias>("sys_alias", &q_alias_name, &[]),
        client.list::<Property>("sys_properties", &q_prop, &[]),
        client.list::<serde_json::Value>(
            facts::PROVIDER_TABLE,
            &all,
            &["name", "active", facts::PROVIDER_DELEGATE_COLUMN]
        ),
    )?;
    let by_scope = |s: &str| scopes.iter().find(|x| &*x.scope == s).cloned();
    // Matched to the user here, in case an instance ignored the dot-walked conditions.
    let uid = users.iter().find(|u| *u.user_name == *user).map(|u| u.sys_id.0.clone());
    let pref = prefs
        .iter()
        .find(|p| Some(p.user.id()) == uid.as_deref() && &*p.name == facts::CURRENT_APP_PREF)
        .map(|p| p.value.0.clone())
        .unwrap_or_else(|| facts::GLOBAL_SCOPE_SYS_ID.to_string());
    let current_app = if pref == facts::GLOBAL_SCOPE_SYS_ID {
        "Global".to_string()
    } else if let Some(s) = scopes.iter().find(|s| *s.sys_id == pref) {
        s.name.0.clone()
    } else {
        client.get::<Scope>("sys_scope", &pref).await.map(|s| s.name.0).unwrap_or(pref)
    };
    let spoke_alias = a1.iter().find(|a| &*a.id == facts::SPOKE_ALIAS_ID).map(|a| a.sys_id.0.clone());
    let personal = a1
        .iter()
        .chain(a2.iter())
        .find(|a| &*a.id == facts::PERSONAL_ALIAS_ID || &*a.name == facts::PERSONAL_ALIAS_NAME);
    let personal_alias = personal.map(|a| (a.id.0.clone(), spoke_alias.as_deref() == Some(a.parent.id())));
    let profiles = profiles
        .into_iter()
        .map(|p| {
            let e = entities.iter().find(|e| *e.sys_id == *p.oauth_entity.id());
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
    Ok(InstanceInfo {
        url: client.instance().to_string(),
        user: user.clone(),
        user_found: uid.is_some(),
        is_admin: roles.iter().any(|r| Some(r.user.id()) == uid.as_deref()),
        wcs: by_scope(facts::WCS_SCOPE),
        spoke: by_scope(facts::SPOKE_SCOPE),
        current_app,
        profiles,
        personal_alias,
        mode_value: props.iter().find(|p| &*p.name == facts::MODE_PROPERTY).map(|p| p.value.0.clone()),
        properties: facts::WCS_PROPERTIES
            .iter()
            .filter_map(|(n, ..)| props.iter().find(|p| &*p.name == *n).map(|p| (p.name.0.clone(), p.value.0.clone())))
            .collect(),
        providers: providers.iter().map(|p| crate::snow::records::plain(&p["name"])).collect(),
        idle_providers: providers
            .iter()
            .filter(|p| {
                use crate::snow::records::plain;
                plain(&p["active"]) == "true" && plain(&p[facts::PROVIDER_DELEGATE_COLUMN]).is_empty()
            })
            .map(|p| crate::snow::records::plain(&p["name"]))
            .collect(),
    })
}

/// The authorization-code credentials with their token state, for re-authorizing.
pub async fn load_credentials(client: &Client, instance_key: &str) -> Result<Vec<CredentialRow>, SnError> {
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
    let delegates = crate::oauth::delegates::load(instance_key);
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
        let in_keyring =
            tokio::task::spawn_blocking(move || matches!(secrets::get(&account), Ok(Some(_)))).await.unwrap_or(false);
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

async fn run_effect(effect: Effect, ctx: Shared, tx: mpsc::UnboundedSender<Event>) {
    match effect {
        Effect::Probe { generation, url, user, password } => {
            let result = async {
                let url = InstanceUrl::parse(&url).map_err(|e| e.to_string())?;
                let client = Client::new(url.clone(), &user, password).map_err(|e| e.to_string())?;
                let info = probe(&client).await.map_err(|e| e.to_string())?;
                let mut c = ctx.lock().await;
                if c.sandbox_url.is_none() {
                    c.instance_key = url.key();
                }
                c.client = Some(client);
                Ok(Box::new(info))
            }
            .await;
            send(&tx, Event::Probed(generation, result));
        }
        Effect::LoadCredentials { generation } => {
            let (client, key) = {
                let c = ctx.lock().await;
                (c.client.clone(), c.instance_key.clone())
            };
            let r = match client {
                Some(client) => load_credentials(&client, &key).await.map_err(|e| e.to_string()),
                None => Err("no instance yet".into()),
            };
            send(&tx, Event::Credentials(generation, r));
        }
        Effect::Doctor { generation } => {
            let (client, key, sandbox_url) = {
                let c = ctx.lock().await;
                (c.client.clone(), c.instance_key.clone(), c.sandbox_url.clone())
            };
            let r = match client {
                Some(client) => match crate::doctor::examine(&client, &key, sandbox_url.as_deref()).await {
                    Ok((snap, report)) => {
                        let mut c = ctx.lock().await;
                        c.snapshot = Some(snap);
                        c.report = Some(report.clone());
                        Ok(Box::new(report))
                    }
                    Err(e) => Err(e.to_string()),
                },
                None => Err("no instance yet".into()),
            };
            send(&tx, Event::Doctored(generation, r));
        }
        Effect::FixDiff { generation } => {
            let mut c = ctx.lock().await;
            let r = match (&c.snapshot, &c.report) {
                (Some(snap), Some(report)) => {
                    let d = crate::doctor::fix::diff(&report.findings, crate::doctor::checks::mode_of(snap));
                    let state = crate::doctor::fix::state(snap);
                    c.state = Some(state);
                    c.diff = Some(d.clone());
                    Ok(d)
                }
                _ => Err("run the checks first".into()),
            };
            drop(c);
            send(&tx, Event::Diffed(generation, r));
        }
        Effect::ProbeBrowser => {
            let (client, key, sandbox_url, snap) = {
                let c = ctx.lock().await;
                (c.client.clone(), c.instance_key.clone(), c.sandbox_url.clone(), c.snapshot.clone())
            };
            let r = async {
                let client = client.ok_or("no instance yet")?;
                let snap = snap.ok_or("run the checks first")?;
                // The first credential on an authorization-code profile, preferring one
                // whose delegated mailbox calsync knows.
                let known = crate::oauth::delegates::load(&key);
                let auth: Vec<&str> = snap
                    .profiles
                    .iter()
                    .filter(|p| &*p.grant_type == facts::GRANT_AUTH_CODE)
                    .map(|p| p.sys_id.0.as_str())
                    .collect();
                let creds: Vec<&str> = snap
                    .credentials
                    .iter()
                    .filter(|c| auth.contains(&c.oauth_entity_profile.id()))
                    .map(|c| c.name.0.as_str())
                    .collect();
                let cred = creds
                    .iter()
                    .find(|c| known.contains_key(**c))
                    .or(creds.first())
                    .ok_or("no credential uses an authorization-code profile, so no browser sign-in is involved")?;
                let expected = crate::doctor::provider_mailbox(&snap, cred);
                crate::doctor::probe_browser(&client, &key, sandbox_url.as_deref(), cred, expected, |_| {})
                    .await
                    .map(Box::new)
            }
            .await;
            send(&tx, Event::BrowserProbed(r));
        }
        Effect::Diff { generation, plan } => {
            let client = ctx.lock().await.client.clone();
            let result = match client {
                None => Err("no instance yet".to_string()),
                Some(client) => match plan::read_state(&client, &plan).await {
                    Ok(state) => {
                        let d = plan::diff(&plan, &state);
                        let mut c = ctx.lock().await;
                        c.state = Some(state);
                        c.diff = Some(d.clone());
                        Ok(d)
                    }
                    Err(e) => Err(e.to_string()),
                },
            };
            send(&tx, Event::Diffed(generation, result));
        }
        Effect::Apply => {
            let (client, state, diff) = {
                let c = ctx.lock().await;
                (c.client.clone(), c.state.clone(), c.diff.clone())
            };
            let (Some(client), Some(state), Some(diff)) = (client, state, diff) else {
                send(&tx, Event::Applied(Err("nothing was reviewed".into())));
                return;
            };
            let ptx = tx.clone();
            let report = plan::journal::apply_journaled(&client, &diff, &state, move |p| {
                if let Progress::Written(o) = p {
                    let verb = if o.action == plan::Action::Create { "created" } else { "updated" };
                    let (ok, text) = match &o.status {
                        Status::Done => (true, format!("{verb} {} {}", o.kind.label(), o.name)),
                        Status::Failed(m) => (false, format!("{} {}: {m}", o.kind.label(), o.name)),
                        Status::Skipped => (false, format!("skipped {} {}", o.kind.label(), o.name)),
                    };
                    let link = if o.status == Status::Done { o.link.clone() } else { None };
                    send(&ptx, Event::Progress(ApplyLine { ok, text, link }));
                }
            })
            .await;
            let result = match report {
                Ok(r) if r.failed() => Err(r
                    .outcomes
                    .iter()
                    .find_map(|o| if let Status::Failed(m) = &o.status { Some(m.clone()) } else { None })
                    .unwrap_or_else(|| "a write failed".into())),
                Ok(r) => match r.restore_error {
                    Some(e) => Err(e),
                    None => Ok(()),
                },
                Err(e) => Err(e),
            };
            send(&tx, Event::Applied(result));
        }
        Effect::SignIn { credential, user } => {
            let (cancel_tx, cancel_rx) = oneshot::channel::<()>();
            let (client, key, sandbox_url) = {
                let mut c = ctx.lock().await;
                c.cancel = Some(cancel_tx);
                (c.client.clone(), c.instance_key.clone(), c.sandbox_url.clone())
            };
            let result = sign_in(client, &key, sandbox_url, &credential, &user, cancel_rx, tx.clone()).await;
            let result = match result {
                Ok((who, tokens)) => {
                    ctx.lock().await.tokens.insert(credential.clone(), tokens);
                    Ok(who)
                }
                Err(e) => Err(e),
            };
            send(&tx, Event::SignedIn(result));
        }
        Effect::LoadRooms { generation } => {
            let client = ctx.lock().await.client.clone();
            let r = match client {
                Some(c) => super::rooms_io::load_rooms(&c).await.map_err(|e| e.to_string()),
                None => Err("no instance yet".into()),
            };
            send(&tx, Event::Rooms(generation, r));
        }
        Effect::HandOver { credential } => {
            let (client, tokens, sandbox_url) = {
                let mut c = ctx.lock().await;
                (c.client.clone(), c.tokens.remove(&credential), c.sandbox_url.clone())
            };
            let ends = target::endpoints(sandbox_url.as_deref());
            let r = match (client, &tokens) {
                (Some(c), Some(t)) => {
                    super::rooms_io::hand_over(&c, &credential, t, ends.login.as_deref(), ends.graph.as_deref()).await
                }
                _ => Err("this run holds no token for it; sign it in again".into()),
            };
            if r.is_err()
                && let Some(t) = tokens
            {
                ctx.lock().await.tokens.insert(credential.clone(), t);
            }
            send(&tx, Event::HandedOver(credential, r));
        }
        Effect::CheckRooms => {
            let (client, key, sandbox_url) = {
                let c = ctx.lock().await;
                (c.client.clone(), c.instance_key.clone(), c.sandbox_url.clone())
            };
            let r = match client {
                Some(c) => super::rooms_io::check_rooms(&c, &key, sandbox_url.as_deref()).await,
                None => Err("no instance yet".into()),
            };
            send(&tx, Event::RoomsChecked(r));
        }
        Effect::CancelSignIn => {
            if let Some(c) = ctx.lock().await.cancel.take() {
                let _ = c.send(());
            }
        }
        Effect::SavePlan(p) => {
            let mut path = std::path::PathBuf::from(format!("calsync-plan-{}.toml", p.mode));
            let mut n = 2;
            while path.exists() {
                path = std::path::PathBuf::from(format!("calsync-plan-{}-{n}.toml", p.mode));
                n += 1;
            }
            let text = format!(
                "# Saved by the calsync wizard. Replay with: calsync apply --plan {}\n{}",
                path.display(),
                p.to_toml()
            );
            let r = std::fs::write(&path, text).map(|_| path.display().to_string()).map_err(|e| e.to_string());
            send(&tx, Event::Saved(r));
        }
        Effect::Quit => {}
    }
}

async fn sign_in(
    client: Option<Client>,
    instance_key: &str,
    sandbox_url: Option<String>,
    credential: &str,
    user: &str,
    cancel: oneshot::Receiver<()>,
    tx: mpsc::UnboundedSender<Event>,
) -> Result<(crate::oauth::identity::Who, crate::oauth::flow::Tokens), String> {
    let client = client.ok_or("no instance yet")?;
    let ends = target::endpoints(sandbox_url.as_deref());
    let t = target::for_credential(&client, credential, ends.login.as_deref(), ends.graph.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    // The credential's own mailbox, before anyone signs in (src/oauth/mailbox.rs).
    crate::oauth::mailbox::token_allowed(credential, &t.credential.integration_type())?;
    let owner = crate::oauth::mailbox::owner_on(&client, instance_key, credential).await;
    crate::oauth::mailbox::check(credential, user, owner.as_ref())?;
    let (secret, _) = target::stored_secret(sandbox_url.is_some(), instance_key, &t.registry.client_id).await;
    let Some(secret) = secret else {
        return Err(format!(
            "no client secret for app {}: set CALSYNC_CLIENT_SECRET, or run calsync authorize once in a terminal to keep it in the OS keyring",
            t.registry.client_id
        ));
    };
    let req = SignIn::as_user(t.registry.clone(), Some(secret), user, &t.graph_root);
    let ntx = tx.clone();
    let cancel = async {
        let _ = cancel.await;
    };
    let outcome = session::sign_in(&req, &SystemBrowser, None, cancel, move |n| send(&ntx, Event::SignIn(n)))
        .await
        .map_err(|e| e.to_string())?;
    let rt = outcome
        .tokens
        .refresh_token
        .clone()
        .ok_or("Microsoft sent no refresh token (offline_access was not granted); nothing was stored")?;
    let account = Account::RefreshToken { instance: instance_key.to_string(), credential: credential.to_string() };
    tokio::task::spawn_blocking(move || secrets::set(&account, &rt))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("signed in as {}, but the token could not be kept: {e}", outcome.verified.who.username))?;
    crate::oauth::delegates::remember(instance_key, credential, &outcome.verified.who.username);
    Ok((outcome.verified.who, outcome.tokens))
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
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        send(&tx, Event::Terminate);
    });
}

#[cfg(not(unix))]
fn signal_task(_tx: mpsc::UnboundedSender<Event>) {}

/// Runs the wizard until the admin quits; returns the exit code.
pub async fn run(opts: Options) -> u8 {
    let mut app = App::new(opts.sandbox);
    if let Some(j) = opts.journey {
        app.start(j);
    }
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let ctx: Shared = Arc::default();
    let _sandbox: Option<Sandbox> = if opts.sandbox {
        match Sandbox::start(sandbox::Options {
            state: Some(sandbox::default_state_path()),
            reset: opts.broken,
            seed: if opts.broken { seed::Seed::Broken } else { seed::Seed::Healthy },
            ..Default::default()
        })
        .await
        {
            Ok(sb) => {
                app.draft.instance.set(sb.url());
                app.draft.user.set(seed::ADMIN_USER);
                app.draft.password.set(seed::ADMIN_PASSWORD);
                let mut c = ctx.lock().await;
                c.sandbox_url = Some(sb.url().to_string());
                c.instance_key = "sandbox".into();
                Some(sb)
            }
            Err(e) => {
                eprintln!("calsync: {e}");
                return crate::cli::exit::ACCESS;
            }
        }
    } else {
        if let Some(i) = &opts.instance {
            app.draft.instance.set(i);
        }
        if let Some(u) = &opts.user {
            app.draft.user.set(u);
        }
        prefill_password(&mut app);
        None
    };
    let mut terminal = ratatui::init();
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    input_thread(tx.clone(), stop.clone());
    signal_task(tx.clone());
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    loop {
        if terminal.draw(|f| view::draw(&app, f)).is_err() {
            break;
        }
        let event = tokio::select! {
            e = rx.recv() => match e { Some(e) => e, None => break },
            _ = tick.tick() => Event::Tick,
        };
        let is_tick = matches!(event, Event::Tick);
        // Debug builds only: F12 panics when CALSYNC_DEBUG_PANIC is set, so the tests can
        // prove the panic hook gives the terminal back on every screen.
        #[cfg(debug_assertions)]
        if let Event::Key(k) = &event
            && k.code == ratatui::crossterm::event::KeyCode::F(12)
            && std::env::var_os("CALSYNC_DEBUG_PANIC").is_some()
        {
            panic!("panic requested with F12 (CALSYNC_DEBUG_PANIC) on the {:?} step", app.step);
        }
        for effect in app.handle(event) {
            let is_quit = matches!(effect, Effect::Quit);
            let cancel = matches!(effect, Effect::CancelSignIn);
            if is_quit {
                continue;
            }
            if cancel {
                run_effect(effect, ctx.clone(), tx.clone()).await;
            } else {
                tokio::spawn(run_effect(effect, ctx.clone(), tx.clone()));
            }
        }
        if app.quit {
            break;
        }
        // Between ticks, redraw only when something happened.
        if is_tick && app.busy.is_none() {
            continue;
        }
    }
    stop.store(true, Ordering::SeqCst);
    ratatui::restore();
    if matches!(app.applied, Some(Ok(()))) {
        println!(
            "calsync: the setup was applied to {}.",
            app.info.as_ref().map(|i| i.url.as_str()).unwrap_or("the instance")
        );
    }
    crate::cli::exit::OK
}

fn prefill_password(app: &mut App) {
    if let Ok(p) = std::env::var("CALSYNC_PASSWORD")
        && !p.is_empty()
    {
        app.draft.password.set(&p);
        return;
    }
    let (Ok(url), user) = (InstanceUrl::parse(&app.draft.instance.value), app.draft.user.value.trim().to_string())
    else {
        return;
    };
    if user.is_empty() {
        return;
    }
    if let Ok(Some(p)) = secrets::get(&Account::InstancePassword { instance: url.key(), user }) {
        use secrecy::ExposeSecret;
        app.draft.password.set(p.expose_secret());
    }
}
