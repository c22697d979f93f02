//! Output never destroys and never mixes: devices, FIFOs and symlinks given as outputs, sets
//! of files under real signals, and standard streams that cannot be written.
//!
//! The tests run as root (as CI and containers do) and make their own device nodes with
//! `mknod` in a temporary folder: none writes to the real `/dev/null` through the writer.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{drillsim_in, drillsim_process as drillsim, repo};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A character device `major minor` at `path` (1 3 is null, 1 7 is full).
fn mknod(path: &Path, major: u32, minor: u32) {
    let ok = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .status()
        .expect("mknod runs");
    assert!(ok.success(), "mknod {} needs root, which the tests run as", path.display());
}

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn ref20() -> String {
    repo("scenarios/ref20.toml").display().to_string()
}

/// Every file under `dir` (recursively) with its bytes; FIFOs and devices by kind.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.insert(rel, std::fs::read(e.path()).unwrap());
            } else {
                out.insert(rel, format!("{ft:?}").into_bytes());
            }
        }
    }
    out
}

fn temporaries(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_keys()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".drillsim-")))
        .collect()
}

#[test]
fn a_device_given_as_output_is_written_through_not_replaced() {
    let d = tempfile::tempdir().unwrap();
    let null = d.path().join("null");
    mknod(&null, 1, 3);
    let out = drillsim_in(&["run", &ref20(), "-n", "200", "-q", "--json", null.to_str().unwrap()], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(null.symlink_metadata().unwrap().file_type().is_char_device(), "still a device");
    // A device that refuses the bytes is an error naming it.
    let full = d.path().join("full");
    mknod(&full, 1, 7);
    let out = drillsim_in(
        &[
            "check",
            &ref20(),
            "-n",
            "200",
            "--max-trials",
            "200",
            "--junit",
            full.to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("cannot write {}", full.display())),
        "{}",
        text(&out.stderr)
    );
    assert!(full.symlink_metadata().unwrap().file_type().is_char_device());
    assert!(temporaries(d.path()).is_empty());
}

#[test]
fn a_fifo_given_as_output_is_written_to_its_reader() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("summary.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(fifo).unwrap().read_to_string(&mut s).unwrap();
            s
        })
    };
    let out = drillsim_in(&["run", &ref20(), "-n", "200", "-q", "--json", fifo.to_str().unwrap()], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Checked before joining: a FIFO replaced by a file would leave the reader waiting.
    assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo(), "still a FIFO");
    let got = reader.join().unwrap();
    let v: serde_json::Value = serde_json::from_str(&got).unwrap_or_else(|e| panic!("{e}: {got}"));
    assert_eq!(v["trials"], 200);
}

#[test]
fn a_symlink_given_as_output_is_kept_and_its_target_written() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("real")).unwrap();
    std::fs::write(d.path().join("real/junit.xml"), "old").unwrap();
    std::os::unix::fs::symlink("real/junit.xml", d.path().join("junit.xml")).unwrap();
    let out = drillsim_in(
        &["check", &ref20(), "-n", "200", "--max-trials", "200", "--junit", "junit.xml"],
        d.path(),
    );
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", text(&out.stderr));
    assert!(d.path().join("junit.xml").symlink_metadata().unwrap().file_type().is_symlink());
    let xml = std::fs::read_to_string(d.path().join("real/junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(temporaries(d.path()).is_empty());
}

#[test]
fn check_junit_dash_is_standard_output() {
    let d = tempfile::tempdir().unwrap();
    let out = drillsim_in(&["check", &ref20(), "-n", "200", "--max-trials", "200", "--junit", "-"], d.path());
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("<?xml") && stdout.trim_end().ends_with("</testsuites>"),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("objective(s) in 1 file(s)"), "the table goes to stderr");
    assert!(!d.path().join("-").exists());
    let out = drillsim_in(&["check", &ref20(), "-n", "200", "--junit", "-", "--json", "-"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

/// Start `drillsim run` writing a report into `dir` (and `extra` flags).
fn spawn_run(dir: &Path, trials: &str, extra: &[&str]) -> Child {
    drillsim()
        .args(["run", &ref20(), "-q", "-n", trials, "-s", "7", "--sensitivity-trials", "0", "--out"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn kill(child: &Child, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// A temporary folder with a report written into `report/`, and that report's files.
fn previous_report() -> (tempfile::TempDir, PathBuf, BTreeMap<PathBuf, Vec<u8>>) {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("report");
    let first = spawn_run(&dir, "2000", &[]).wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = snapshot(&dir);
    assert!(before.len() > 5, "{:?}", before.keys());
    (d, dir, before)
}

/// Wait until the process catches SIGINT and SIGTERM (a signal before that would kill it by
/// the default action, which is not what is tested).
fn wait_for_handler(child: &Child) {
    let t0 = Instant::now();
    loop {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .unwrap_or(0);
        if caught & (1 << (2 - 1)) != 0 && caught & (1 << (15 - 1)) != 0 {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "the handler was never installed");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A previous report, then runs interrupted by SIGTERM and SIGINT while trials run: each exits
/// 128 + the signal and leaves the previous report whole, with no temporary file.
#[test]
fn signals_during_a_run_leave_the_previous_report_whole() {
    let (d, dir, before) = previous_report();
    for (delay_ms, signal, code) in [(50, "TERM", 143), (400, "INT", 130), (1200, "TERM", 143)] {
        let mut child = spawn_run(&dir, "500000000", &[]);
        wait_for_handler(&child);
        std::thread::sleep(Duration::from_millis(delay_ms));
        kill(&child, signal);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal} after {delay_ms} ms");
        assert_eq!(
            snapshot(&dir),
            before,
            "SIG{signal} after {delay_ms} ms: the previous report is whole"
        );
        assert!(temporaries(d.path()).is_empty());
    }
}

/// A signal while the new set's temporaries are on disk: the run's JSON goes to a FIFO that
/// nobody reads, so the writer waits there with every report file written to a temporary.
/// SIGINT removes them; nothing of the previous set is replaced.
#[test]
fn a_signal_while_the_set_is_being_written_removes_its_temporaries() {
    let (d, dir, before) = previous_report();
    let fifo = d.path().join("json.fifo");
    mkfifo(&fifo);
    let mut child = spawn_run(&dir, "3000", &["--json", fifo.to_str().unwrap()]);
    let t0 = Instant::now();
    while temporaries(&dir).len() < before.len() {
        assert!(t0.elapsed() < Duration::from_secs(60), "the temporaries never appeared");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(&child, "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(snapshot(&dir), before, "the previous report is whole");
    assert!(temporaries(d.path()).is_empty(), "{:?}", temporaries(d.path()));
}

/// Standard error that cannot be written: the error is lost but the exit code says it; never a
/// panic (exit 101).
#[test]
fn unwritable_stderr_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let full = d.path().join("full");
    mknod(&full, 1, 7);
    let open = || std::fs::OpenOptions::new().write(true).open(&full).unwrap();
    let out = drillsim().args(["run", "no-such-file.toml"]).stderr(open()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = drillsim().args(["validate", "no-such-file.toml"]).stderr(open()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = drillsim().args(["run", "--bogus"]).stderr(open()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Help, version and a summary to a full standard output fail too.
    for args in [
        &["--help"][..],
        &["--version"],
        &["run", "--help"],
        &["validate", "scenarios/ref20.toml"],
    ] {
        let out = drillsim().args(args).stdout(open()).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: a panic");
    }
}

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn new(size: &str) -> SmallDisk {
        let d = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(d.path())
            .status()
            .unwrap();
        assert!(ok.success(), "mounting a tmpfs needs root, which the tests run as");
        SmallDisk(d)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

/// A disk that fills up half way through a report: exit 2 naming a file, the previous
/// summary whole, no temporary file left taking space.
#[test]
fn a_full_disk_leaves_the_previous_set_whole() {
    let disk = SmallDisk::new("128k");
    let dir = disk.0.path().join("report");
    let run = |formats: &str| {
        drillsim()
            .args([
                "run",
                &ref20(),
                "-q",
                "-n",
                "2000",
                "--sensitivity-trials",
                "0",
                "--format",
                formats,
                "--out",
            ])
            .arg(&dir)
            .output()
            .unwrap()
    };
    let first = run("json");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = snapshot(&dir);
    let out = run("all");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot write {}/", dir.display())) && stderr.contains("No space left"),
        "{stderr}"
    );
    assert_eq!(snapshot(&dir), before, "the previous summary is whole");
    assert!(temporaries(disk.0.path()).is_empty());
}
