//! The doctor when it cannot look: a keyring that cannot be read, a notes file that cannot
//! be read. Each is a "not checked" error, never a silent pass.

mod common;

use calsync::doctor::{self, Severity, read};
use calsync::plan;
use calsync::secret_store::{SecretStore, Secrets};
use calsync::secrets::{Account, SecretError};
use common::*;
use secrecy::SecretString;

/// A keyring that is not there.
struct NoKeyring;

impl SecretStore for NoKeyring {
    fn get(&self, _: &Account) -> Result<Option<SecretString>, SecretError> {
        Err(SecretError::Unavailable { reason: "no session bus".into() })
    }
    fn set(&self, _: &Account, _: &SecretString) -> Result<(), SecretError> {
        Err(SecretError::Unavailable { reason: "no session bus".into() })
    }
    fn delete(&self, _: &Account) -> Result<bool, SecretError> {
        Err(SecretError::Unavailable { reason: "no session bus".into() })
    }
    fn probe(&self) -> Result<(), SecretError> {
        Err(SecretError::Unavailable { reason: "no session bus".into() })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_could_not_run_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (mut services, _) = common::services(dir.path(), Person::Leaves);
    services.secrets = Secrets::new(std::sync::Arc::new(NoKeyring));
    let sb = sandbox().await;
    let c = client(&sb);
    let p = plan::parse("personal-own-alias.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    assert!(!plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await.failed());
    let snap = read::read(&c).await.unwrap();
    let opts = doctor::AccountCheck {
        instance_key: "no-keyring-test".into(),
        login_base: Some(sb.url().into()),
        graph_base: Some(sb.url().into()),
        sandbox_secret: true,
    };

    // No keyring: the token's account cannot be checked, and the doctor says so.
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    let f = found
        .iter()
        .find(|f| f.title.starts_with("not checked: which account the token of \"Contoso Graph Personal\""))
        .unwrap_or_else(|| panic!("no 'not checked' finding: {found:?}"));
    assert_eq!(f.severity, Severity::Error, "what could not be checked is not healthy");
    assert!(f.why.contains("keyring"), "{}", f.why);

    // A corrupt notes file: not read as "no notes", and left as it is.
    let notes = dir.path().join("delegates.json");
    std::fs::write(&notes, "{\"no-keyring-test\": {\"Contoso Graph Personal\": ").unwrap();
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    assert!(
        found.iter().any(|f| f.title.starts_with("not checked: which mailbox") && f.why.contains("delegates.json")),
        "{found:?}"
    );
    calsync::oauth::delegates::remember(dir.path(), "no-keyring-test", "Other", "x@contoso.com");
    assert!(std::fs::read_to_string(&notes).unwrap().ends_with(": "), "the corrupt notes file was overwritten");
    // And the report does not call the setup healthy.
    let r = doctor::report(&snap, found);
    assert!(r.findings.iter().any(|f| f.id == "NOT-CHECKED"));
    assert!(!r.healthy);
}
