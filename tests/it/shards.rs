//! Shards through the binary: `run --shard --partial`, `merge`, `check --shard --part` and
//! `merge --check` give what one process gives, byte for byte outside `timing`; mismatched,
//! missing and doubled parts are refused with what to rerun.

use std::path::{Path, PathBuf};

use super::common::drillsim;

const SCENARIO: &str = "scenarios/plan1/compound.toml";

fn run_ok(args: &[&str]) -> std::process::Output {
    let out = drillsim().args(args).output().expect("drillsim runs");
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn fails(args: &[&str], code: i32) -> String {
    let out = drillsim().args(args).output().expect("drillsim runs");
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Write the `n` parts of a run of `trials` trials into `dir`.
fn parts(dir: &Path, file: &str, trials: u64, n: u64, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let p = dir.join(format!("part-{k}.json"));
            let shard = format!("{k}/{n}");
            let trials = trials.to_string();
            let mut args = vec!["run", file, "-n", &trials, "--shard", &shard, "--partial", s(&p), "-q"];
            args.extend_from_slice(extra);
            run_ok(&args);
            p
        })
        .collect()
}

/// A JSON summary without its `timing`.
fn without_timing(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("timing").expect("a timing section");
    v
}

/// A report file with its one timing line dropped (`run time`, in Markdown and HTML).
fn without_run_time(path: &Path) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !String::from_utf8_lossy(l).contains("run time"))
        .collect();
    assert!(lines.len() < text.split(|&b| b == b'\n').count(), "{path:?} has a run time line");
    lines.join(&b'\n')
}

#[test]
fn merged_parts_write_the_same_json_and_report_as_one_process() {
    let t = tempfile::tempdir().unwrap();
    let mut ps = parts(t.path(), SCENARIO, 6000, 4, &["--seed", "9"]);
    ps.reverse();
    let (mj, wj) = (t.path().join("merged.json"), t.path().join("whole.json"));
    let (mo, wo) = (t.path().join("merged"), t.path().join("whole"));
    let mut args = vec!["merge"];
    args.extend(ps.iter().map(|p| s(p)));
    args.extend(["--json", s(&mj), "--out", s(&mo)]);
    let merged = run_ok(&args);
    let whole = run_ok(&[
        "run",
        SCENARIO,
        "-n",
        "6000",
        "--seed",
        "9",
        "-q",
        "--json",
        s(&wj),
        "--out",
        s(&wo),
    ]);
    assert_eq!(without_timing(&mj), without_timing(&wj));
    // The terminal summary is the same too, up to its timing line.
    let body = |o: &std::process::Output| -> String {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.contains("trials/s") && !l.contains("report (") && !l.contains("merged "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&merged), body(&whole));
    assert!(String::from_utf8_lossy(&merged.stdout).contains("merged 4 part(s) of trials 0..6000"));
    let mut names: Vec<String> = std::fs::read_dir(&wo)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() > 10, "{names:?}");
    for name in &names {
        let (a, b) = (wo.join(name), mo.join(name));
        match name.as_str() {
            "summary.json" => assert_eq!(without_timing(&a), without_timing(&b)),
            "report.md" | "report.html" => assert_eq!(without_run_time(&a), without_run_time(&b), "{name}"),
            _ => assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{name} differs"),
        }
    }
}

#[test]
fn merge_with_the_scenario_named_checks_it() {
    let t = tempfile::tempdir().unwrap();
    let ps = parts(t.path(), "scenarios/ref20.toml", 400, 2, &[]);
    let json = t.path().join("m.json");
    run_ok(&[
        "merge",
        s(&ps[0]),
        s(&ps[1]),
        "--scenario",
        "scenarios/ref20.toml",
        "--json",
        s(&json),
    ]);
    assert_eq!(without_timing(&json)["trials"], 400);
    let e = fails(&["merge", s(&ps[0]), s(&ps[1]), "--scenario", SCENARIO], 2);
    assert!(e.contains("is not the scenario the parts ran"), "{e}");
}

#[test]
fn a_gap_says_which_shard_to_rerun() {
    let t = tempfile::tempdir().unwrap();
    let ps = parts(t.path(), "scenarios/ref20.toml", 1000, 4, &["--seed", "5"]);
    let e = fails(&["merge", s(&ps[0]), s(&ps[1]), s(&ps[3])], 2);
    assert!(e.contains("trials 500..750 are in no part"), "{e}");
    assert!(
        e.contains("drillsim run scenarios/ref20.toml --trials 1000 --seed 5 --shard 3/4 --partial"),
        "{e}"
    );
    let e = fails(&["merge", s(&ps[0]), s(&ps[1]), s(&ps[1]), s(&ps[2]), s(&ps[3])], 2);
    assert!(e.contains("overlap: both are shard 2/4"), "{e}");
}

#[test]
fn parts_of_different_runs_are_refused() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("a")).unwrap();
    std::fs::create_dir_all(t.path().join("b")).unwrap();
    let a = parts(&t.path().join("a"), "scenarios/ref20.toml", 300, 2, &[]);
    let b = parts(&t.path().join("b"), "scenarios/ref20.toml", 300, 2, &["--seed", "3"]);
    let e = fails(&["merge", s(&a[0]), s(&b[1])], 2);
    assert!(e.contains("different seeds") && e.contains("seed 3"), "{e}");
    let c = parts(&t.path().join("b"), SCENARIO, 300, 2, &[]);
    let e = fails(&["merge", s(&a[0]), s(&c[1])], 2);
    assert!(e.contains("different scenarios"), "{e}");
    // Another version's part, and a damaged summary.
    let text = std::fs::read_to_string(&a[1]).unwrap();
    let other = t.path().join("other.json");
    std::fs::write(
        &other,
        text.replace(
            &format!("\"drillsim_version\":\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"drillsim_version\":\"9.9.9\"",
        ),
    )
    .unwrap();
    let e = fails(&["merge", s(&a[0]), s(&other)], 2);
    assert!(e.contains("drillsim 9.9.9"), "{e}");
    std::fs::write(&other, text.replacen("\"count\":150", "\"count\":151", 1)).unwrap();
    let e = fails(&["merge", s(&a[0]), s(&other)], 2);
    assert!(e.contains("damaged") && e.contains("run its shard (2/2) again"), "{e}");
    std::fs::write(&other, "{\"format\":\"drillsim-partial-summary\",\"format_version\":7}").unwrap();
    let e = fails(&["merge", s(&other)], 2);
    assert!(e.contains("format version 7"), "{e}");
    let e = fails(&["merge", "README.md"], 2);
    assert!(e.contains("not a drillsim part file"), "{e}");
}

#[test]
fn shard_auto_reads_the_engines_variables() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("p.json");
    let out = drillsim()
        .args(["run", "scenarios/ref20.toml", "-n", "100", "--shard", "auto", "--partial", s(&p)])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_MAX", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shard 2/4, trials 25..50 of 100"));
    let out = drillsim()
        .args([
            "run",
            "scenarios/ref20.toml",
            "-n",
            "100",
            "--shard",
            "auto",
            "--partial",
            s(&p),
            "--shards",
            "5",
        ])
        .env("JOB_COMPLETION_INDEX", "4")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("shard 5/5, trials 80..100"));
    let out = drillsim()
        .args(["run", "scenarios/ref20.toml", "-n", "100", "--shard", "auto", "--partial", s(&p)])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("CI_NODE_INDEX")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no batch engine's shard variable is set"));
}

#[test]
fn flags_that_describe_a_whole_run_are_refused_with_a_shard() {
    for flag in [
        &["--json", "x.json"][..],
        &["--out", "x"],
        &["--worst", "3"],
        &["--trials-out", "x.csv"],
        &["--format", "md"],
    ] {
        let mut args = vec!["run", "scenarios/ref20.toml", "--shard", "1/2", "--partial", "p.json"];
        args.extend_from_slice(flag);
        let e = fails(&args, 2);
        assert!(
            e.contains(&format!("{} with --shard", flag[0])) && e.contains("drillsim merge"),
            "{e}"
        );
    }
    let e = fails(&["run", "scenarios/ref20.toml", "--shard", "1/2"], 2);
    assert!(e.contains("add --partial PATH"), "{e}");
    let e = fails(&["run", "scenarios/ref20.toml", "--shard", "3/2", "--partial", "p.json"], 2);
    assert!(e.contains("counted from 1 to 2"), "{e}");
    let e = fails(
        &["run", "scenarios/ref20.toml", "-n", "3", "--shard", "1/4", "--partial", "p.json"],
        2,
    );
    assert!(e.contains("at most 3 shards"), "{e}");
}

#[test]
fn check_shards_merge_into_the_same_results_and_exit_code() {
    let t = tempfile::tempdir().unwrap();
    let opts = ["-n", "500", "--max-trials", "2000"];
    let mut ps = Vec::new();
    for k in 1..=3 {
        let p = t.path().join(format!("check-{k}.json"));
        let shard = format!("{k}/3");
        let mut args = vec!["check", "scenarios/", "--shard", &shard, "--part", s(&p)];
        args.extend(opts);
        run_ok(&args);
        ps.push(p);
    }
    let (mj, mx) = (t.path().join("m.json"), t.path().join("m.xml"));
    let (wj, wx) = (t.path().join("w.json"), t.path().join("w.xml"));
    let merged = drillsim()
        .args([
            "merge",
            "--check",
            s(&ps[2]),
            s(&ps[0]),
            s(&ps[1]),
            "--json",
            s(&mj),
            "--junit",
            s(&mx),
        ])
        .output()
        .unwrap();
    let mut args = vec!["check", "scenarios/", "--json", s(&wj), "--junit", s(&wx)];
    args.extend(opts);
    let whole = drillsim().args(&args).output().unwrap();
    assert_eq!(whole.status.code(), Some(1), "the seed plans miss objectives on purpose");
    assert_eq!(merged.status.code(), whole.status.code());
    assert_eq!(std::fs::read(&mj).unwrap(), std::fs::read(&wj).unwrap());
    assert_eq!(std::fs::read(&mx).unwrap(), std::fs::read(&wx).unwrap());
    let table = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.contains(" s")).count();
    assert_eq!(table(&merged), table(&whole));
    let e = fails(&["merge", "--check", s(&ps[0]), s(&ps[2])], 2);
    assert!(e.contains("shard 2/3 missing"), "{e}");
    let e = fails(&["merge", s(&ps[0])], 2);
    assert!(e.contains("it is a check part: merge it with `drillsim merge --check`"), "{e}");
}

/// The parts of `compare scenarios/plan1 scenarios/plan2` in `n` shards, with `extra` options.
fn compare_parts(dir: &Path, n: u64, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let p = dir.join(format!("compare-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            let mut args = vec![
                "compare",
                "scenarios/plan1",
                "scenarios/plan2",
                "--shard",
                &shard,
                "--part",
                s(&p),
                "-q",
            ];
            args.extend_from_slice(extra);
            let out = run_ok(&args);
            assert!(
                String::from_utf8_lossy(&out.stdout).contains(&format!("shard {k}/{n}: ")),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
            p
        })
        .collect()
}

/// Every file of a folder, by name.
fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

const COMPARE_OPTS: [&str; 4] = ["-n", "500", "--resamples", "200"];

#[test]
fn compare_shards_merge_into_the_same_files_table_and_exit_code() {
    let t = tempfile::tempdir().unwrap();
    let whole_dir = t.path().join("whole");
    let mut args = vec!["compare", "scenarios/plan1", "scenarios/plan2", "-q", "--out", s(&whole_dir)];
    args.extend(COMPARE_OPTS);
    let whole = drillsim().args(&args).output().unwrap();
    assert!(
        matches!(whole.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let want = files_of(&whole_dir);
    assert!(want.len() >= 2 + 3 * 3, "at least 3 exercises compared: {:?}", want.keys());
    assert!(want.keys().filter(|k| k.ends_with(".cdf.csv")).count() >= 3);
    let table = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with("wrote "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for n in [2u64, 3] {
        let t = tempfile::tempdir().unwrap();
        let mut ps = compare_parts(t.path(), n, &COMPARE_OPTS);
        ps.reverse();
        ps.rotate_left(1);
        let out = t.path().join("merged");
        let mut args = vec!["merge", "--compare", "--out", s(&out)];
        args.extend(ps.iter().map(|p| s(p)));
        let merged = drillsim().args(&args).output().unwrap();
        assert_eq!(
            merged.status.code(),
            whole.status.code(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        let got = files_of(&out);
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
        for (name, bytes) in &want {
            assert!(got[name] == *bytes, "{name} differs after merging {n} shards");
        }
        assert_eq!(table(&merged), table(&whole));
        assert!(String::from_utf8_lossy(&merged.stdout).contains(&format!("wrote {}", s(&out.join("summary.md")))));
    }
}

#[test]
fn a_missing_or_doubled_compare_shard_is_named() {
    let t = tempfile::tempdir().unwrap();
    let ps = compare_parts(t.path(), 3, &COMPARE_OPTS);
    let e = fails(&["merge", "--compare", s(&ps[0]), s(&ps[2])], 2);
    assert!(e.contains("shard 2/3 missing") && e.contains("drillsim compare"), "{e}");
    let e = fails(&["merge", "--compare", s(&ps[0]), s(&ps[1]), s(&ps[1]), s(&ps[2])], 2);
    assert!(e.contains("are both shard 2/3"), "{e}");
    let e = fails(&["merge", s(&ps[0])], 2);
    assert!(e.contains("it is a compare part: merge it with `drillsim merge --compare`"), "{e}");
    let e = fails(&["merge", "--check", s(&ps[0])], 2);
    assert!(e.contains("it is a compare part"), "{e}");
    std::fs::write(&ps[1], "{\"format\":\"drillsim-compare-part\",\"format_version\":1}").unwrap();
    let e = fails(&["merge", "--compare", s(&ps[0]), s(&ps[1]), s(&ps[2])], 2);
    assert!(e.contains(&format!("{}: not a valid compare part", s(&ps[1]))), "{e}");
}

#[test]
fn compare_parts_of_different_settings_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let a = compare_parts(t.path(), 2, &COMPARE_OPTS);
    let b_dir = t.path().join("b");
    std::fs::create_dir(&b_dir).unwrap();
    let b = compare_parts(&b_dir, 2, &["-n", "400", "--resamples", "200"]);
    let e = fails(&["merge", "--compare", s(&a[0]), s(&b[1])], 2);
    assert!(e.contains("different options") && e.contains("--trials"), "{e}");
    assert!(e.contains(s(&a[0])) && e.contains(s(&b[1])), "{e}");
    // Another list of pairs: one file against one file.
    let c = t.path().join("c.json");
    run_ok(&[
        "compare",
        "scenarios/plan1/compound.toml",
        "scenarios/plan2/compound.toml",
        "--shard",
        "2/2",
        "--part",
        s(&c),
        "-q",
        "-n",
        "500",
        "--resamples",
        "200",
    ]);
    let e = fails(&["merge", "--compare", s(&a[0]), s(&c)], 2);
    assert!(e.contains("different lists of exercise pairs"), "{e}");
}

#[test]
fn compare_shard_flags_are_checked() {
    let base = ["compare", "scenarios/plan1", "scenarios/plan2", "-n", "100", "--resamples", "100"];
    let with = |extra: &[&str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        fails(&v, 2)
    };
    let e = with(&["--part", "p.json"]);
    assert!(e.contains("add --shard K/N"), "{e}");
    let e = with(&["--shard", "1/2"]);
    assert!(e.contains("add --part PATH") && e.contains("drillsim merge --compare"), "{e}");
    let e = with(&["--shard", "1/2", "--part", "p.json", "--out", "x"]);
    assert!(e.contains("--out with --shard") && e.contains("drillsim merge --compare"), "{e}");
    let e = with(&["--shard", "3/2", "--part", "p.json"]);
    assert!(e.contains("counted from 1 to 2"), "{e}");
    let e = with(&["--shard", "1/2", "--shards", "2", "--part", "p.json"]);
    assert!(e.contains("--shards goes with --shard auto"), "{e}");
    let e = fails(&["merge", "--compare", "--json", "x.json", "p.json"], 2);
    assert!(e.contains("cannot be used with"), "{e}");
}

#[test]
fn compare_shard_auto_reads_gitlabs_variables() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("p.json");
    let out = drillsim()
        .args([
            "compare",
            "scenarios/plan1",
            "scenarios/plan2",
            "-q",
            "--shard",
            "auto",
            "--part",
            s(&p),
        ])
        .args(COMPARE_OPTS)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env("CI_NODE_INDEX", "3")
        .env("CI_NODE_TOTAL", "3")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shard 3/3: 1 of 5 exercise pair(s)"));
    let part: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    assert_eq!(part["format"], "drillsim-compare-part");
    assert_eq!(part["shard"], serde_json::json!({"index": 3, "count": 3}));
    assert_eq!(part["entries"][0]["index"], 2);
}
