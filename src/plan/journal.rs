//! A note kept while an apply runs, so that a run killed halfway still puts the admin's
//! current application back on the next run. It holds an instance address, a user name
//! and a scope sys_id: nothing secret. The journal is cleared only when the restore
//! succeeded (`tests/apply_scripted.rs` fails the restore itself to hold it to that).

use super::apply::Prior;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    instance: String,
    user: String,
    prior: Prior,
}

pub struct Journal {
    path: PathBuf,
    instance: String,
    user: String,
}

/// Where calsync keeps its notes when `CALSYNC_STATE_DIR` does not say: the platform's
/// state directory. `Config` decides; this is its default.
pub fn default_state_dir() -> PathBuf {
    let dirs = directories::ProjectDirs::from("", "", "calsync");
    dirs.as_ref()
        .and_then(|d| d.state_dir().map(|p| p.to_path_buf()))
        .or_else(|| dirs.as_ref().map(|d| d.data_local_dir().to_path_buf()))
        .unwrap_or_else(std::env::temp_dir)
}

impl Journal {
    /// The journal of one login on one instance, kept in `state_dir`.
    pub fn for_login(state_dir: &Path, instance: &str, user: &str) -> Journal {
        let digest = Sha256::digest(format!("{instance}\n{user}").as_bytes());
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Journal { path: state_dir.join(format!("apply-{name}.json")), instance: instance.into(), user: user.into() }
    }

    /// What an interrupted run recorded, if one did.
    pub fn load(&self) -> Option<Prior> {
        let text = std::fs::read(&self.path).ok()?;
        let e: Entry = serde_json::from_slice(&text).ok()?;
        (e.instance == self.instance && e.user == self.user).then_some(e.prior)
    }

    pub fn save(&self, prior: &Prior) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let e = Entry { instance: self.instance.clone(), user: self.user.clone(), prior: prior.clone() };
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(&e).map_err(std::io::Error::other)?)?;
        std::fs::rename(tmp, &self.path)
    }

    pub fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The journal could not be kept, so nothing was written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot write calsync's state directory {path} ({reason}); nothing was written")]
pub struct JournalError {
    pub path: String,
    pub reason: String,
}

/// Applies a diff with the journal kept around it: the prior current application of an
/// interrupted run is honoured, recorded before the first switch, and cleared once it has
/// been put back. Used by `calsync apply` and the wizard alike.
pub async fn apply_journaled(
    state_dir: &Path,
    client: &dyn crate::snow::Instance,
    diff: &super::Diff,
    state: &super::InstanceState,
    progress: impl FnMut(super::apply::Progress),
) -> Result<super::apply::Report, JournalError> {
    let journal = Journal::for_login(state_dir, &client.instance().to_string(), client.user());
    let prior = journal.load();
    let record = prior.clone().unwrap_or_else(|| Prior::from_state(state));
    journal.save(&record).map_err(|e| JournalError { path: state_dir.display().to_string(), reason: e.to_string() })?;
    let report = super::apply::apply_resuming(client, diff, state, prior.as_ref(), progress).await;
    if report.restore_error.is_none() {
        journal.clear();
    }
    Ok(report)
}
