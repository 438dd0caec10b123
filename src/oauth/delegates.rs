//! Which mailbox each credential was last signed in as, so re-authorizing needs no typing.
//! A note in calsync's state directory: instance, credential name, email. Nothing secret.
//!
//! A notes file that cannot be read as notes is an error, never an empty set of notes, and
//! it is never overwritten: the next sign-in would otherwise erase every other note in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Notes = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotesError {
    #[error(
        "the notes of which mailbox each credential was signed in as, {path}, cannot be read ({reason}); calsync leaves it as it is. Repair its JSON, or move it away and calsync starts a new one at the next sign-in"
    )]
    Unreadable { path: String, reason: String },
    #[error("the notes of which mailbox each credential was signed in as could not be written to {path} ({reason})")]
    Unwritable { path: String, reason: String },
}

fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("delegates.json")
}

fn read(state_dir: &Path) -> Result<Notes, NotesError> {
    let p = path(state_dir);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Notes::new()),
        Err(e) => return Err(NotesError::Unreadable { path: p.display().to_string(), reason: e.to_string() }),
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| NotesError::Unreadable { path: p.display().to_string(), reason: e.to_string() })
}

/// Credential name to delegated user, for one instance; an unreadable notes file is an error.
pub fn try_load(state_dir: &Path, instance: &str) -> Result<BTreeMap<String, String>, NotesError> {
    Ok(read(state_dir)?.remove(instance).unwrap_or_default())
}

/// Credential name to delegated user, for one instance, for callers that only pre-fill
/// from it (an unreadable file gives nothing to pre-fill; `try_load` says why).
pub fn load(state_dir: &Path, instance: &str) -> BTreeMap<String, String> {
    try_load(state_dir, instance).unwrap_or_default()
}

/// Notes that `credential` was signed in as `user`. Refuses, and writes nothing, when the
/// existing file cannot be read.
pub fn note(state_dir: &Path, instance: &str, credential: &str, user: &str) -> Result<(), NotesError> {
    let mut notes = read(state_dir)?;
    notes.entry(instance.to_string()).or_default().insert(credential.to_string(), user.to_string());
    let p = path(state_dir);
    let unwritable = |e: String| NotesError::Unwritable { path: p.display().to_string(), reason: e };
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| unwritable(e.to_string()))?;
    }
    let text = serde_json::to_vec_pretty(&notes).map_err(|e| unwritable(e.to_string()))?;
    let tmp = p.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| unwritable(e.to_string()))?;
    std::fs::rename(&tmp, &p).map_err(|e| unwritable(e.to_string()))
}

/// `note`, for callers with nowhere to report a failure (the doctor reports an unreadable
/// notes file on its own).
pub fn remember(state_dir: &Path, instance: &str, credential: &str, user: &str) {
    let _ = note(state_dir, instance, credential, user);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_notes_file_is_an_error_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(try_load(d, "i"), Ok(BTreeMap::new()), "no file yet: no notes");
        note(d, "i", "Cred A", "a@contoso.com").unwrap();
        assert_eq!(try_load(d, "i").unwrap()["Cred A"], "a@contoso.com");
        let file = d.join("delegates.json");
        let corrupt = b"{\"i\": {\"Cred A\": \"a@contoso.com\", \"Cred B\": ";
        std::fs::write(&file, corrupt).unwrap();
        let e = try_load(d, "i").unwrap_err();
        assert!(e.to_string().contains("cannot be read") && e.to_string().contains("delegates.json"), "{e}");
        assert!(matches!(note(d, "i", "Cred C", "c@contoso.com"), Err(NotesError::Unreadable { .. })));
        remember(d, "i", "Cred C", "c@contoso.com");
        assert_eq!(std::fs::read(&file).unwrap(), corrupt, "the corrupt file was overwritten");
    }
}
