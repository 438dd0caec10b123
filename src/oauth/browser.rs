//! Opening the sign-in page. Behind a trait so journeys can be tested with a scripted
//! "person at the browser"; the real one honours `$BROWSER` (read once, into `Config`) and
//! otherwise asks the OS.
//! The browser is started without calsync's secrets in its environment: a browser (and
//! every extension and helper it starts) has no business with the instance password or
//! the client secret.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variables that carry secrets into calsync, never passed on.
pub const SECRET_VARIABLES: [&str; 2] = ["CALSYNC_PASSWORD", "CALSYNC_CLIENT_SECRET"];

/// Readies a command that starts a browser: no secrets, no terminal, its own process group
/// (so Ctrl-C at calsync's prompt does not reach it).
fn without_secrets(cmd: &mut Command) -> &mut Command {
    for v in SECRET_VARIABLES {
        cmd.env_remove(v);
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null())
}

/// Starts `cmd`; a launcher that fails at once (no desktop) is an error, one that exits
/// well or keeps running is a browser on its way. It is reaped on a thread of its own.
fn launch(cmd: &mut Command) -> Result<(), String> {
    let program = cmd.get_program().to_string_lossy().to_string();
    let mut child = without_secrets(cmd).spawn().map_err(|e| format!("could not start {program} ({e})"))?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("{program} failed ({status})")),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{program}: {e}")),
        }
    }
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The user's browser: `$BROWSER` (a command; `%s` stands for the URL) when set, else the
/// platform's opener, detached so the terminal is not held.
pub struct SystemBrowser {
    /// `$BROWSER` as the configuration read it: commands separated by `:`, the first used.
    pub command: Option<String>,
}

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        if let Some(cmd) = &self.command
            && let Some(first) = cmd.split(':').map(str::trim).find(|c| !c.is_empty())
        {
            let mut parts: Vec<String> = first.split_whitespace().map(str::to_string).collect();
            if parts.is_empty() {
                return Err("BROWSER is empty".into());
            }
            if parts.iter().any(|p| p.contains("%s")) {
                for p in parts.iter_mut() {
                    *p = p.replace("%s", url);
                }
            } else {
                parts.push(url.to_string());
            }
            return launch(Command::new(&parts[0]).args(&parts[1..]));
        }
        let mut failures = vec![];
        for mut cmd in open::commands(url) {
            match launch(&mut cmd) {
                Ok(()) => return Ok(()),
                Err(e) => failures.push(e),
            }
        }
        Err(if failures.is_empty() { "no way to open a browser is known here".into() } else { failures.join("; ") })
    }
}

/// `--no-browser`: the URL is printed and nothing is opened.
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("--no-browser was given".into())
    }
}
