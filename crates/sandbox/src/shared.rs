//! The state file, shared safely between processes. `calsync sandbox` and every
//! `--sandbox` command may hold the same file open at once; each request takes an
//! exclusive lock on `<state>.lock`, picks up what another process wrote since (the lock
//! file holds a generation number that every save raises), does its work, saves, and lets
//! go. So no process's write erases another's.
//!
//! A Batch API call is one unit under the caller's session, as on an instance: it takes
//! the file lock and picks up the file once, its items run one after another on the
//! records in memory (each still answered on its own, a failed one undoing nothing), and
//! the records are saved once when the last item is done. Other requests to the same
//! sandbox go on between its items, on the same records; another process waits for the
//! batch to finish.
//!
//! Encrypted values never reach the file; a process keeps the ones it holds in memory
//! when it reloads records another process changed.
//!
//! Starting the file over (a reset, a broken seed) would erase what the other processes
//! serve, so it is refused while any other sandbox holds the file: each running sandbox
//! holds a shared lock on `<state>.in-use` for its whole life (`Tenancy`), and one that
//! starts over must first get that lock alone.

use super::schema::{self, Kind};
use super::store::Store;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The records of one sandbox, in memory and (optionally) in a state file.
pub struct Shared {
    records: Mutex<Records>,
    persist: Option<PathBuf>,
    /// The generation of the state file the records in memory correspond to.
    generation: AtomicU64,
}

struct Records {
    store: Store,
    /// Set while a batch runs: it holds the file lock for all its items.
    batch: Option<Held>,
}

struct Held {
    /// The lock file, locked (None without a state file).
    file: Option<File>,
    /// Batches running at once in this process share the one lock.
    depth: usize,
    /// Some item wrote: the records are saved when the batch ends.
    dirty: bool,
}

/// The records, locked in this process and (with a state file) across processes.
pub struct Locked<'a> {
    shared: &'a Shared,
    records: MutexGuard<'a, Records>,
    lock: Option<File>,
}

/// A batch under way: until it is dropped, the state file stays locked for this process
/// and saves wait for its end.
pub struct Batch<'a> {
    shared: &'a Shared,
}

fn lock_path(state: &Path) -> PathBuf {
    beside(state, ".lock")
}

fn beside(state: &Path, suffix: &str) -> PathBuf {
    let mut name = state.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    state.with_file_name(name)
}

/// A running sandbox's hold on its state file: a shared lock on `<state>.in-use`, let go
/// when the sandbox (or its process) ends.
#[derive(Debug)]
pub struct Tenancy {
    file: File,
}

#[derive(Debug)]
pub enum HoldError {
    /// Another sandbox holds the file, and this one would start it over.
    InUse,
    Io(std::io::Error),
}

impl Tenancy {
    /// Takes the state file for a sandbox: shared with every other sandbox when it
    /// continues the records; alone when it starts them over, and refused (at once, not
    /// waiting) while any other holds them.
    pub fn hold(state: &Path, start_over: bool) -> Result<Tenancy, HoldError> {
        if let Some(dir) = state.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(beside(state, ".in-use"))
            .map_err(HoldError::Io)?;
        if start_over {
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(HoldError::InUse),
                Err(TryLockError::Error(e)) => return Err(HoldError::Io(e)),
            }
        } else {
            file.lock_shared().map_err(HoldError::Io)?;
        }
        Ok(Tenancy { file })
    }

    /// After starting over: shares the file with the sandboxes that come next.
    pub fn share(&self) {
        let _ = self.file.lock_shared();
    }
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
        Shared { records: Mutex::new(Records { store, batch: None }), persist, generation: AtomicU64::new(0) }
    }

    fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens and locks the lock file; with `reload`, picks up what other processes wrote
    /// since this one last looked.
    fn lock_file(&self, store: &mut Store, reload: bool) -> Option<File> {
        let state = self.persist.as_deref()?;
        if let Some(dir) = state.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock_path(state)).ok()?;
        file.lock().ok()?;
        if reload {
            let on_disk = read_generation(&mut file);
            if on_disk != self.generation.load(Ordering::SeqCst)
                && let Ok(Some(mut fresh)) = read_state(state)
            {
                keep_secrets(&mut fresh, store);
                *store = fresh;
                self.generation.store(on_disk, Ordering::SeqCst);
            }
        }
        Some(file)
    }

    /// Takes the records; with a state file, waits for other processes to finish theirs
    /// and picks up what they wrote. Inside a batch the batch holds the file already.
    pub fn lock(&self) -> Locked<'_> {
        let mut records = self.records();
        let lock = if records.batch.is_some() { None } else { self.lock_file(&mut records.store, true) };
        Locked { shared: self, records, lock }
    }

    /// Takes the records as they are in memory, without looking at the state file: for
    /// the first save of a fresh or reset sandbox.
    pub fn lock_local(&self) -> Locked<'_> {
        let mut records = self.records();
        let lock = if records.batch.is_some() { None } else { self.lock_file(&mut records.store, false) };
        Locked { shared: self, records, lock }
    }

    /// Starts a batch: locks the state file and picks it up once for all its items.
    pub fn begin_batch(&self) -> Batch<'_> {
        let mut records = self.records();
        match records.batch.as_mut() {
            Some(held) => held.depth += 1,
            None => {
                let file = self.lock_file(&mut records.store, true);
                records.batch = Some(Held { file, depth: 1, dirty: false });
            }
        }
        Batch { shared: self }
    }

    /// Writes the records to the state file, atomically (a killed process leaves either
    /// the old or the new state), and tells other processes a new generation is there.
    fn write(&self, store: &Store, file: Option<&mut File>) {
        let Some(path) = &self.persist else { return };
        let Ok(text) = serde_json::to_vec(&store.without_secrets()) else { return };
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, path).is_err() {
            let _ = std::fs::remove_file(&tmp);
            return;
        }
        if let Some(file) = file {
            let next = read_generation(file).max(self.generation.load(Ordering::SeqCst)) + 1;
            let _ = file.set_len(0);
            let _ = file.seek(SeekFrom::Start(0));
            let _ = file.write_all(next.to_string().as_bytes());
            let _ = file.flush();
            self.generation.store(next, Ordering::SeqCst);
        }
    }
}

impl Locked<'_> {
    /// Saves the records (inside a batch, once, when the batch ends).
    pub fn save(&mut self) {
        let records = &mut *self.records;
        if let Some(held) = records.batch.as_mut() {
            held.dirty = true;
            return;
        }
        self.shared.write(&records.store, self.lock.as_mut());
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let mut records = self.shared.records();
        let records = &mut *records;
        let Some(held) = records.batch.as_mut() else { return };
        held.depth -= 1;
        if held.depth > 0 {
            return;
        }
        let Some(mut held) = records.batch.take() else { return };
        if held.dirty {
            self.shared.write(&records.store, held.file.as_mut());
        }
        if let Some(file) = held.file.take() {
            let _ = file.unlock();
        }
    }
}

impl Deref for Locked<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.records.store
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.records.store
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.lock.take() {
            let _ = file.unlock();
        }
    }
}
