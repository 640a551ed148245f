//! Real third-party clients: Mastodon.py, pinned in tests/clients/requirements.txt, in a
//! virtualenv this test creates under target/ the first time; and masto.js from npm.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

fn venv() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target").join("mastodon-py-venv");
    let python = venv.join("bin").join("python");
    let requirements = root.join("tests/clients/requirements.txt");
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let made = Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements)
            .status()
            .unwrap();
        assert!(installed.success(), "pip install of Mastodon.py failed");
        std::fs::write(&stamp, wanted).unwrap();
    }
    python
}

#[tokio::test]
async fn mastodon_py_registers_logs_in_posts_follows_and_reads() {
    let python = tokio::task::spawn_blocking(venv).await.unwrap();
    let s = TestServer::start().await;
    // What only an operator makes, from the command line.
    s.tessera(&["admin", "announcements", "create", "Welcome to Tessera"])
        .await;
    let emoji = s.data_dir.path().join("tessera.png");
    std::fs::write(&emoji, crate::media::png(32, 32)).unwrap();
    s.tessera(&[
        "admin",
        "emoji",
        "add",
        "tessera",
        &emoji.display().to_string(),
    ])
    .await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mastodon_py_flow.py");
    let base = s.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).arg(base).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "Mastodon.py flow failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    println!("{stdout}");
    s.stop().await;
}

/// A JavaScript client from npm: masto.js (pinned in tests/clients/masto), installed with
/// `npm ci` the first time; log-in, post, timeline and a WebSocket stream.
#[tokio::test]
async fn masto_js_logs_in_posts_reads_and_streams() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/masto");
    if !dir.join("node_modules/masto").exists() {
        let status = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .await
            .expect("npm (Node.js) is needed for the masto.js test");
        assert!(status.success(), "npm ci in {}", dir.display());
    }
    let s = TestServer::start().await;
    let out = tokio::process::Command::new("node")
        .arg("flow.mjs")
        .arg(&s.base)
        .current_dir(&dir)
        .output()
        .await
        .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "masto.js flow failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    println!("{stdout}");
    s.stop().await;
}
