//! The command line: argument parsing, the exit-code contract, and one function per
//! command. Output for people goes to stdout; `--json` prints one JSON document instead.

pub mod apply;
pub mod authorize;
pub mod connect;
pub mod doctor;
pub mod instance;
pub mod login;
pub mod logout;
pub mod render;
pub mod sandbox;
pub mod status;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Exit codes every command keeps (DESIGN.md, command-line contract).
pub mod exit {
    pub const OK: u8 = 0;
    /// A conflict, a failed write, or findings of severity error.
    pub const FAILED: u8 = 1;
    /// Usage, plan or input error.
    pub const USAGE: u8 = 2;
    /// The instance is unreachable, is not the Table API, or refused the login.
    pub const ACCESS: u8 = 3;
    /// The wizard left on SIGINT (the signal, not the Ctrl-C key): 128 + 2.
    pub const SIGINT: u8 = 130;
    /// The wizard left on SIGHUP: 128 + 1.
    pub const SIGHUP: u8 = 129;
    /// The wizard left on SIGTERM: 128 + 15.
    pub const SIGTERM: u8 = 143;
}

#[derive(Debug, Parser)]
#[command(
    name = "calsync",
    version,
    about = "Connect ServiceNow Workplace Calendar Synchronization to Exchange Online, checked and repeatable"
)]
pub struct Cli {
    /// Instance: a saved profile's name, or an address (dev123.service-now.com, https://...)
    #[arg(long, global = true, env = "CALSYNC_INSTANCE")]
    pub instance: Option<String>,
    /// How to sign in to the instance: password, password-mfa, oauth or client-credentials
    #[arg(long, global = true, value_parser = parse_method)]
    pub sign_in: Option<crate::snow::auth::Method>,
    /// calsync's OAuth client on the instance (its Application Registry entry)
    #[arg(long, global = true)]
    pub client_id: Option<String>,
    /// Read the instance password from the first line of stdin
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// With --sandbox: single sign-on is the instance's default (no local password; shown
    /// under --sandbox, not on every command)
    #[arg(long, global = true, requires = "sandbox", hide = true)]
    pub sso: bool,
    /// Admin user name on the instance
    #[arg(long, global = true, env = "CALSYNC_USER")]
    pub user: Option<String>,
    /// Run against calsync's simulated instance on loopback instead of a real one (add
    /// --broken to start it over with the usual misconfigurations, for doctor and troubleshoot;
    /// --sso to make single sign-on its default)
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// With --sandbox: start the sandbox over with the usual misconfigurations (for doctor
    /// and troubleshoot; shown under --sandbox, not on every command)
    #[arg(long, global = true, requires = "sandbox", hide = true)]
    pub broken: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The first-time setup wizard
    Setup,
    /// Re-authorize delegated mailboxes, in the wizard (or those expiring soon)
    Reauth {
        /// Only the credentials whose instance token expires within this time (14d, 36h), headless;
        /// the new tokens are written to the instance
        #[arg(long, value_name = "DURATION")]
        expiring_within: Option<String>,
        #[command(flatten, next_help_heading = "Sign-in (with --expiring-within)")]
        sign_in: authorize::SignInOptions,
    },
    /// Troubleshoot in the wizard (the doctor's findings, fixes one key away)
    Troubleshoot,
    /// Make the instance match a plan file (shows the changes first)
    Apply {
        /// The plan (TOML); see examples/
        #[arg(long)]
        plan: PathBuf,
        /// Show the changes and stop
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },
    /// Find and explain every misconfiguration (exit 0 healthy or warnings only, 1 errors found, 2 usage or input error, 3 instance unreachable or login refused)
    Doctor {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
        /// Repair the safe findings (shown as a diff first)
        #[arg(long)]
        fix: bool,
        /// With --fix: apply without asking
        #[arg(long)]
        yes: bool,
        /// Also probe which Microsoft account the browser would use for this credential
        #[arg(long, value_name = "CREDENTIAL")]
        probe_browser: Option<String>,
        /// With --probe-browser: the delegated mailbox that should be signed in
        #[arg(long, requires = "probe_browser", value_name = "MAILBOX", value_parser = crate::cli::authorize::mailbox)]
        expect_user: Option<String>,
    },
    /// Get OAuth Token for a credential, signed in as the delegated user and checked
    Authorize(authorize::AuthorizeArgs),
    /// Serve the simulated instance on loopback until Ctrl-C
    Sandbox(sandbox::SandboxArgs),
    /// Saved instances: add, list, use (the default), remove, login
    Instance(instance::InstanceArgs),
    /// Every instance's login and every delegated credential's account, token and expiry
    Status {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },
    /// Forget an instance's secrets in the OS keyring (and revoke its token on the instance)
    Logout(logout::LogoutArgs),
}

fn parse_method(s: &str) -> Result<crate::snow::auth::Method, String> {
    crate::snow::auth::Method::parse(s).ok_or_else(|| {
        format!("\"{s}\" is not a sign-in method: use password, password-mfa, oauth or client-credentials")
    })
}

/// Refuses a write on a read-only profile before anything is sent.
fn writable(services: &crate::config::Services) -> Result<(), u8> {
    if services.config.sandbox {
        return Ok(());
    }
    match login::selected(&services.config) {
        Ok((_, Some(p))) => p.check_writable().map_err(|e| {
            eprintln!("calsync: {e}");
            exit::USAGE
        }),
        Ok((_, None)) => Ok(()),
        Err(r) => {
            eprintln!("calsync: {}", r.message);
            Err(r.code)
        }
    }
}

/// The exit code for how the wizard ended.
pub fn wizard_exit(outcome: crate::wizard::Outcome) -> u8 {
    use crate::wizard::{Outcome, Signal};
    match outcome {
        Outcome::Finished => exit::OK,
        Outcome::ApplyFailed { access: true } | Outcome::NotStarted => exit::ACCESS,
        Outcome::ApplyFailed { access: false } => exit::FAILED,
        Outcome::Signalled(Signal::Interrupt) => exit::SIGINT,
        Outcome::Signalled(Signal::Terminate) => exit::SIGTERM,
        Outcome::Signalled(Signal::Hangup) => exit::SIGHUP,
    }
}

/// Runs the parsed command line; returns the process exit code. The configuration is
/// built here, once, and every command gets it.
pub async fn run(cli: Cli) -> u8 {
    let mut config = crate::config::Config::from_env(cli.instance.clone(), cli.user.clone(), cli.sandbox, cli.broken);
    config.sign_in = cli.sign_in;
    config.client_id = cli.client_id.clone();
    config.password_stdin = cli.password_stdin;
    config.sandbox_sso = cli.sso;
    let services = crate::config::Services::system(config);
    match cli.command {
        Some(Command::Reauth { expiring_within: Some(ref w), ref sign_in }) => {
            status::reauth_expiring(&services, w, sign_in).await
        }
        Some(Command::Reauth { expiring_within: None, ref sign_in }) if !sign_in.given().is_empty() => {
            let given = sign_in.given();
            let (verb, them) = if given.len() == 1 { ("serves", "it") } else { ("serve", "them") };
            eprintln!(
                "calsync: {} {verb} the headless renewal only: add --expiring-within DURATION (14d, 36h), or leave {them} out for the wizard",
                given.join(", ")
            );
            exit::USAGE
        }
        None | Some(Command::Setup | Command::Reauth { .. } | Command::Troubleshoot) => {
            if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
                eprintln!(
                    "calsync: no terminal for the interactive setup; use the headless commands: calsync apply --plan FILE, calsync doctor, calsync authorize --credential NAME --expect-user EMAIL, calsync sandbox (see calsync --help)"
                );
                return exit::USAGE;
            }
            let journey = match cli.command {
                Some(Command::Setup) => Some(crate::wizard::Journey::Setup),
                Some(Command::Reauth { .. }) => Some(crate::wizard::Journey::Reauth),
                Some(Command::Troubleshoot) => Some(crate::wizard::Journey::Troubleshoot),
                _ => None,
            };
            let sandbox = if services.config.sandbox {
                match connect::start_sandbox(&services.config).await {
                    Ok(sb) => Some(sb),
                    Err(e) => {
                        eprintln!("calsync: {e}");
                        return wizard_exit(crate::wizard::Outcome::NotStarted);
                    }
                }
            } else {
                None
            };
            let outcome =
                crate::wizard::driver::run(crate::wizard::driver::Options { journey }, services, sandbox.as_ref())
                    .await;
            wizard_exit(outcome)
        }
        Some(Command::Apply { ref plan, dry_run, yes, json }) => {
            if !dry_run && let Err(code) = writable(&services) {
                return code;
            }
            apply::run(&services, plan, apply::Flags { dry_run, yes, json }).await
        }
        Some(Command::Doctor { json, fix, yes, probe_browser, expect_user }) => {
            if fix && let Err(code) = writable(&services) {
                return code;
            }
            doctor::run(&services, doctor::Flags { json, fix, yes, probe_browser, expect_user }).await
        }
        Some(Command::Authorize(args)) => authorize::run(&services, args).await,
        Some(Command::Sandbox(args)) => sandbox::run(args).await,
        Some(Command::Instance(ref args)) => instance::run(&services, args).await,
        Some(Command::Status { json }) => status::run(&services, json).await,
        Some(Command::Logout(ref args)) => logout::run(&services, args).await,
    }
}

/// Asks a yes/no question on the terminal; no terminal means no.
pub fn confirm(question: &str) -> bool {
    use std::io::Write;
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
