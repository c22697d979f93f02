//! The `drillsim` command as a user and a CI job see it: the summary, the JSON keys, the
//! determinism of the JSON at any thread count, seed precedence, traces, validate, exit codes
//! and closed pipes.

use std::process::Stdio;

use serde_json::Value;

use crate::common::{drillsim, repo};
use drillsim::batch::summarize_range;

/// Run `drillsim` with `args`; expect exit code 0; return stdout.
fn ok(args: &[&str]) -> String {
    let out = drillsim().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "drillsim {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON summary of `run` with `args` (printed to stdout with `--json -`).
fn json(args: &[&str]) -> (String, Value) {
    let mut all = vec!["run", "-q", "--json", "-"];
    all.extend_from_slice(args);
    let text = ok(&all);
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON only ({e}):\n{text}"));
    (text, v)
}

/// The JSON text without its `timing` object (the only part that depends on the machine).
fn without_timing(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line == "  \"timing\": {" {
            skipping = true;
        } else if skipping {
            skipping = !(line == "  }," || line == "  }");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!skipping && out.len() < text.len(), "no timing object found");
    out
}

const MEASURES: [&str; 4] = ["recovery_minutes", "detect_minutes", "ack_minutes", "close_minutes"];
const STATS: [&str; 7] = ["mean", "p50", "p90", "p95", "p99", "min", "max"];

#[test]
fn run_prints_the_summary() {
    let out = ok(&["run", "scenarios/ref20.toml", "-q", "--trials", "20000", "--seed", "42"]);
    assert!(out.starts_with("drillsim "), "{out}");
    assert!(out.contains("  trials 20000   seed 42\n"), "{out}");
    let header = out.lines().find(|l| l.trim_start().starts_with("minutes")).unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["minutes", "mean", "p50", "p90", "p95", "p99", "min", "max"]
    );
    for row in ["recovery time", "time to detect", "time to acknowledge", "time to close"] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(row))
            .unwrap_or_else(|| panic!("no {row} row:\n{out}"));
        let numbers: Vec<f64> = line[row.len() + 2..].split_whitespace().map(|x| x.parse().unwrap()).collect();
        assert_eq!(numbers.len(), 7, "{line}");
    }
    assert!(out.contains("steps most often on the critical path:"));
    assert!(out.contains("team utilization"));
    assert!(out.contains(" trials/s\n"));
}

#[test]
fn json_file_has_the_documented_keys_and_the_library_s_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports/ref20.json");
    let stdout = ok(&[
        "run",
        "scenarios/ref20.toml",
        "-q",
        "-n",
        "20000",
        "-s",
        "42",
        "--json",
        path.to_str().unwrap(),
    ]);
    // With a file, the terminal summary still goes to stdout.
    assert!(stdout.contains("recovery time"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["scenario"], "ref20");
    assert_eq!(v["seed"], 42);
    assert_eq!(v["trials"], 20000);
    for m in MEASURES {
        for s in STATS {
            assert!(v[m][s].is_f64(), "{m}.{s}");
        }
        assert!(v[m]["min"].as_f64() <= v[m]["p50"].as_f64() && v[m]["p50"].as_f64() <= v[m]["max"].as_f64());
    }
    for i in 0..20 {
        let c = v["steps"][format!("s{i}")]["criticality"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
    }
    // Every trial ends with s19, the plan's sink.
    assert_eq!(v["steps"]["s19"]["criticality"], 1.0);
    for t in ["t0", "t1", "t2", "t3"] {
        let u = v["teams"][t]["utilization"].as_f64().unwrap();
        assert!(u > 0.0 && u <= 1.0, "{t}: {u}");
    }
    for k in ["elapsed_seconds", "threads", "trials_per_second"] {
        assert!(v["timing"][k].is_number(), "timing.{k}");
    }
    // The numbers are the library's, exactly (JSON floats round-trip).
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let sum = summarize_range(&sc, 42, 0..20000, None);
    assert_eq!(v["recovery_minutes"]["mean"].as_f64().unwrap(), sum.recovery.mean());
    assert_eq!(v["recovery_minutes"]["p95"].as_f64().unwrap(), sum.recovery.quantile(0.95));
    assert_eq!(v["teams"]["t1"]["utilization"].as_f64().unwrap(), sum.utilization(1));
    // Written whole: no temporary file is left next to it.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["ref20.json"]);
}

#[test]
fn json_dash_writes_json_only_to_stdout() {
    let out = drillsim()
        .args(["run", "scenarios/ref20.toml", "-q", "-n", "5000", "--json", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with('{') && text.ends_with("}\n"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["trials"], 5000);
    assert!(!std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("-").exists());
}

#[test]
fn json_outside_timing_is_byte_identical_at_one_and_two_threads() {
    // 50,000 trials are 25 chunks, so two threads really split the work.
    let (one, v1) = json(&["scenarios/ref20.toml", "-n", "50000", "-s", "3", "-j", "1"]);
    let (two, v2) = json(&["scenarios/ref20.toml", "-n", "50000", "-s", "3", "-j", "2"]);
    assert_eq!(
        (v1["timing"]["threads"].as_u64(), v2["timing"]["threads"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(without_timing(&one), without_timing(&two));
    let (other, _) = json(&["scenarios/ref20.toml", "-n", "50000", "-s", "4", "-j", "2"]);
    assert_ne!(without_timing(&one), without_timing(&other), "another seed gives other numbers");
}

#[test]
fn the_seed_comes_from_the_command_line_then_the_file_then_1() {
    // ref20.toml sets seed = 42 and trials = 100000.
    let (_, v) = json(&["scenarios/ref20.toml"]);
    assert_eq!((v["seed"].as_u64(), v["trials"].as_u64()), (Some(42), Some(100_000)));
    let (_, v) = json(&["scenarios/ref20.toml", "--seed", "7", "--trials", "10"]);
    assert_eq!((v["seed"].as_u64(), v["trials"].as_u64()), (Some(7), Some(10)));
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.toml");
    let text = format!(
        "{}[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"30m\"\n",
        crate::common::head("10m", "5m", 1)
    );
    std::fs::write(&bare, text).unwrap();
    let (_, v) = json(&[bare.to_str().unwrap(), "-n", "10"]);
    assert_eq!(v["seed"], 1);
    assert_eq!(v["scenario"], "bare", "a file without [exercise] name is named by its stem");
}

/// The recovery time a trace prints, as written (two decimals).
fn traced_recovery(trace: &str) -> &str {
    let line = trace.lines().find(|l| l.starts_with("recovery time")).unwrap();
    line["recovery time".len()..].trim().trim_end_matches(" min")
}

#[test]
fn trace_prints_a_timeline_that_agrees_with_the_batch() {
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    for k in [0u64, 17, 4095] {
        let out = ok(&["trace", "scenarios/ref20.toml", "--seed", "42", "--trial", &k.to_string()]);
        assert!(out.starts_with(&format!("ref20 - seed 42, trial {k}\n")), "{out}");
        for what in [
            "fault injected",
            "alert: ",
            "page primary on-call (team t0, level 1)",
            "step s0 starts",
            "step s0 done",
            "step s19 done",
            "recovered",
        ] {
            assert!(out.contains(what), "trial {k}: no {what:?} in\n{out}");
        }
        assert!(out.contains(" acknowledges (team t0)") || out.contains("last resort"), "{out}");
        // Every one of the 20 steps starts and finishes once.
        for i in 0..20 {
            assert_eq!(out.matches(&format!("step s{i} starts")).count(), 1);
            assert_eq!(out.matches(&format!("step s{i} done")).count(), 1);
        }
        // The timeline is in time order.
        let times: Vec<u64> = out
            .lines()
            .skip(3) // the name, the column heading, the tie rule
            .take_while(|l| !l.is_empty())
            .map(|l| {
                let clock = l.split_whitespace().next().unwrap();
                clock.split(':').fold(0, |acc, x| acc * 60 + x.parse::<u64>().unwrap())
            })
            .collect();
        assert!(times.len() > 40 && times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        // Its recovery time is what a one-trial batch over k..k+1 counts.
        let single = summarize_range(&sc, 42, k..k + 1, None);
        assert_eq!(traced_recovery(&out), format!("{:.2}", single.recovery.max()), "trial {k}");
    }
    // And trial 0 is what `run --trials 1` counts.
    let (_, v) = json(&["scenarios/ref20.toml", "-n", "1", "-s", "42"]);
    let trace0 = ok(&["trace", "scenarios/ref20.toml", "-s", "42", "-k", "0"]);
    assert_eq!(
        traced_recovery(&trace0),
        format!("{:.2}", v["recovery_minutes"]["max"].as_f64().unwrap())
    );
}

#[test]
fn trace_defaults_to_the_file_s_seed_and_trial_0() {
    let a = ok(&["trace", "scenarios/ref20.toml"]);
    let b = ok(&["trace", "scenarios/ref20.toml", "--seed", "42", "--trial", "0"]);
    assert_eq!(a, b);
}

#[test]
fn validate_says_ok_for_a_good_file() {
    assert_eq!(
        ok(&["validate", "scenarios/ref20.toml"]),
        "scenarios/ref20.toml: ok (4 teams, 20 steps)\n"
    );
}

#[test]
fn help_and_version_exit_0() {
    assert!(ok(&["--help"]).contains("validate"));
    assert!(ok(&["run", "--help"]).contains("--json"));
    assert!(ok(&["--version"]).starts_with("drillsim "));
}

/// Run `drillsim args` with a stdout whose reading end is already closed (so every write
/// to it fails with a broken pipe); return (exit code, stderr).
fn with_stdout_closed(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drillsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    for args in [
        &["run", "scenarios/ref20.toml", "-q", "-n", "20000"][..],
        &["run", "scenarios/ref20.toml", "-q", "-n", "20000", "--json", "-"],
        &["trace", "scenarios/ref20.toml"],
        &["validate", "scenarios/ref20.toml"],
    ] {
        let (code, err) = with_stdout_closed(args);
        assert_eq!((code, err.as_str()), (Some(0), ""), "{args:?}");
    }
    // The shell's way: `drillsim run ... | head -1`, with the pipeline's status checked.
    let out = std::process::Command::new("bash")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' run scenarios/ref20.toml -q -n 20000 | head -1",
            env!("CARGO_BIN_EXE_drillsim")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("drillsim "));
    assert!(out.stderr.is_empty());
}

/// A plan set whose exercise includes a shared part beside its own folder.
fn shared_part_plan(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("plans/parts")).unwrap();
    std::fs::create_dir_all(dir.join("plans/a")).unwrap();
    std::fs::copy(repo("scenarios/ref20/teams.toml"), dir.join("plans/parts/teams.toml")).unwrap();
    std::fs::copy(repo("scenarios/ref20/plan.toml"), dir.join("plans/parts/plan.toml")).unwrap();
    let ex = dir.join("plans/a/x.toml");
    std::fs::write(&ex, "include = [\"../parts/teams.toml\", \"../parts/plan.toml\"]\n[exercise]\nname = \"x\"\n[detection]\ndelay = \"10m\"\npage = \"t0\"\n").unwrap();
    ex
}

#[test]
fn root_flag_and_a_checked_folder_let_includes_reach_beside_the_exercise_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = shared_part_plan(tmp.path());
    let ex = ex.to_str().unwrap();
    // By default includes stay inside the exercise file's own folder.
    let out = crate::common::drillsim_in(&["validate", ex], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outside the scenario's folder"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --root widens it, for any command.
    let out = crate::common::drillsim_in(&["--root", "plans", "validate", ex], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = crate::common::drillsim_in(&["run", ex, "-n", "100", "-q", "--root", "plans"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A folder given to check is the root of the exercises found in it.
    let out = crate::common::drillsim_in(&["check", "plans", "-n", "100"], tmp.path());
    assert!(
        out.status.code() != Some(2),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And a root does not reach above itself.
    let out = crate::common::drillsim_in(&["--root", "plans/a", "validate", ex], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn file_names_with_control_characters_reach_no_terminal_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let name = tmp.path().join("e\u{1b}]0;pwn\u{7}x.toml");
    std::fs::copy(repo("scenarios/invalid/cycle.toml"), &name).unwrap();
    let good = tmp.path().join("g\u{1b}[2Jx.toml");
    std::fs::write(
        &good,
        format!(
            "{}[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"1h\"\n",
            crate::common::head("1m", "1m", 1)
        ),
    )
    .unwrap();
    for args in [
        vec!["validate", name.to_str().unwrap()],
        vec!["validate", good.to_str().unwrap()],
        vec!["check", good.to_str().unwrap()],
    ] {
        let out = crate::common::drillsim_in(&args, tmp.path());
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{args:?}: {text:?}"
            );
        }
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(all.contains("\\u{1b}"), "{args:?}: the name is shown, escaped: {all}");
    }
}

#[test]
fn check_that_checked_nothing_warns_and_fails_when_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "[exercise]\nname = \"bare\"\n{}[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"1h\"\n",
        crate::common::head("1m", "1m", 1)
    );
    std::fs::write(tmp.path().join("bare.toml"), text).unwrap();
    let out = crate::common::drillsim_in(&["check", ".", "-n", "100"], tmp.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: no objective was checked"));
    let out = crate::common::drillsim_in(&["check", ".", "-n", "100", "--strict"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_empty_expect_is_an_error() {
    let text = format!(
        "{}[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"1h\"\n[expect]\nobjectives = []\n",
        crate::common::head("1m", "1m", 1)
    );
    let e = drillsim::scenario::load_str(std::path::Path::new("t.toml"), &text).unwrap_err();
    assert_eq!(e.kind, drillsim::error::ScenarioErrorKind::NoEffect);
    assert!(e.to_string().contains("[expect] lists no objectives"), "{e}");
}

#[test]
fn validate_takes_folders_and_passes_over_parts_that_a_listed_exercise_includes() {
    let mut files: Vec<String> = std::fs::read_dir(repo("scenarios/plan1"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    files.sort();
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = drillsim().args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("teams.toml: no [exercise] table (a part included by"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(": ok ("))
            .count(),
        5
    );
    let out = drillsim()
        .args(["validate", "scenarios/plan1", "scenarios/ref20.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
    // A part named alone is still checked, and its mistake said.
    let out = drillsim().args(["validate", "scenarios/plan1/teams.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_out_refuses_a_file_and_says_it_takes_a_folder() {
    // An existing file (here the scenario itself) and a name with a report file's extension.
    for out in ["scenarios/ref20.toml", "summary.json", "x/report.HTML"] {
        let o = drillsim()
            .args(["run", "scenarios/ref20.toml", "-n", "10", "-q", "--out", out])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{out}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!(
                "error: --out takes a folder (the report's files are written into it), but {out} is"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("use --json summary.json"), "{stderr}");
        assert!(o.stdout.is_empty(), "nothing was run");
    }
    assert!(!repo("summary.json").exists() && !repo("x").exists());
    // The scenario is untouched.
    assert!(
        std::fs::read_to_string(repo("scenarios/ref20.toml"))
            .unwrap()
            .contains("[exercise]")
    );
}

/// A one-component attack leaking 6 `unit` per hour for 35 minutes (contained at t = 35).
fn leaking(unit: &str) -> String {
    let mut text = crate::common::head("1m", "1m", 1);
    text.push_str(&format!(
        "[components.feed]\nkind = \"power_feed\"\n[components.a]\nkind = \"service\"\npower = \"feed\"\n\
         [[fault]]\nid = \"intruder\"\nkind = \"attack\"\ntarget = \"a\"\nspread = \"10m\"\nleak_rate = 6.0\nleak_unit = \"{unit}\"\n\
         [[step]]\nid = \"contain\"\nteam = \"ops\"\nduration = \"33m\"\neffect = {{ contain = true }}\n"
    ));
    text
}

#[test]
fn leak_figures_carry_the_attack_s_unit_in_the_trace_and_the_json() {
    let sc = crate::common::scenario(&leaking("records"));
    assert_eq!(sc.topology.leak_unit().as_deref(), Some("records"));
    let text = drillsim::sim::trace::render(&sc, 1, 0, &drillsim::sim::trace::replay(&sc, 1, 0));
    let line = text.lines().find(|l| l.starts_with("leaked")).unwrap();
    assert_eq!(line, "leaked                    3.50 records");
    let sum = summarize_range(&sc, 1, 0..10, None);
    let v = drillsim::report::json::summary(&sc, 1, &sum, None);
    assert_eq!(v["leak_unit"], "records");
    assert!(v["leaked"].is_object());
    // Two attacks in different units: both named.
    let two = leaking("records")
        + "[components.b]\nkind = \"service\"\npower = \"feed\"\n[[fault]]\nid = \"second\"\nkind = \"attack\"\ntarget = \"b\"\nspread = \"10m\"\nleak_rate = 1.0\n";
    assert_eq!(crate::common::scenario(&two).topology.leak_unit().as_deref(), Some("records+GB"));
}

#[test]
fn trace_says_in_its_header_how_ties_are_broken() {
    let out = drillsim().args(["trace", "scenarios/ref20.toml", "-k", "3"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = stdout.lines().take(3).collect();
    assert_eq!(header[1], "time since fault, what happens");
    assert_eq!(
        header[2],
        "events at the same instant happen in the order they were scheduled (file order for faults and steps): never at random"
    );
    assert_eq!(header[2], drillsim::sim::trace::TIES);
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let out = crate::common::drillsim().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    for cmd in ["run", "trace", "score", "check", "compare", "validate"] {
        assert!(script.contains(cmd), "{cmd}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::drillsim().arg("man").arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for page in ["drillsim.1", "drillsim-run.1", "drillsim-score.1", "drillsim-check.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let bad = crate::common::drillsim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
