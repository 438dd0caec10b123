//! Opening the sign-in page. Behind a trait so journeys can be tested with a scripted
//! "person at the browser"; the real one honours `$BROWSER` and otherwise asks the OS.

pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The user's browser: `$BROWSER` (a command; `%s` stands for the URL) when set, else the
/// platform's opener, detached so the terminal is not held.
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        if let Ok(cmd) = std::env::var("BROWSER")
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
            return std::process::Command::new(&parts[0])
                .args(&parts[1..])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .map(|_| ())
                .map_err(|e| format!("could not start {} ({e})", parts[0]));
        }
        open::that_detached(url).map_err(|e| e.to_string())
    }
}

/// `--no-browser`: the URL is printed and nothing is opened.
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("not opened (--no-browser)".into())
    }
}
