//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use drillsim::model::Scenario;

/// Path of a file under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Load a scenario from text; panics with the error message if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    drillsim::scenario::load_str(Path::new("test.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// A one-team scenario head: detection after `detect`, the page acknowledged after `ack`.
pub fn head(detect: &str, ack: &str, capacity: u32) -> String {
    format!(
        r#"
[detection]
delay = "{detect}"
page = "ops"

[teams.ops]
capacity = {capacity}
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 1.0
ack_delay = "{ack}"
timeout = "15m"
"#
    )
}

/// The `drillsim` binary, run from the repository root (so relative paths read as in the
/// README).
pub fn drillsim() -> assert_cmd::Command {
    assert_cmd::Command::from_std(drillsim_process())
}

/// The same as a plain process, for tests that set its standard streams or signal it.
pub fn drillsim_process() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_drillsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Run the `drillsim` binary with `args` in `dir` and collect its output.
pub fn drillsim_in(args: &[&str], dir: &Path) -> std::process::Output {
    drillsim().args(args).current_dir(dir).output().expect("the drillsim binary runs")
}
