//! Which mailbox each credential was last signed in as, so re-authorizing needs no typing.
//! A note in calsync's state directory: instance, credential name, email. Nothing secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Notes = BTreeMap<String, BTreeMap<String, String>>;

fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("delegates.json")
}

fn read(state_dir: &Path) -> Notes {
    std::fs::read(path(state_dir)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Credential name to delegated user, for one instance.
pub fn load(state_dir: &Path, instance: &str) -> BTreeMap<String, String> {
    read(state_dir).remove(instance).unwrap_or_default()
}

pub fn remember(state_dir: &Path, instance: &str, credential: &str, user: &str) {
    let mut notes = read(state_dir);
    notes.entry(instance.to_string()).or_default().insert(credential.to_string(), user.to_string());
    let p = path(state_dir);
    if let Some(dir) = p.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_vec_pretty(&notes) {
        let tmp = p.with_extension("tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(tmp, p);
        }
    }
}
