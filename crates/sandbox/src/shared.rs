//! The state file, shared safely between processes. `calsync sandbox` and every
//! `--sandbox` command may hold the same file open at once; each request takes an
//! exclusive lock on `<state>.lock`, picks up what another process wrote since (the lock
//! file holds a generation number that every save raises), does its work, saves, and lets
//! go. So no process's write erases another's.
//!
//! Encrypted values never reach the file; a process keeps the ones it holds in memory
//! when it reloads records another process changed.

use super::schema::{self, Kind};
use super::store::Store;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The records of one sandbox, in memory and (optionally) in a state file.
pub struct Shared {
    store: Mutex<Store>,
    persist: Option<PathBuf>,
    /// The generation of the state file the records in memory correspond to.
    generation: AtomicU64,
}

/// The records, locked in this process and (with a state file) across processes.
pub struct Locked<'a> {
    shared: &'a Shared,
    store: MutexGuard<'a, Store>,
    lock: Option<File>,
}

fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    state.with_file_name(name)
}

fn read_generation(file: &mut File) -> u64 {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    text.trim().parse().unwrap_or(0)
}

/// Reads a state file; None when it is missing.
pub fn read_state(path: &Path) -> Result<Option<Store>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Copies encrypted values held in memory into records read back from disk, where the
/// file left them empty.
fn keep_secrets(fresh: &mut Store, old: &Store) {
    for row in fresh.rows.iter_mut() {
        let Some(id) = row.get("sys_id").cloned() else { continue };
        let Some(before) = old.find(&id) else { continue };
        let class = row.get("sys_class_name").cloned().unwrap_or_default();
        for c in schema::columns(&class) {
            if c.kind == Kind::Encrypted
                && row.get(c.name).is_none_or(String::is_empty)
                && let Some(v) = before.get(c.name).filter(|v| !v.is_empty())
            {
                row.insert(c.name.to_string(), v.clone());
            }
        }
    }
}

impl Shared {
    pub fn new(store: Store, persist: Option<PathBuf>) -> Shared {
        Shared { store: Mutex::new(store), persist, generation: AtomicU64::new(0) }
    }

    /// Takes the records; with a state file, waits for other processes to finish theirs
    /// and picks up what they wrote.
    pub fn lock(&self) -> Locked<'_> {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let lock = self.persist.as_deref().and_then(|state| {
            if let Some(dir) = state.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let mut file =
                OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock_path(state)).ok()?;
            file.lock().ok()?;
            let on_disk = read_generation(&mut file);
            if on_disk != self.generation.load(Ordering::SeqCst)
                && let Ok(Some(mut fresh)) = read_state(state)
            {
                keep_secrets(&mut fresh, &store);
                *store = fresh;
                self.generation.store(on_disk, Ordering::SeqCst);
            }
            Some(file)
        });
        Locked { shared: self, store, lock }
    }

    /// Takes the records as they are in memory, without looking at the state file: for
    /// the first save of a fresh or reset sandbox.
    pub fn lock_local(&self) -> Locked<'_> {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let lock = self.persist.as_deref().and_then(|state| {
            if let Some(dir) = state.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let file =
                OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock_path(state)).ok()?;
            file.lock().ok()?;
            Some(file)
        });
        Locked { shared: self, store, lock }
    }
}

impl Locked<'_> {
    /// Writes the records to the state file, atomically (a killed process leaves either
    /// the old or the new state), and tells other processes a new generation is there.
    pub fn save(&mut self) {
        let Some(path) = &self.shared.persist else { return };
        let Ok(text) = serde_json::to_vec(&self.store.without_secrets()) else { return };
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, path).is_err() {
            let _ = std::fs::remove_file(&tmp);
            return;
        }
        if let Some(file) = self.lock.as_mut() {
            let next = read_generation(file).max(self.shared.generation.load(Ordering::SeqCst)) + 1;
            let _ = file.set_len(0);
            let _ = file.seek(SeekFrom::Start(0));
            let _ = file.write_all(next.to_string().as_bytes());
            let _ = file.flush();
            self.shared.generation.store(next, Ordering::SeqCst);
        }
    }
}

impl Deref for Locked<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.lock.take() {
            let _ = file.unlock();
        }
    }
}
