//! Helpers shared by the integration tests: an in-memory sandbox and a client for it.
#![allow(dead_code)]

pub mod instance;
pub mod mailboxes;

use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::{Client, RetryPolicy};
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Duration;

pub async fn sandbox() -> Sandbox {
    Sandbox::start(sandbox::Options::default()).await.expect("sandbox starts")
}

pub fn client(sb: &Sandbox) -> Client {
    client_as(sb, seed::ADMIN_USER, seed::ADMIN_PASSWORD)
}

pub fn client_as(sb: &Sandbox, user: &str, password: &str) -> Client {
    let url = InstanceUrl::parse(sb.url()).expect("loopback URL");
    Client::new(url, user, SecretString::from(password.to_string())).expect("client builds").with_retry(RetryPolicy {
        attempts: 5,
        max_wait: Duration::from_secs(3),
        base_wait: Duration::from_millis(20),
    })
}

/// Rows of a table whose column has a value, straight from the sandbox's store.
pub fn count(sb: &Sandbox, table: &str, column: &str, value: &str) -> usize {
    sb.with_store(|s| s.scan(table).filter(|r| r.get(column).map(String::as_str) == Some(value)).count())
}

pub fn row(sb: &Sandbox, table: &str, column: &str, value: &str) -> Option<std::collections::BTreeMap<String, String>> {
    sb.with_store(|s| s.first_where(table, column, value).cloned())
}

pub fn example(name: &str) -> String {
    let path = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A scripted person at the browser: what they do with the sign-in page.
#[derive(Debug, Clone)]
pub enum Person {
    /// Types this account's email and password when asked.
    SignsInAs(&'static str, &'static str),
    /// Clicks Cancel on the sign-in page.
    Cancels,
    /// Never comes back (closed the browser).
    Leaves,
    /// Like SignsInAs, but first sends the listener forged and stray requests.
    NoisyThenSignsInAs(&'static str, &'static str),
}

pub struct ScriptedBrowser {
    pub person: Person,
    /// The sandbox cookie the browser holds, if any ("-" = signed out).
    pub cookie: Option<String>,
    pub opened: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ScriptedBrowser {
    pub fn new(person: Person) -> Self {
        ScriptedBrowser { person, cookie: None, opened: std::sync::Arc::default() }
    }
}

impl calsync::oauth::browser::Browser for ScriptedBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_string());
        let (url, person, cookie) = (url.to_string(), self.person.clone(), self.cookie.clone());
        tokio::runtime::Handle::current().spawn(async move { browse(url, person, cookie).await });
        Ok(())
    }
}

fn field(page: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    page.split(&key).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_string()
}

/// Plays the person: loads the sign-in page, answers it, and follows the redirect back.
pub async fn browse(url: String, person: Person, cookie: Option<String>) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let with_cookie = |r: reqwest::RequestBuilder| match &cookie {
        Some(c) => r.header("Cookie", format!("sbx_session={c}")),
        None => r,
    };
    let Ok(resp) = with_cookie(http.get(&url)).send().await else { return };
    let location =
        |r: &reqwest::Response| r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    let back = if resp.status().as_u16() == 302 {
        location(&resp)
    } else {
        let page = resp.text().await.unwrap_or_default();
        let base: String = url.split('/').take(3).collect::<Vec<_>>().join("/");
        let action = page.split("action=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_string();
        let txn = field(&page, "txn");
        let form: Vec<(&str, String)> = match &person {
            Person::Leaves => return,
            Person::Cancels => vec![("txn", txn), ("action", "cancel".into())],
            Person::SignsInAs(u, p) | Person::NoisyThenSignsInAs(u, p) => {
                vec![("txn", txn), ("login", u.to_string()), ("passwd", p.to_string()), ("action", "signin".into())]
            }
        };
        let Ok(r) = with_cookie(http.post(format!("{base}{action}")).form(&form)).send().await else { return };
        location(&r)
    };
    let Some(back) = back else { return };
    if let Person::NoisyThenSignsInAs(..) = person {
        let forged = regex_free_replace_state(&back, "forged-state");
        let _ = http.get(&forged).send().await;
        let no_state: String = back.split('&').filter(|p| !p.starts_with("state=")).collect::<Vec<_>>().join("&");
        let _ = http.get(&no_state).send().await;
        let origin: String = back.split('/').take(3).collect::<Vec<_>>().join("/");
        let _ = http.get(format!("{origin}/favicon.ico")).send().await;
        let _ = http.get(&back).header("Host", "evil.example:80").send().await;
    }
    let _ = http.get(&back).send().await;
}

fn regex_free_replace_state(url: &str, state: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let q: Vec<String> = query
        .split('&')
        .map(|p| if p.starts_with("state=") { format!("state={state}") } else { p.to_string() })
        .collect();
    format!("{base}?{}", q.join("&"))
}

/// The registry of the sandbox's app, with Microsoft's login host pointed at the sandbox.
pub fn sandbox_registry(sb: &Sandbox) -> calsync::oauth::flow::Registry {
    calsync::oauth::flow::Registry {
        client_id: seed::CLIENT_ID.to_string(),
        auth_url: format!("{}/{}/oauth2/v2.0/authorize", sb.url(), seed::TENANT_ID),
        token_url: format!("{}/{}/oauth2/v2.0/token", sb.url(), seed::TENANT_ID),
    }
}

/// The collaborators of a journey under test: nothing from the environment, the state in
/// `dir`, secrets in memory (returned too, to look inside), a scripted person at the browser.
pub fn services(
    dir: &std::path::Path,
    person: Person,
) -> (calsync::config::Services, std::sync::Arc<calsync::secret_store::Memory>) {
    let memory = std::sync::Arc::new(calsync::secret_store::Memory::default());
    let s = calsync::config::Services {
        config: std::sync::Arc::new(calsync::config::Config::isolated(dir)),
        secrets: calsync::secret_store::Secrets::new(memory.clone()),
        browser: std::sync::Arc::new(ScriptedBrowser::new(person)),
        clock: std::sync::Arc::new(calsync::clock::SystemClock),
    };
    (s, memory)
}

/// The OS store calsync itself would use in this environment (CALSYNC_KEYRING, the
/// session bus), as its configuration chooses it.
pub fn os_keyring() -> calsync::secrets::Backend {
    calsync::config::Config::from_env(None, None, false, false).keyring
}
