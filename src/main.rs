//! calsync's entry point: parse the command line, run it, exit with its code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGPIPE stays ignored, so a write to a closed socket is an error calsync reports.
    // Only a closed stdout (`calsync doctor | head`) ends calsync quietly, the way it ends
    // other Unix tools: the failed print is turned back into the default SIGPIPE death.
    quiet_on_closed_stdout();
    let cli = calsync::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("calsync: could not start: {e}");
            return ExitCode::from(calsync::cli::exit::FAILED);
        }
    };
    let code = runtime.block_on(calsync::cli::run(cli));
    ExitCode::from(code)
}

/// A print to a stdout whose reader has gone fails with a broken pipe, which `println!`
/// turns into a panic; that panic, and only that one, ends calsync by SIGPIPE, silently.
fn quiet_on_closed_stdout() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            #[cfg(unix)]
            // SAFETY: restores the default action of one signal and raises it.
            #[allow(unsafe_code)]
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::raise(libc::SIGPIPE);
            }
            std::process::exit(141);
        }
        previous(info)
    }));
}
