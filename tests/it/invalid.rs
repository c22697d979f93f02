//! Bad input: one file per kind of mistake under `scenarios/invalid/`, each with its message
//! pinned (file, line, column, help) and exit code 2 from both `validate` and `run`.

use std::path::Path;

use drillsim::error::ScenarioErrorKind as K;

use crate::common::{drillsim, repo};

/// The kind of mistake of every file of `scenarios/invalid/`: callers match the kind, not
/// the words.
const KINDS: &[(&str, K)] = &[
    ("capacity_zero.toml", K::OutOfRange),
    ("cycle.toml", K::Cycle),
    ("duplicate_step.toml", K::Duplicate),
    ("duplicate_team.toml", K::Duplicate),
    ("empty_plan.toml", K::Missing),
    ("include_cycle.toml", K::Cycle),
    ("infinite.toml", K::BadDuration),
    ("missing_detection.toml", K::Missing),
    ("missing_field.toml", K::Missing),
    ("missing_include.toml", K::NotFound),
    ("nan.toml", K::OutOfRange),
    ("negative_duration.toml", K::BadDuration),
    ("no_unit.toml", K::BadDuration),
    ("probability.toml", K::OutOfRange),
    ("syntax.toml", K::Syntax),
    ("topology_cycle.toml", K::Cycle),
    ("topology_fault_target.toml", K::UnknownName),
    ("topology_no_power.toml", K::Missing),
    ("topology_unknown_component.toml", K::UnknownName),
    ("trials_huge.toml", K::OutOfRange),
    ("trials_zero.toml", K::OutOfRange),
    ("triangular_min_max.toml", K::BadDuration),
    ("unknown_field.toml", K::UnknownField),
    ("unknown_step.toml", K::UnknownName),
    ("unknown_team.toml", K::UnknownName),
    ("unknown_unit.toml", K::BadDuration),
];

/// Every file of `scenarios/invalid/` and the message it must get (after `error: `).
const CASES: &[(&str, &str)] = &[
    (
        "capacity_zero.toml",
        r#"scenarios/invalid/capacity_zero.toml:7:12: team "ops" has capacity 0
  help: capacity is how many steps the team works on at once: 1 to 100000"#,
    ),
    (
        "cycle.toml",
        r#"scenarios/invalid/cycle.toml:32:10: the plan's steps wait for each other in a cycle: fix -> verify -> isolate -> fix (each waits for the one before it)
  help: remove one of these `after` entries so that the plan can finish"#,
    ),
    (
        "duplicate_step.toml",
        r#"scenarios/invalid/duplicate_step.toml:24:6: step id "triage" is used twice
  help: it is also used at scenarios/invalid/duplicate_step.toml:19:6; step ids must be unique"#,
    ),
    (
        "duplicate_team.toml",
        r#"scenarios/invalid/duplicate_team.toml:8:8: team "ops" is defined twice
  help: it is also defined at scenarios/invalid/parts/ops_team.toml:3:8; keep one"#,
    ),
    (
        "empty_plan.toml",
        r#"scenarios/invalid/empty_plan.toml: the plan is empty: there are no [[step]] entries
  help: add at least one [[step]] with id, team and duration"#,
    ),
    (
        "include_cycle.toml",
        r#"scenarios/invalid/parts/cycle_a.toml:2:12: include cycle: scenarios/invalid/include_cycle.toml, which includes scenarios/invalid/parts/cycle_a.toml, which includes scenarios/invalid/include_cycle.toml
  help: remove one `include` of the cycle"#,
    ),
    (
        "infinite.toml",
        r#"scenarios/invalid/infinite.toml:21:58: `sigma` must be a finite number, not inf"#,
    ),
    (
        "missing_detection.toml",
        r#"scenarios/invalid/missing_detection.toml: missing [detection]: how the fault is noticed and which team is paged
  help: add [detection] with delay = "10m" and page = "<team>""#,
    ),
    (
        "missing_field.toml",
        r#"scenarios/invalid/missing_field.toml:18:1: missing field `duration`
  help: add the field; the README shows an example of every section"#,
    ),
    (
        "missing_include.toml",
        r#"scenarios/invalid/missing_include.toml:2:12: included file scenarios/invalid/parts/no_such_file.toml: no such file
  help: paths in `include` are relative to the folder of the file that includes them"#,
    ),
    (
        "nan.toml",
        r#"scenarios/invalid/nan.toml:14:7: `ack` = NaN is not a probability
  help: a probability is between 0 and 1, e.g. 0.8"#,
    ),
    (
        "negative_duration.toml",
        r#"scenarios/invalid/negative_duration.toml:21:12: duration "-20m" is negative: durations must be 0 or more"#,
    ),
    (
        "no_unit.toml",
        r#"scenarios/invalid/no_unit.toml:21:12: duration 20 has no unit
  help: write it as a string with a unit, e.g. "20m" (units: s, m, h, d)"#,
    ),
    (
        "probability.toml",
        r#"scenarios/invalid/probability.toml:14:7: `ack` = 1.5 is not a probability
  help: a probability is between 0 and 1, e.g. 0.8"#,
    ),
    (
        "syntax.toml",
        r#"scenarios/invalid/syntax.toml:24:10: invalid basic string, expected `"`
  help: this is not valid TOML: check quotes, brackets and `key = value` on this line"#,
    ),
    (
        "topology_cycle.toml",
        r#"scenarios/invalid/topology_cycle.toml:23:13: components depend on each other in a cycle: app -> db -> cache -> app
  help: remove one of these `needs` (or `replicas`, `power`, `standby`) so that the topology is a hierarchy"#,
    ),
    (
        "topology_fault_target.toml",
        r#"scenarios/invalid/topology_fault_target.toml:30:10: unknown component "webb"
  help: did you mean "web"?"#,
    ),
    (
        "topology_no_power.toml",
        r#"scenarios/invalid/topology_no_power.toml:23:13: component "web" has no path to power: it sits on no power feed
  help: add power = "<feed>" naming a component of kind "power_feed" (or the "region" or "zone" that hosts it; only a group of replicas may omit it)"#,
    ),
    (
        "topology_unknown_component.toml",
        r#"scenarios/invalid/topology_unknown_component.toml:28:10: unknown component "dbx"
  help: known components: db, feed"#,
    ),
    (
        "trials_huge.toml",
        r#"scenarios/invalid/trials_huge.toml:4:10: trials = 99999999999 is out of range
  help: use 1 to 1000000000 trials (100000 is a good default)"#,
    ),
    (
        "trials_zero.toml",
        r#"scenarios/invalid/trials_zero.toml:4:10: trials = 0 is out of range
  help: use 1 to 1000000000 trials (100000 is a good default)"#,
    ),
    (
        "triangular_min_max.toml",
        r#"scenarios/invalid/triangular_min_max.toml:27:67: `min` (180 minutes) is greater than `max` (120 minutes)
  help: `min` must be at most `max`"#,
    ),
    (
        "unknown_field.toml",
        r#"scenarios/invalid/unknown_field.toml:8:1: unknown field `capacty`, expected one of `capacity`, `escalation`, `off_hours`
  help: check the spelling; the README lists every field"#,
    ),
    (
        "unknown_step.toml",
        r#"scenarios/invalid/unknown_step.toml:26:10: unknown step "triag"
  help: did you mean "triage"?"#,
    ),
    (
        "unknown_team.toml",
        r#"scenarios/invalid/unknown_team.toml:25:8: unknown team "opz"
  help: did you mean "ops"?"#,
    ),
    (
        "unknown_unit.toml",
        r#"scenarios/invalid/unknown_unit.toml:21:12: unknown unit "w" in "2w": use s, m, h or d"#,
    ),
];

#[test]
fn every_invalid_file_has_a_pinned_message() {
    let mut files: Vec<String> = std::fs::read_dir(repo("scenarios/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let pinned: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    assert_eq!(files, pinned, "add the new file's message to CASES");
}

#[test]
fn validate_reports_each_mistake_once_with_its_place_and_exit_code_2() {
    for (file, message) in CASES {
        let out = drillsim()
            .args(["validate", &format!("scenarios/invalid/{file}")])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, format!("error: {message}\n"), "{file}");
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(out.stdout.is_empty(), "{file}");
    }
}

#[test]
fn run_reports_the_same_message_with_exit_code_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    for (file, message) in CASES {
        let out = drillsim()
            .args(["run", "-q", "--json"])
            .arg(&json)
            .arg(format!("scenarios/invalid/{file}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, format!("error: {message}\n"), "{file}");
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(out.stdout.is_empty(), "{file}");
        assert!(!json.exists(), "{file}: no report is left behind");
    }
}

#[test]
fn the_library_gives_the_same_message() {
    // The CLI adds only "error: "; tools that use the library see the same text. (Cargo runs
    // tests from the package root, so relative paths read as in the messages above.)
    // And the kind of mistake, which callers match instead of the words.
    assert_eq!(KINDS.len(), CASES.len());
    for ((file, message), (kind_file, kind)) in CASES.iter().zip(KINDS) {
        assert_eq!(file, kind_file);
        let e = drillsim::scenario::load(Path::new(&format!("scenarios/invalid/{file}"))).unwrap_err();
        assert_eq!(e.to_string(), *message, "{file}");
        assert_eq!(e.kind, *kind, "{file}: {e}");
    }
}

#[test]
fn trials_out_of_range_on_the_command_line_is_a_usage_error() {
    for (n, message) in [
        (
            "0",
            "error: invalid value '0' for '--trials <TRIALS>': 0 is not in 1..=1000000000\n",
        ),
        (
            "99999999999",
            "error: invalid value '99999999999' for '--trials <TRIALS>': 99999999999 is not in 1..=1000000000\n",
        ),
    ] {
        let out = drillsim().args(["run", "scenarios/ref20.toml", "--trials", n]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--trials {n}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with(message),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    // Not a number at all: clap's message, same exit code.
    let out = drillsim().args(["run", "scenarios/ref20.toml", "--trials", "-5"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = drillsim()
        .args(["run", "scenarios/ref20.toml", "--trials", "many"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'many' for '--trials <TRIALS>'"));
}

#[test]
fn threads_out_of_range_is_a_usage_error() {
    // The same range in every command that runs trials.
    for cmd in [
        &["run", "scenarios/ref20.toml", "-n", "10"][..],
        &["check", "scenarios/ref20.toml"],
        &["compare", "a", "b"],
    ] {
        for j in ["0", "100000"] {
            let out = drillsim().args(cmd).args(["-j", j]).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd:?} -j {j}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.starts_with(&format!(
                    "error: invalid value '{j}' for '--threads <THREADS>': {j} is not in 1..=1024"
                )),
                "{err}"
            );
        }
    }
}

#[test]
fn unknown_flags_and_commands_are_usage_errors() {
    for args in [
        &["run", "scenarios/ref20.toml", "--bogus"][..],
        &["validate", "--bogus", "scenarios/ref20.toml"],
        &["trace", "scenarios/ref20.toml", "--trail", "3"],
        &["simulate", "scenarios/ref20.toml"],
        &["run"],
        &[],
    ] {
        let out = drillsim().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn a_nonexistent_path_a_folder_a_binary_and_a_huge_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("image.toml");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]).unwrap();
    let huge = dir.path().join("huge.toml");
    // 17 MB, sparse: created in an instant, refused before it is read.
    std::fs::File::create(&huge).unwrap().set_len(17_000_000).unwrap();
    let missing = dir.path().join("missing.toml");
    let cases = [
        (missing.clone(), format!("error: {}: no such file\n", missing.display())),
        (
            dir.path().to_path_buf(),
            format!(
                "error: {}: this is a folder, not a file\n  help: give a scenario file (.toml)\n",
                dir.path().display()
            ),
        ),
        (
            binary.clone(),
            format!(
                "error: {}: not a text file (invalid UTF-8 at byte 0)\n  help: a scenario is a TOML text file, saved as UTF-8\n",
                binary.display()
            ),
        ),
        (
            huge.clone(),
            format!(
                "error: {}: the file is 17000000 bytes; a scenario file is at most 16777216 bytes (16 MiB)\n  help: a scenario is a TOML text file of a few kilobytes; is this the right file?\n",
                huge.display()
            ),
        ),
    ];
    for (path, message) in &cases {
        for cmd in ["validate", "run", "trace"] {
            if cmd == "validate" && path.is_dir() {
                continue; // validate searches a folder for exercises, as check does
            }
            let out = drillsim().arg(cmd).arg(path).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd} {}", path.display());
            assert_eq!(String::from_utf8_lossy(&out.stderr), *message, "{cmd}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn validate_checks_every_file_and_fails_if_any_is_bad() {
    let out = drillsim()
        .args([
            "validate",
            "scenarios/ref20.toml",
            "scenarios/invalid/cycle.toml",
            "scenarios/ref20.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "scenarios/ref20.toml: ok (4 teams, 20 steps)\nscenarios/ref20.toml: ok (4 teams, 20 steps)\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: scenarios/invalid/cycle.toml:32:10: "));
}

/// A valid one-team, one-step scenario (detection by delay), to which tests add sections.
fn plain() -> String {
    format!(
        "{}\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"10m\"\n",
        crate::common::head("5m", "1m", 1)
    )
}

/// Load `path` on another thread, failing (not hanging) if the load blocks, e.g. on a FIFO.
fn load_within(path: &Path, seconds: u64) -> Result<drillsim::model::Scenario, drillsim::error::ScenarioError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(drillsim::scenario::load(&p));
    });
    rx.recv_timeout(std::time::Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("loading {} blocked", path.display()))
}

#[test]
fn a_fifo_a_device_and_piped_stdin_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let e = load_within(&fifo, 20).unwrap_err();
    assert_eq!(e.kind, K::NotAFile, "{e}");
    // As an include, too: refused where it is included, without waiting for a writer.
    let main = dir.path().join("main.toml");
    std::fs::write(&main, format!("include = [\"pipe.toml\"]\n{}", plain())).unwrap();
    let e = load_within(&main, 20).unwrap_err();
    assert_eq!((e.kind, e.position), (K::NotAFile, Some((1, 12))), "{e}");
    assert!(e.message.starts_with("included file "), "{e}");
    let e = load_within(Path::new("/dev/null"), 20).unwrap_err();
    assert_eq!(e.kind, K::NotAFile, "{e}");
    // Piped standard input.
    let out = drillsim().args(["validate", "/dev/stdin"]).write_stdin(plain()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"), "{out:?}");
}

#[test]
fn includes_stay_inside_the_scenario_folder_and_never_echo_what_is_outside() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("drill");
    std::fs::create_dir(&root).unwrap();
    // Not TOML: were it parsed, a syntax error would quote its first line.
    std::fs::write(dir.path().join("secret.toml"), "root:hunter2:19000:0:99999:7:::\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.toml"), root.join("link.toml")).unwrap();
    for include in ["../secret.toml", "link.toml"] {
        let main = root.join("main.toml");
        std::fs::write(&main, format!("include = [\"{include}\"]\n{}", plain())).unwrap();
        let e = drillsim::scenario::load(&main).unwrap_err();
        assert_eq!((e.kind, e.position), (K::OutsideRoot, Some((1, 12))), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        // A root set further out lets it be read (and then it is a TOML error of its own).
        let e = drillsim::scenario::load_with_root(&main, dir.path()).unwrap_err();
        assert_eq!(e.kind, K::Syntax, "{e}");
    }
    // The exercise file itself must be below a root that is given.
    let e = drillsim::scenario::load_with_root(&dir.path().join("secret.toml"), &root).unwrap_err();
    assert_eq!(e.kind, K::OutsideRoot, "{e}");
    // Folders below the root are fine, and so is climbing back into it.
    std::fs::create_dir(root.join("parts")).unwrap();
    std::fs::write(
        root.join("parts/plan.toml"),
        "[[step]]\nid = \"check\"\nteam = \"ops\"\nduration = \"1m\"\n",
    )
    .unwrap();
    std::fs::write(root.join("parts/more.toml"), "include = [\"../parts/plan.toml\"]\n").unwrap();
    std::fs::write(root.join("main.toml"), format!("include = [\"parts/more.toml\"]\n{}", plain())).unwrap();
    let sc = drillsim::scenario::load(&root.join("main.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.steps.len(), 2);
}

#[test]
fn the_included_files_together_have_a_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Five files of 15 MB each: each under the 16 MiB of one file, 75 MB together.
    let big = format!("#{}\n", "x".repeat(15_000_000));
    let mut includes = Vec::new();
    for i in 0..5 {
        std::fs::write(dir.path().join(format!("part{i}.toml")), &big).unwrap();
        includes.push(format!("\"part{i}.toml\""));
    }
    let main = dir.path().join("main.toml");
    std::fs::write(&main, format!("include = [{}]\n{}", includes.join(", "), plain())).unwrap();
    let e = drillsim::scenario::load(&main).unwrap_err();
    assert_eq!(e.kind, K::TooLarge, "{e}");
    assert!(e.message.contains("together"), "{e}");
}

#[test]
fn a_scenario_reads_at_most_ten_thousand_files() {
    let dir = tempfile::tempdir().unwrap();
    let n = drillsim::model::limits::MAX_INCLUDED_FILES;
    let mut includes = Vec::with_capacity(n);
    for i in 0..n {
        std::fs::write(dir.path().join(format!("p{i}.toml")), "").unwrap();
        includes.push(format!("\"p{i}.toml\""));
    }
    let main = dir.path().join("main.toml");
    // With the exercise file, one file too many.
    std::fs::write(&main, format!("include = [{}]\n{}", includes.join(", "), plain())).unwrap();
    let e = drillsim::scenario::load(&main).unwrap_err();
    assert_eq!(e.kind, K::TooMany, "{e}");
    includes.pop();
    std::fs::write(&main, format!("include = [{}]\n{}", includes.join(", "), plain())).unwrap();
    drillsim::scenario::load(&main).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn names_with_control_characters_are_refused_at_their_place_and_quotes_are_escaped() {
    let text = plain().replace("id = \"fix\"", "id = \"fix\\u001b[31m\"");
    let e = drillsim::scenario::load_str(Path::new("t.toml"), &text).unwrap_err();
    assert_eq!(e.kind, K::BadName, "{e}");
    assert_eq!(e.position.map(|p| p.1), Some(6), "{e}");
    assert!(!e.to_string().contains('\u{1b}'), "{e}");
    // A quoted key that is no field: serde's message quotes it, escaped.
    let text = plain().replacen("[detection]", "[detection]\n\"evil\\u001b]0;x\\u0007\" = 1", 1);
    let e = drillsim::scenario::load_str(Path::new("t.toml"), &text).unwrap_err();
    assert_eq!(e.kind, K::UnknownField, "{e}");
    let shown = e.to_string();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}') && shown.contains("\\u{1b}"),
        "{shown}"
    );
    // Free text too.
    let text = plain().replace("id = \"fix\"", "id = \"fix\"\ntitle = \"Fix\\u001b[2J\"");
    assert_eq!(
        drillsim::scenario::load_str(Path::new("t.toml"), &text).unwrap_err().kind,
        K::BadName
    );
}

/// The error of `text` is a cap (`TooMany`) and names the limit.
fn assert_capped(text: &str, limit: usize) {
    let e = drillsim::scenario::load_str(Path::new("t.toml"), text).unwrap_err();
    assert_eq!(e.kind, K::TooMany, "{e}");
    assert!(e.to_string().contains(&limit.to_string()), "{e}");
}

#[test]
fn escalation_levels_are_capped() {
    use drillsim::model::limits::MAX_ESCALATION_LEVELS;
    let level = "[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"1m\"\ntimeout = \"5m\"\n";
    let text = format!("{}{}", plain(), level.repeat(MAX_ESCALATION_LEVELS));
    assert_capped(&text, MAX_ESCALATION_LEVELS);
    let text = format!("{}{}", plain(), level.repeat(MAX_ESCALATION_LEVELS - 1));
    drillsim::scenario::load_str(Path::new("t.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn monitors_are_capped() {
    use drillsim::model::limits::MAX_MONITORS;
    let mut text = plain().replace("delay = \"5m\"\n", "");
    for i in 0..=MAX_MONITORS {
        text.push_str(&format!("[[monitor]]\nname = \"m{i}\"\nsees = [\"failure\"]\ndelay = \"1m\"\n"));
    }
    assert_capped(&text, MAX_MONITORS);
}

#[test]
fn severity_levels_are_capped() {
    use drillsim::model::limits::MAX_SEVERITY_LEVELS;
    let mut text = format!("{}[[level]]\nname = \"l0\"\n", plain());
    for i in 1..=MAX_SEVERITY_LEVELS {
        text.push_str(&format!("[[level]]\nname = \"l{i}\"\ncompromised = {i}\n"));
    }
    assert_capped(&text, MAX_SEVERITY_LEVELS);
}

#[test]
fn dependency_edges_are_capped() {
    use drillsim::model::limits::MAX_DEPENDENCY_EDGES;
    let after = vec!["\"fix\""; MAX_DEPENDENCY_EDGES + 1].join(",");
    let text = format!(
        "{}[[step]]\nid = \"b\"\nteam = \"ops\"\nduration = \"1m\"\nafter = [{after}]\n",
        plain()
    );
    assert_capped(&text, MAX_DEPENDENCY_EDGES);
    let needs = vec!["\"feed\""; MAX_DEPENDENCY_EDGES + 1].join(",");
    let text = format!(
        "{}[components.feed]\nkind = \"power_feed\"\n[components.app]\nkind = \"service\"\npower = \"feed\"\nneeds = [{needs}]\n",
        plain()
    );
    assert_capped(&text, MAX_DEPENDENCY_EDGES);
}

#[test]
fn a_clock_time_as_a_fault_time_says_a_duration_is_wanted_and_where_clock_times_go() {
    let text = format!(
        "{}[components.feed]\nkind = \"power_feed\"\n[[fault]]\nid = \"cut\"\nkind = \"power_loss\"\ntarget = \"feed\"\nat = \"02:00\"\noutage = \"1h\"\n",
        plain()
    );
    let e = drillsim::scenario::load_str(Path::new("t.toml"), &text).unwrap_err();
    assert_eq!(e.kind, K::BadDuration);
    let s = e.to_string();
    assert!(
        s.contains("\"02:00\" is a clock time, but a duration is wanted here: write \"2h\""),
        "{s}"
    );
    assert!(s.contains("A fault's `at` is a duration from the exercise's start"), "{s}");
    assert!(s.contains("`[exercise] start = \"02:00\"`"), "{s}");
    assert!(!s.contains("02m"), "{s}");
}
