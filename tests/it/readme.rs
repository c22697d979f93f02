//! The README's examples are real: its scenario loads and its distributions are accepted.

use std::path::Path;

use crate::common::{head, repo};

/// The ```toml blocks of README.md, in order.
fn toml_blocks() -> Vec<String> {
    let text = std::fs::read_to_string(repo("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_readme_scenario_loads() {
    let blocks = toml_blocks();
    assert!(blocks.len() >= 2, "README lost its examples");
    let dir = tempfile::tempdir().unwrap();
    // It includes "teams.toml": give it one more team there.
    std::fs::write(dir.path().join("teams.toml"), "[teams.network]\ncapacity = 1\n").unwrap();
    std::fs::write(dir.path().join("drill.toml"), &blocks[0]).unwrap();
    let sc = drillsim::scenario::load(&dir.path().join("drill.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.name, "payment outage drill");
    assert_eq!((sc.teams.len(), sc.steps.len()), (3, 2));
    assert_eq!(sc.seed, Some(42));
}

#[test]
fn the_readme_distributions_are_accepted() {
    for block in &toml_blocks()[1..] {
        for line in block.lines().filter(|l| l.contains("dist =")) {
            let key = line.split('=').next().unwrap().trim();
            let step_line = if key == "duration" {
                line.to_string()
            } else {
                line.replacen(key, "duration", 1)
            };
            let text = format!("{}[[step]]\nid = \"x\"\nteam = \"ops\"\n{step_line}\n", head("1m", "1m", 1));
            drillsim::scenario::load_str(Path::new("readme.toml"), &text).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
    }
}
