//! `calsync sandbox`: the simulated instance on its own, until Ctrl-C.

use super::exit;
use crate::sandbox::{self, Sandbox, seed};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Start again from a fresh instance, forgetting earlier changes
    #[arg(long)]
    pub reset: bool,
    /// Start again from an instance with the usual misconfigurations, for calsync doctor
    #[arg(long)]
    pub broken: bool,
    /// Start again from an instance that spells the calendar provider's and retry policy's
    /// columns differently (its data dictionary says how)
    #[arg(long)]
    pub renamed_columns: bool,
    /// Where the records are kept between runs
    #[arg(long, env = "CALSYNC_SANDBOX_STATE")]
    pub state: Option<PathBuf>,
    /// Delay every answer by this many milliseconds
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Answer every Nth request with HTTP 429
    #[arg(long, default_value_t = 0)]
    pub rate_limit_every: u64,
    /// The Retry-After (seconds) sent with a 429
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Answer every Nth request with HTTP 503
    #[arg(long, default_value_t = 0)]
    pub unavailable_every: u64,
    /// Serve the "instance is hibernating" page to every request
    #[arg(long)]
    pub hibernate: bool,
    /// Make single sign-on the default: login.do redirects to the identity provider
    #[arg(long)]
    pub sso: bool,
    /// Enforce the basic-authentication restriction (Brazil release)
    #[arg(long)]
    pub restrict_basic: bool,
    /// Print the MFA admin's current one-time code and exit (its authenticator app)
    #[arg(long)]
    pub mfa_code: bool,
    // The sandbox is its own instance, so the global --instance, --user and --sandbox do
    // not apply: these hidden twins keep them out of `calsync sandbox --help`.
    #[arg(long, hide = true)]
    pub instance: Option<String>,
    #[arg(long, hide = true)]
    pub user: Option<String>,
    #[arg(long, hide = true)]
    pub sandbox: bool,
}

pub async fn run(args: SandboxArgs) -> u8 {
    if args.mfa_code {
        println!("{}", crate::sandbox::auth::mfa_code(crate::sandbox::auth::MFA_ADMIN_USER));
        return exit::OK;
    }
    let state = args.state.clone().unwrap_or_else(sandbox::default_state_path);
    let sb = match Sandbox::start(sandbox::Options {
        port: args.port,
        state: Some(state.clone()),
        reset: args.reset || args.broken || args.renamed_columns,
        seed: if args.broken { seed::Seed::Broken } else { seed::Seed::Healthy },
        columns: if args.renamed_columns {
            sandbox::schema::Columns::Renamed
        } else {
            sandbox::schema::Columns::Documented
        },
        sign_in: sandbox::auth::Policy { sso: args.sso, basic_restricted: args.restrict_basic },
    })
    .await
    {
        Ok(s) => s,
        Err(e @ sandbox::SandboxError::Bind { .. }) => {
            eprintln!("calsync: {e}; try another --port (0 picks a free one)");
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("calsync: {e}");
            return exit::USAGE;
        }
    };
    sb.set_latency_ms(args.latency_ms);
    sb.set_rate_limit(args.rate_limit_every, args.retry_after);
    sb.set_unavailable_every(args.unavailable_every);
    sb.set_hibernating(args.hibernate);
    println!("calsync sandbox instance is running.");
    println!("  Instance  {}", sb.url());
    println!("  User      {}", seed::ADMIN_USER);
    println!("  Password  {}  (a simulation's password, not a secret)", seed::ADMIN_PASSWORD);
    println!("  State     {}", state.display());
    print_sign_ins(sb.url());
    println!();
    println!("Its simulated Microsoft sign-in answers on the same address (tenant {}):", seed::TENANT_ID);
    println!("  Client secret  {}  (app {})", crate::sandbox::identity::CLIENT_SECRET, seed::CLIENT_ID);
    for u in crate::sandbox::identity::USERS {
        let note =
            if u.upn == "it-admin@contoso.com" { "  <- the browser is already signed in as this one" } else { "" };
        println!("  Account        {} / {}{note}", u.upn, u.password);
    }
    println!("Its Exchange Online room mailboxes (Graph /v1.0/users/{{room}}/calendar):");
    for m in crate::sandbox::graph::MAILBOXES.iter().filter(|m| m.room) {
        let note = match (m.block, m.delegates.iter().any(|(d, _)| *d == "rooms-delegate@contoso.com")) {
            (crate::sandbox::graph::Block::ODataDisabled, _) => "  <- \"Access to OData is disabled\"",
            (_, false) => "  <- rooms-delegate@contoso.com is not its delegate",
            _ => "",
        };
        println!("  Room           {}{note}", m.address);
    }
    println!("  (the location Annapurna has no mailbox; Fuji has no email)");
    println!();
    println!("Try, in another terminal:");
    println!(
        "  export CALSYNC_INSTANCE={url} CALSYNC_USER={} CALSYNC_PASSWORD={} CALSYNC_LOGIN_URL={url} CALSYNC_GRAPH_URL={url} CALSYNC_CLIENT_SECRET='{}'",
        seed::ADMIN_USER,
        seed::ADMIN_PASSWORD,
        crate::sandbox::identity::CLIENT_SECRET,
        url = sb.url()
    );
    println!("  calsync apply --plan examples/personal-own-alias.toml --yes");
    // Without --store-on-instance the token stays in the keyring and the instance has none.
    println!(
        "  calsync authorize --credential \"Contoso Graph Personal\" --expect-user rooms-delegate@contoso.com --store-on-instance"
    );
    println!("Press Ctrl-C to stop.");
    wait_for_stop().await;
    sb.stop().await;
    println!("Sandbox stopped; its records are kept in {}.", state.display());
    exit::OK
}

/// The other ways to sign in to the sandbox instance (see `calsync instance add`).
fn print_sign_ins(url: &str) {
    use crate::sandbox::auth;
    println!(
        "  SSO admin {} (signs in at the identity provider as {}, no local password)",
        auth::SSO_ADMIN_USER,
        auth::SSO_ADMIN_EMAIL
    );
    println!(
        "  MFA admin {} / {}, then the current one-time code: calsync sandbox --mfa-code ({url})",
        auth::MFA_ADMIN_USER,
        auth::MFA_ADMIN_PASSWORD
    );
    println!(
        "  OAuth     client {} (secret {}), redirect {}",
        auth::INSTANCE_CLIENT_ID,
        auth::INSTANCE_CLIENT_SECRET,
        auth::INSTANCE_REDIRECT
    );
    println!("  CI        client {} (secret {}), client credentials", auth::CI_CLIENT_ID, auth::CI_CLIENT_SECRET);
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
