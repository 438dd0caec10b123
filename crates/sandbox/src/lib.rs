//! The sandbox: a simulated ServiceNow instance on loopback, faithful to
//! `reference/servicenow.md`, so calsync can be tried and tested without a real instance.
//!
//! It runs in-process (`--sandbox` on any command) or on its own (`calsync sandbox`). Its
//! records live in a state file, so one run sees what the previous run wrote; so do the
//! refresh tokens its Microsoft sign-in issued (by digest), which stay valid from one run
//! to the next as Microsoft's do.

mod attachment;
pub mod auth;
mod batch;
mod code_grant;
pub mod graph;
pub mod identity;
mod names;
mod page;
pub mod query;
pub mod schema;
pub mod seed;
pub mod server;
mod shared;
pub mod store;
mod time;
pub mod wcs;
mod xml;

use server::{Faults, Inner, Stats};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
pub use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("could not start the sandbox on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("the sandbox state file {path} could not be read ({reason}); delete it or run `calsync sandbox --reset`")]
    State { path: String, reason: String },
    #[error(
        "another calsync process is serving the sandbox state file {path} (a running `calsync sandbox`, or a command with --sandbox), and starting it over would erase the records it serves; stop that process first, or leave out --broken and --reset to work on the same records"
    )]
    InUse { path: String },
}

impl SandboxError {
    /// The state file is held by another process and this start would have erased it.
    pub fn is_in_use(&self) -> bool {
        matches!(self, SandboxError::InUse { .. })
    }
}

/// Where the sandbox keeps its records between runs.
pub fn default_state_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CALSYNC_SANDBOX_STATE") {
        return PathBuf::from(p);
    }
    let dirs = directories::ProjectDirs::from("", "", "calsync");
    let dir = dirs
        .as_ref()
        .and_then(|d| d.state_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.data_local_dir().to_path_buf()));
    dir.unwrap_or_else(std::env::temp_dir).join("sandbox-instance.json")
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// Keep records in this file (None: in memory only).
    pub state: Option<PathBuf>,
    /// Start from the seed even if the state file exists.
    pub reset: bool,
    /// Which seed a fresh (or reset) sandbox starts from.
    pub seed: seed::Seed,
    /// How a fresh (or reset) sandbox spells the columns the documentation knows only by
    /// label; `Renamed` serves a dictionary whose labels map to other names.
    pub columns: schema::Columns,
    /// Single sign-on and basic-auth restriction (see `auth`).
    pub sign_in: auth::Policy,
}

/// A running sandbox instance.
pub struct Sandbox {
    url: String,
    inner: Arc<Inner>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The hold on the state file, let go when the sandbox is dropped.
    _tenancy: Option<shared::Tenancy>,
}

impl Sandbox {
    pub async fn start(opts: Options) -> Result<Sandbox, SandboxError> {
        let tenancy = match &opts.state {
            Some(path) => Some(shared::Tenancy::hold(path, opts.reset).map_err(|e| match e {
                shared::HoldError::InUse => SandboxError::InUse { path: path.display().to_string() },
                shared::HoldError::Io(e) => {
                    SandboxError::State { path: path.display().to_string(), reason: e.to_string() }
                }
            })?),
            None => None,
        };
        let existing = match &opts.state {
            Some(path) if !opts.reset => shared::read_state(path)
                .map_err(|reason| SandboxError::State { path: path.display().to_string(), reason })?,
            _ => None,
        };
        let fresh = existing.is_none();
        let store = existing.unwrap_or_else(|| seed::store_with(opts.seed, opts.columns));
        let passwords = BTreeMap::from([
            (seed::ADMIN_USER.to_string(), seed::ADMIN_PASSWORD.to_string()),
            (seed::VIEWER_USER.to_string(), seed::VIEWER_PASSWORD.to_string()),
            (auth::MFA_ADMIN_USER.to_string(), auth::MFA_ADMIN_PASSWORD.to_string()),
        ]);
        let inner = Arc::new(Inner {
            records: shared::Shared::new(store, opts.state.clone()),
            faults: Faults::default(),
            stats: Stats::default(),
            base_url: OnceLock::new(),
            passwords: Mutex::new(passwords),
            idp: Mutex::new(identity::Idp::default()),
            sign_in: Mutex::new(auth::SignIn::new(opts.sign_in)),
        });
        {
            // A fresh or reset sandbox writes its seed over whatever the file held; one
            // that continues picks up the file's latest generation.
            let mut s = if fresh { inner.records.lock_local() } else { inner.records.lock() };
            s.save();
        }
        if let Some(t) = &tenancy {
            t.share();
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], opts.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| SandboxError::Bind { addr: addr.to_string(), reason: e.to_string() })?;
        let local =
            listener.local_addr().map_err(|e| SandboxError::Bind { addr: addr.to_string(), reason: e.to_string() })?;
        let url = format!("http://{local}");
        let _ = inner.base_url.set(url.clone());
        // A real instance keeps its address; the sandbox gets a new port each run, so its
        // registries' generated redirect URLs follow it.
        {
            let mut store = inner.store();
            for row in store.rows.iter_mut() {
                if row.get("sys_class_name").map(String::as_str) == Some("oauth_entity")
                    && row.get("redirect_url").is_none_or(|r| r.is_empty() || r.starts_with("http://127.0.0.1:"))
                {
                    row.insert("redirect_url".into(), format!("{url}/oauth_redirect.do"));
                }
            }
            auth::ensure_records(&mut store, &url);
            store.save();
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox { url, inner, shutdown: Some(tx), task: Some(task), _tenancy: tenancy })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    pub fn set_latency_ms(&self, ms: u64) {
        self.inner.faults.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn set_rate_limit(&self, every: u64, retry_after_secs: u64) {
        self.inner.faults.retry_after_secs.store(retry_after_secs, Ordering::Relaxed);
        self.inner.faults.rate_limit_every.store(every, Ordering::Relaxed);
    }

    pub fn set_unavailable_every(&self, every: u64) {
        self.inner.faults.unavailable_every.store(every, Ordering::Relaxed);
    }

    /// Carries out the Nth write from now on (counting all writes so far) but cuts its
    /// answer off, as a dropped connection leaves it; 0 turns it off.
    pub fn cut_write(&self, n: u64) {
        self.inner.faults.cut_write.store(n, Ordering::SeqCst);
    }

    /// Answers the Batch API as an instance without it does.
    pub fn set_batch_refused(&self, on: bool) {
        self.inner.faults.no_batch.store(on, Ordering::Relaxed);
    }

    /// Batch API calls answered so far.
    pub fn batches(&self) -> u64 {
        self.inner.stats.batches.load(Ordering::SeqCst)
    }

    /// Makes the Table API ignore dot-walked conditions, like a simpler instance.
    pub fn set_no_dot_walk(&self, on: bool) {
        self.inner.faults.no_dot_walk.store(on, Ordering::Relaxed);
    }

    /// Refuses reads of the data dictionary (`sys_dictionary`, `sys_choice`), as an
    /// instance whose ACLs keep it from the integration user does.
    pub fn set_dictionary_hidden(&self, on: bool) {
        self.inner.faults.hide_dictionary.store(on, Ordering::Relaxed);
    }

    pub fn set_hibernating(&self, on: bool) {
        self.inner.faults.hibernating.store(on, Ordering::Relaxed);
    }

    /// Changes a user's password, as when it expires or is reset.
    pub fn set_password(&self, user: &str, password: &str) {
        if let Ok(mut p) = self.inner.passwords.lock() {
            p.insert(user.to_string(), password.to_string());
        }
    }

    /// Turns single sign-on and the basic-auth restriction on or off.
    pub fn set_sign_in_policy(&self, policy: auth::Policy) {
        if let Ok(mut s) = self.inner.sign_in.lock() {
            s.policy = policy;
        }
    }

    /// Every token the instance issued to calsync's registries expires now.
    pub fn expire_instance_tokens(&self) {
        self.with_store(auth::expire_tokens);
    }

    /// The Microsoft account a browser without a sandbox cookie is signed in as.
    pub fn set_browser_session(&self, upn: Option<&str>) {
        if let Ok(mut idp) = self.inner.idp.lock() {
            idp.browser_session = upn.map(str::to_string);
        }
    }

    /// Under which platform the app registration lists `http://localhost/`.
    pub fn set_loopback_platform(&self, platform: identity::Platform) {
        if let Ok(mut idp) = self.inner.idp.lock() {
            idp.loopback_platform = platform;
        }
    }

    /// Clicks a form's UI action as the sandbox admin (Activate, Deactivate, Callback URL).
    pub fn ui_action(&self, table: &str, sys_id: &str, action: &str) -> Result<String, String> {
        let caller = {
            let store = self.inner.store();
            let user = store.first_where("sys_user", "user_name", seed::ADMIN_USER).ok_or("no admin user")?;
            store::Caller { user_id: user["sys_id"].clone(), user_name: seed::ADMIN_USER.into(), admin: true }
        };
        wcs::ui_action(&self.inner, &caller, table, sys_id, action)
    }

    pub fn requests(&self) -> u64 {
        self.inner.stats.requests.load(Ordering::SeqCst)
    }

    pub fn writes(&self) -> u64 {
        self.inner.stats.writes.load(Ordering::SeqCst)
    }

    /// Reads or changes the records directly, as a test or a seed would.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let mut guard = self.inner.store();
        let r = f(&mut guard);
        guard.save();
        r
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
