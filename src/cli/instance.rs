//! `calsync instance add|list|use|remove|login`: saved instances, so dev, test and prod are
//! one name each. Only names, addresses and choices are written to the profiles file; the
//! password and tokens stay in the OS keyring, and `remove` forgets those too.

use super::exit;
use super::login;
use crate::config::Services;
use crate::profiles::{Profile, Profiles};
use crate::secrets::Account;
use crate::snow::InstanceExt;
use crate::snow::auth::{self, Method};
use crate::urls::InstanceUrl;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct InstanceArgs {
    #[command(subcommand)]
    pub command: InstanceCommand,
}

#[derive(Debug, Subcommand)]
pub enum InstanceCommand {
    /// Save an instance under a name (replaces one of the same name)
    Add {
        name: String,
        /// Its address: dev123, dev123.service-now.com or https://dev123.service-now.com
        #[arg(long)]
        url: Option<String>,
        /// Refuse apply and doctor --fix on this instance
        #[arg(long, conflicts_with = "writable")]
        read_only: bool,
        /// Allow writes again (clears --read-only)
        #[arg(long)]
        writable: bool,
        /// The loopback port the registry's redirect URL names (default 8750)
        #[arg(long)]
        port: Option<u16>,
        /// Make it the default instance
        #[arg(long)]
        default: bool,
        /// Create calsync's OAuth client on the instance (signs in with a password once;
        /// shows the record first)
        #[arg(long)]
        create_client: bool,
        /// With --create-client: create it without asking
        #[arg(long, requires = "create_client")]
        yes: bool,
    },
    /// The saved instances
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make a saved instance the default
    Use { name: String },
    /// Forget a saved instance and its secrets in the keyring
    Remove { name: String },
    /// Sign in now (the browser for OAuth) and keep the sign-in in the keyring
    Login {
        /// The saved instance (default: the default one)
        name: Option<String>,
        /// Print the sign-in address instead of opening a browser
        #[arg(long)]
        no_browser: bool,
    },
}

/// `instance list`: a heading row, then one row per saved instance, every column as wide
/// as its widest cell; `*` marks the default.
fn instance_table(profiles: &Profiles) -> Vec<String> {
    let mut rows = vec![["", "NAME", "INSTANCE", "USER", "SIGN-IN", "WRITES"].map(String::from)];
    for p in &profiles.instances {
        rows.push([
            if profiles.default.as_deref() == Some(p.name.as_str()) { "*" } else { "" }.to_string(),
            p.name.clone(),
            p.url.clone(),
            p.user.clone().unwrap_or_else(|| "-".into()),
            p.sign_in.map_or("auto", |m| m.as_str()).to_string(),
            if p.read_only { "read-only" } else { "allowed" }.to_string(),
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..rows[0].len()).map(width).collect();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let cells: Vec<String> = r.iter().zip(&widths).skip(1).map(|(c, w)| format!("{c:<w$}")).collect();
            format!("{:<1} {}", r[0], cells.join("  ")).trim_end().to_string()
        })
        .collect();
    if profiles.default.is_some() {
        lines.push("* the default instance (calsync instance use NAME changes it)".into());
    }
    lines
}

fn fail(message: impl std::fmt::Display, code: u8) -> u8 {
    eprintln!("calsync: {message}");
    code
}

pub async fn run(services: &Services, args: &InstanceArgs) -> u8 {
    let target = &*services.config;
    let dir = target.config_dir.clone();
    let mut profiles = match Profiles::load(&dir) {
        Ok(p) => p,
        Err(e) => return fail(e, exit::USAGE),
    };
    match &args.command {
        InstanceCommand::Add { name, url, read_only, writable, port, default, create_client, yes } => {
            let old = profiles.get(name).cloned();
            let Some(raw) = url.clone().or_else(|| old.as_ref().map(|p| p.url.clone())) else {
                return fail(
                    format!("give the address of \"{name}\": calsync instance add {name} --url dev123.service-now.com"),
                    exit::USAGE,
                );
            };
            let parsed = match InstanceUrl::parse(&raw) {
                Ok(u) => u,
                Err(e) => return fail(e, exit::USAGE),
            };
            let keep = |f: fn(&Profile) -> Option<String>| old.as_ref().and_then(f);
            let p = Profile {
                name: name.clone(),
                url: parsed.to_string(),
                user: target.user.clone().or_else(|| keep(|p| p.user.clone())),
                sign_in: target.sign_in.or_else(|| old.as_ref().and_then(|p| p.sign_in)),
                client_id: target.client_id.clone().or_else(|| keep(|p| p.client_id.clone())),
                port: port.or_else(|| old.as_ref().and_then(|p| p.port)),
                read_only: if *writable { false } else { *read_only || old.as_ref().is_some_and(|p| p.read_only) },
            };
            let mut p = p;
            if *create_client {
                match create_oauth_client(services, &parsed, p.port, *yes).await {
                    Ok(id) => {
                        p.client_id = Some(id);
                        p.sign_in = Some(Method::Oauth);
                    }
                    Err(r) => return fail(r.message, r.code),
                }
            }
            let oauth_without_client = p.sign_in == Some(Method::Oauth) && p.client_id.is_none();
            if let Err(e) = profiles.upsert(p.clone()) {
                return fail(e, exit::USAGE);
            }
            if *default {
                let _ = profiles.set_default(name);
            }
            if let Err(e) = profiles.save(&dir) {
                return fail(e, exit::USAGE);
            }
            println!(
                "Saved instance \"{name}\": {} (sign-in {}{}).",
                p.url,
                p.sign_in.map(|m| m.as_str()).unwrap_or("chosen by the instance"),
                if p.read_only { ", read-only" } else { "" }
            );
            if oauth_without_client {
                println!(
                    "Before signing in with OAuth, {}",
                    auth::registry_instructions(&p.url).replace("instance add NAME", &format!("instance add {name}"))
                );
            } else {
                println!("Sign in with: calsync instance login {name}");
            }
            exit::OK
        }
        InstanceCommand::List { json } => {
            if *json {
                let doc = serde_json::json!({"default": profiles.default, "instances": profiles.instances});
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                return exit::OK;
            }
            if profiles.instances.is_empty() {
                println!("No saved instances. Save one with: calsync instance add NAME --url dev123.service-now.com");
                return exit::OK;
            }
            for line in instance_table(&profiles) {
                println!("{line}");
            }
            exit::OK
        }
        InstanceCommand::Use { name } => {
            if let Err(e) = profiles.set_default(name) {
                return fail(e, exit::USAGE);
            }
            if let Err(e) = profiles.save(&dir) {
                return fail(e, exit::USAGE);
            }
            println!("The default instance is now \"{name}\".");
            exit::OK
        }
        InstanceCommand::Remove { name } => {
            let p = match profiles.remove(name) {
                Ok(p) => p,
                Err(e) => return fail(e, exit::USAGE),
            };
            if let Err(e) = profiles.save(&dir) {
                return fail(e, exit::USAGE);
            }
            let forgotten = forget(services, &p, &profiles).await;
            println!("Removed instance \"{name}\"{forgotten}.");
            exit::OK
        }
        InstanceCommand::Login { name, no_browser } => {
            let t = login::adjusted(services, |c| {
                c.no_browser = *no_browser;
                if name.is_some() {
                    c.instance = name.clone();
                }
            });
            if t.config.sandbox {
                return match super::connect::connect(&t).await {
                    Ok(c) => {
                        println!("Signed in to the sandbox as {}.", c.client.user());
                        exit::OK
                    }
                    Err(r) => fail(r.message, r.code),
                };
            }
            login_now(&t).await
        }
    }
}

/// Signs in afresh: the browser for OAuth (replacing a kept token), else the usual login.
/// With no sign-in saved, the instance's own sign-in page decides, as for every command.
async fn login_now(t: &Services) -> u8 {
    let plan = match login::plan(&t.config) {
        Ok(p) => p,
        Err(r) => return fail(r.message, r.code),
    };
    let key = plan.url.key();
    let method = match login::method_for(&plan).await {
        Ok(m) => m,
        Err(r) => return fail(r.message, r.code),
    };
    if method == Method::Oauth {
        let oc = match login::oauth_client(t, &plan, &key, true).await {
            Ok(c) => c,
            Err(r) => return fail(r.message, r.code),
        };
        return match login::browser_login(t, &plan, &key, &oc).await {
            Ok(_) => exit::OK,
            Err(r) => fail(r.message, r.code),
        };
    }
    match super::connect::connect(t).await {
        Ok(c) => {
            println!("Signed in to {} as {}.", c.client.instance(), c.client.user());
            // How to get the prompt that offers the keyring: without the source that
            // stood in for it this time.
            if method.sends_password()
                && let Some((source, way)) = if t.config.password.is_some() {
                    Some(("CALSYNC_PASSWORD", "unset CALSYNC_PASSWORD, then run"))
                } else if t.config.password_stdin {
                    Some(("--password-stdin", "run, without --password-stdin,"))
                } else {
                    None
                }
            {
                println!(
                    "The password from {source} was used for this sign-in only: calsync does not keep it, so the next command needs it again. To keep it in the OS keyring, {way} calsync instance login{} in a terminal, type it and answer y.",
                    plan.profile.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
                );
            }
            super::connect::offer_to_keep(t, c.typed_password).await;
            exit::OK
        }
        Err(r) => fail(r.message, r.code),
    }
}

/// Deletes a removed profile's secrets from the keyring; says which. The password is kept per
/// host and user, so while another saved profile (`rest`) signs in as the same user on the
/// same host, it stays, and the sentence names the profiles that still use it.
pub async fn forget(services: &Services, p: &Profile, rest: &Profiles) -> String {
    let Ok(url) = p.instance_url() else { return String::new() };
    let mut accounts = vec![Account::InstanceToken { instance: url.key(), login: p.name.clone() }];
    let mut kept = String::new();
    if let Some(u) = &p.user {
        let account = Account::InstancePassword { instance: url.key(), user: u.clone() };
        let sharing: Vec<String> = rest
            .instances
            .iter()
            .filter(|o| o.user.as_deref() == Some(u.as_str()) && o.instance_url().is_ok_and(|ou| ou.key() == url.key()))
            .map(|o| format!("\"{}\"", o.name))
            .collect();
        if sharing.is_empty() {
            accounts.push(account);
        } else if let Ok(Some(_)) = services.secrets.get(&account).await {
            kept = format!(
                "; the password {} stays in the OS keyring, as {} still signs in with it",
                account.key(),
                sharing.join(", ")
            );
        }
    }
    let mut gone = vec![];
    for a in accounts {
        if let Ok(true) = services.secrets.delete(&a).await {
            gone.push(a.key());
        }
    }
    let forgot =
        if gone.is_empty() { String::new() } else { format!(" and forgot {} in the OS keyring", gone.join(", ")) };
    format!("{forgot}{kept}")
}

/// Creates calsync's entry in the instance's Application Registry ("OAuth API endpoint for
/// external clients") with a password sign-in, after showing it; its secret is made here
/// and kept in the keyring. An entry that already exists is reused, never changed.
async fn create_oauth_client(
    services: &Services,
    url: &InstanceUrl,
    port: Option<u16>,
    yes: bool,
) -> Result<String, super::connect::Refusal> {
    use super::connect::Refusal;
    use crate::snow::Query;
    use base64::Engine;
    use secrecy::SecretString;
    let refuse = |m: String, code| Refusal { message: m, code };
    let s = login::adjusted(services, |c| {
        c.instance = Some(url.to_string());
        c.sign_in = Some(Method::Password);
    });
    let conn = super::connect::connect(&s).await?;
    let redirect = format!("http://localhost:{}/", port.unwrap_or(crate::facts::INSTANCE_OAUTH_PORT));
    let q = Query::new()
        .eq("name", crate::facts::INSTANCE_REGISTRY_NAME)
        .and_then(|q| q.eq("type", crate::facts::INSTANCE_REGISTRY_TYPE))
        .map_err(|e| refuse(e.to_string(), exit::USAGE))?;
    let found: Vec<serde_json::Value> = conn
        .client
        .list("oauth_entity", &q, &["sys_id", "client_id", "redirect_url"])
        .await
        .map_err(|e| refuse(e.to_string(), exit::ACCESS))?;
    if let Some(e) = found.first() {
        let id = crate::snow::records::plain(&e["client_id"]);
        println!(
            "{url} already has calsync's OAuth client ({id}); calsync uses it. Keep its Client Secret with CALSYNC_INSTANCE_CLIENT_SECRET, or in the keyring through calsync instance login."
        );
        return Ok(id);
    }
    println!("calsync will create on {url}, in the Application Registry (oauth_entity):");
    println!(
        "  name {}  type {}  redirect_url {redirect}  active true",
        crate::facts::INSTANCE_REGISTRY_NAME,
        crate::facts::INSTANCE_REGISTRY_TYPE
    );
    println!("  client_id and client_secret made by calsync; the secret goes to the OS keyring only");
    if !yes && !super::confirm("Create it?") {
        return Err(refuse("the OAuth client was not created; nothing was written".into(), exit::USAGE));
    }
    let hex: String = rand_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    let secret = SecretString::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand_bytes::<32>()));
    let body = serde_json::json!({
        "name": crate::facts::INSTANCE_REGISTRY_NAME,
        "type": crate::facts::INSTANCE_REGISTRY_TYPE,
        "client_id": hex,
        "redirect_url": redirect,
        "active": "true",
    });
    let row: serde_json::Value =
        conn.client.insert("oauth_entity", &body).await.map_err(|e| refuse(e.to_string(), exit::FAILED))?;
    let sys_id = crate::snow::records::plain(&row["sys_id"]);
    use secrecy::ExposeSecret;
    let _: serde_json::Value = conn
        .client
        .update_encrypted("oauth_entity", &sys_id, &serde_json::json!({ "client_secret": secret.expose_secret() }))
        .await
        .map_err(|e| {
            refuse(format!("created the OAuth client {hex}, but its secret could not be set: {e}"), exit::FAILED)
        })?;
    let account = Account::ClientSecret { instance: url.key(), client_id: hex.clone() };
    services.secrets.set(&account, &secret).await.map_err(|e| {
        refuse(
            format!(
                "created the OAuth client {hex}, but its secret could not be kept ({e}); set a new one on its form"
            ),
            exit::FAILED,
        )
    })?;
    println!("Created calsync's OAuth client {hex}: {}", url.form_link("oauth_entity", &sys_id));
    Ok(hex)
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    rand::random()
}
