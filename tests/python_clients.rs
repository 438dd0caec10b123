//! The sandbox against real ServiceNow clients: runs tests/python/test_real_clients.py
//! (pysnc and pysnow) against an in-process sandbox and fails when any of its expectations
//! fails. The clients live in a virtual environment that `tests/run` creates
//! (target/python-venv, or CALSYNC_PYTHON names the interpreter); without one the test says
//! so and passes, unless CALSYNC_REQUIRE_PYTHON=1.

mod common;

use calsync::sandbox::seed;
use std::path::PathBuf;
use std::process::Stdio;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CALSYNC_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/python-venv/bin/python");
    venv.exists().then_some(venv)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysnc_and_pysnow_see_a_real_instance() {
    let Some(python) = python() else {
        assert!(
            std::env::var("CALSYNC_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "CALSYNC_REQUIRE_PYTHON=1 but there is no Python with pysnc and pysnow: run `bash tests/run`"
        );
        eprintln!("skipped: no Python with pysnc and pysnow (bash tests/run installs them)");
        return;
    };
    let sb = common::sandbox().await;
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_real_clients.py");
    let out = tokio::process::Command::new(&python)
        .arg("-m")
        .arg("unittest")
        .arg("-v")
        .arg(&suite)
        .current_dir(suite.parent().expect("tests/python"))
        .env("CALSYNC_SANDBOX_URL", sb.url())
        .env("CALSYNC_SANDBOX_USER", seed::ADMIN_USER)
        .env("CALSYNC_SANDBOX_PASSWORD", seed::ADMIN_PASSWORD)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the Python suite starts");
    let report = String::from_utf8_lossy(&out.stderr);
    eprintln!("{report}{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "the real clients found the sandbox unlike an instance:\n{report}");
    assert!(report.contains("OK"), "the suite ran no tests:\n{report}");
}
