//! `calsync logout [--revoke]`: forgets an instance's secrets in the OS keyring (the
//! password and calsync's instance token), and with `--revoke` first revokes that token on
//! the instance, so no copy of it works anywhere. `--credentials` also forgets the
//! delegated mailboxes' refresh tokens calsync kept for that instance (after a delegate's
//! password reset, sign them in again with `calsync reauth`).

use super::exit;
use super::login;
use crate::config::Services;
use crate::secrets::Account;
use crate::snow::auth;
use clap::Args;

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Revoke calsync's token on the instance before forgetting it
    #[arg(long)]
    pub revoke: bool,
    /// Also forget the delegated mailboxes' refresh tokens kept for this instance
    #[arg(long)]
    pub credentials: bool,
}

pub async fn run(services: &Services, args: &LogoutArgs) -> u8 {
    if services.config.sandbox {
        // The sandbox's sign-in is kept under one name; its password is no secret.
        let a = Account::InstanceToken { instance: "sandbox".into(), login: "sandbox".into() };
        return match services.secrets.delete(&a).await {
            Ok(true) => {
                println!("Forgot in the OS keyring: {}.", a.key());
                exit::OK
            }
            Ok(false) => {
                println!("Nothing was kept in the OS keyring for the sandbox.");
                exit::OK
            }
            Err(e) => {
                eprintln!("calsync: {e}");
                exit::USAGE
            }
        };
    }
    let plan = match login::plan(&services.config) {
        Ok(p) => p,
        Err(r) => {
            eprintln!("calsync: {}", r.message);
            return r.code;
        }
    };
    let key = plan.url.key();
    let token_account = plan.token_account(&key);
    let mut forgotten = vec![];
    if args.revoke {
        match services.secrets.get(&token_account).await {
            Ok(Some(token)) => {
                let oc = match login::oauth_client(services, &plan, &key, true).await {
                    Ok(c) => c,
                    Err(r) => {
                        eprintln!("calsync: {}; nothing was forgotten", r.message);
                        return r.code;
                    }
                };
                if let Err(e) = auth::revoke(&plan.url, &oc, &token).await {
                    eprintln!(
                        "calsync: the instance did not revoke the token ({e}); nothing was forgotten. Run again, or revoke it under System OAuth > Manage Tokens"
                    );
                    return exit::ACCESS;
                }
                println!("Revoked calsync's token on {}.", plan.url);
            }
            Ok(None) => println!("No instance token is kept for {}; nothing to revoke.", plan.url),
            Err(e) => {
                eprintln!("calsync: {e}");
                return exit::USAGE;
            }
        }
    }
    let mut accounts = vec![token_account];
    if let Some(u) = &plan.user {
        accounts.push(Account::InstancePassword { instance: key.clone(), user: u.clone() });
    }
    if args.credentials {
        for credential in crate::oauth::delegates::load(&services.config.state_dir, &key).keys() {
            accounts.push(Account::RefreshToken { instance: key.clone(), credential: credential.clone() });
        }
    }
    for a in accounts {
        match services.secrets.delete(&a).await {
            Ok(true) => forgotten.push(a.key()),
            Ok(false) => {}
            Err(e) => {
                eprintln!("calsync: {e}");
                return exit::USAGE;
            }
        }
    }
    if forgotten.is_empty() {
        println!("Nothing was kept in the OS keyring for {}.", plan.url);
    } else {
        println!("Forgot in the OS keyring: {}.", forgotten.join(", "));
    }
    exit::OK
}
