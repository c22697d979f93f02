//! `drillsim compare`: paired trials make a sharp gate that does not cry wolf.
//!
//! Tolerances are the command's defaults (changes within max(1 min, 0.5%) do not count; 95%
//! paired-bootstrap intervals) unless a test says otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use drillsim::batch::summarize_range;
use drillsim::compare::{self, Change, CompareOptions};
use drillsim::model::Scenario;
use tempfile::TempDir;

use crate::common::{self, drillsim_in, repo};

fn ref20() -> Scenario {
    drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap()
}

/// ref20 copied into a temporary folder, with its plan and teams edited.
fn ref20_with(plan: impl FnOnce(&str) -> String, teams: impl FnOnce(&str) -> String) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ref20")).unwrap();
    std::fs::copy(repo("scenarios/ref20.toml"), dir.path().join("ref20.toml")).unwrap();
    let read = |f: &str| std::fs::read_to_string(repo(&format!("scenarios/ref20/{f}"))).unwrap();
    std::fs::write(dir.path().join("ref20/plan.toml"), plan(&read("plan.toml"))).unwrap();
    std::fs::write(dir.path().join("ref20/teams.toml"), teams(&read("teams.toml"))).unwrap();
    let file = dir.path().join("ref20.toml");
    (dir, file)
}

/// The plan with step `id`'s median duration multiplied by `factor`.
fn scale_median(plan: &str, id: &str, factor: f64) -> String {
    let at = plan.find(&format!("id = \"{id}\"")).expect("step in the plan");
    let m = at + plan[at..].find("median = \"").unwrap() + "median = \"".len();
    let end = m + plan[m..].find("m\"").unwrap();
    let old: f64 = plan[m..end].parse().unwrap();
    format!("{}{}{}", &plan[..m], old * factor, &plan[end..])
}

fn keep(s: &str) -> String {
    s.to_string()
}

fn load(p: &Path) -> Scenario {
    drillsim::scenario::load(p).unwrap_or_else(|e| panic!("{e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn an_identical_revision_differs_by_exactly_zero_and_exits_0() {
    let (dir, copy) = ref20_with(keep, keep);
    let out_dir = dir.path().join("out");
    let out = drillsim_in(
        &[
            "compare",
            repo("scenarios/ref20.toml").to_str().unwrap(),
            copy.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out_dir.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["result"], "no significant change");
    let stats = json["exercises"][0]["statistics"].as_array().unwrap();
    assert_eq!(stats.len(), 3);
    for s in stats {
        assert_eq!(
            (s["change"].as_f64(), s["low"].as_f64(), s["high"].as_f64()),
            (Some(0.0), Some(0.0), Some(0.0)),
            "{s}"
        );
    }
    // The other files a pull request gets.
    let md = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    // The pull-request comment: the verdict first, the unchanged exercise folded, one line.
    assert!(md.starts_with("### drillsim compare: **no significant change**\n"), "{md}");
    assert!(md.contains("No statistic changed beyond its tolerance."), "{md}");
    let p95 = stats.iter().find(|s| s["statistic"] == "recovery p95").unwrap();
    let line = format!("| ref20.toml | {0:.1} min | {0:.1} min | 3 |", p95["base"].as_f64().unwrap());
    assert!(md.contains(&line), "{line} in {md}");
    let csv = std::fs::read_to_string(out_dir.join("ref20.cdf.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + compare::CDF_POINTS);
    let svg = std::fs::read_to_string(out_dir.join("ref20.cdf.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("\nbase\n") && svg.contains("\ncandidate\n"),
        "{svg}"
    );
    let png = std::fs::read(out_dir.join("ref20.cdf.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
}

#[test]
fn slowing_an_always_critical_step_by_ten_percent_is_worse() {
    let base = ref20();
    let sum = summarize_range(&base, 42, 0..20_000, None);
    for id in ["s0", "s19"] {
        assert!(sum.criticality(base.step_index(id).unwrap()) > 0.99);
        let (_dir, file) = ref20_with(|p| scale_median(p, id, 1.1), keep);
        let cand = load(&file);
        // Measured with seed 42: 100 paired trials already flag both (the mean moves by
        // 1.0% and 1.3%, its interval is +-0.1 min wide at 2,000); 2,000 keeps a wide margin.
        let mut opt = CompareOptions::new(42);
        opt.trials = 2_000;
        let c = compare::compare(&base, &cand, &opt);
        assert_eq!(c.verdict, Change::Worse, "{id}: {:?}", c.rows);
        assert_eq!(c.rows[0].verdict, Change::Worse, "{id}: the mean");
    }
    // The command line at its defaults (20,000 trials) exits 1.
    let (dir, file) = ref20_with(|p| scale_median(p, "s0", 1.1), keep);
    let out = drillsim_in(
        &[
            "compare",
            repo("scenarios/ref20.toml").to_str().unwrap(),
            file.to_str().unwrap(),
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("result: worse"));
}

#[test]
fn slowing_a_never_critical_step_by_ten_percent_is_not_flagged() {
    let base = ref20();
    let sum = summarize_range(&base, 42, 0..20_000, None);
    let (i, crit) = (0..base.steps.len())
        .map(|i| (i, sum.criticality(i)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(crit < 0.01, "{}: {crit}", base.steps[i].id);
    let (_dir, file) = ref20_with(|p| scale_median(p, &base.steps[i].id, 1.1), keep);
    let c = compare::compare(&base, &load(&file), &CompareOptions::new(42));
    assert_eq!(c.verdict, Change::NoSignificantChange, "{:?}", c.rows);
}

#[test]
fn adding_a_person_to_the_bottleneck_team_is_better() {
    let base = ref20();
    let sum = summarize_range(&base, 42, 0..20_000, None);
    let t = (0..base.teams.len())
        .max_by(|&a, &b| sum.utilization(a).total_cmp(&sum.utilization(b)))
        .unwrap();
    let (name, cap) = (&base.teams[t].name, base.teams[t].capacity);
    let (_dir, file) = ref20_with(keep, |teams| {
        let from = format!("[teams.{name}]\ncapacity = {cap}");
        assert!(teams.contains(&from));
        teams.replace(&from, &format!("[teams.{name}]\ncapacity = {}", cap + 1))
    });
    let c = compare::compare(&base, &load(&file), &CompareOptions::new(42));
    assert_eq!(c.verdict, Change::Better, "{:?}", c.rows);
    assert!(c.rows.iter().all(|r| r.verdict == Change::Better), "{:?}", c.rows);
}

/// Renaming a step gives it another random stream: its durations are drawn afresh, so the
/// paired differences are pure noise. s0 and s19 are on the critical path of every trial,
/// the noisiest cases. Over 100 seeds each at 3,000 trials, the gate flags none, either way.
/// (Measured: with zero tolerance the same runs flag 4 and 7 of 100, which is what the
/// tolerance is for; with the defaults the closest interval stays 0.65 min short of its
/// margin.)
#[test]
fn renaming_a_step_is_never_flagged_over_100_seeds() {
    let base = ref20();
    for id in ["s0", "s19"] {
        let (_dir, file) = ref20_with(|p| p.replace(&format!("\"{id}\""), &format!("\"{id}-renamed\"")), keep);
        let cand = load(&file);
        assert!(cand.step_index(&format!("{id}-renamed")).is_some());
        let mut flagged = Vec::new();
        for seed in 0..100 {
            let mut opt = CompareOptions::new(seed);
            opt.trials = 3_000;
            let c = compare::compare(&base, &cand, &opt);
            if c.verdict != Change::NoSignificantChange {
                flagged.push((seed, c.rows));
            }
        }
        assert!(flagged.is_empty(), "renaming {id}: false alarms: {flagged:?}");
    }
}

#[test]
fn the_same_comparison_at_one_and_two_threads_is_identical() {
    let base = ref20();
    let (_dir, file) = ref20_with(|p| p.replace("\"s3\"", "\"s3b\""), keep);
    let cand = load(&file);
    let mut opt = CompareOptions::new(5);
    opt.trials = 5_000;
    let run = |threads| {
        let pool = drillsim::batch::pool(Some(threads)).unwrap();
        let c = pool.install(|| compare::compare(&base, &cand, &opt));
        let rep = compare::summary::Report {
            base: "b".into(),
            candidate: "c".into(),
            entries: vec![compare::summary::Entry::Compared {
                name: "ref20".into(),
                comparison: Box::new(c),
            }],
        };
        compare::summary::json(&rep).to_string()
    };
    assert_eq!(run(1), run(2));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

/// `--base-rev` reads the scenario and its includes from git; a folder pairs exercises by path.
#[test]
fn base_rev_reads_the_base_from_git() {
    let (dir, _) = ref20_with(keep, keep);
    let d = dir.path();
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    // Clean tree: identical to HEAD.
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "2000", "--out", "o1"], d);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("+0.00 min"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("HEAD:ref20.toml"));
    // The included plan is edited in the working tree: the base still has the old one.
    let plan = std::fs::read_to_string(d.join("ref20/plan.toml")).unwrap();
    std::fs::write(d.join("ref20/plan.toml"), scale_median(&plan, "s19", 1.1)).unwrap();
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "2000", "--out", "o2"], d);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    // A folder: a new exercise is listed, not compared.
    std::fs::copy(d.join("ref20.toml"), d.join("new.toml")).unwrap();
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", ".", "-n", "2000", "--out", "o3"], d);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let md = std::fs::read_to_string(d.join("o3/summary.md")).unwrap();
    assert!(md.contains("`new.toml`: new in the candidate"), "{md}");
    assert!(md.contains("| ref20.toml | recovery mean |"), "{md}");
    // A base that is not a valid scenario (the revision repairs it) is reported, with its
    // position at the revision, and is not a failure.
    let good = std::fs::read_to_string(d.join("ref20.toml")).unwrap();
    let broken = good.replace("\"ack p90 <= 30m\"", "\"ack p90 <= 30\"");
    assert_ne!(good, broken);
    std::fs::write(d.join("ref20.toml"), broken).unwrap();
    git(d, &["commit", "-q", "-a", "-m", "broken"]);
    std::fs::write(d.join("ref20.toml"), &good).unwrap();
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "500", "--out", "o4"], d);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("the base is not a valid scenario") && stdout.contains("HEAD:ref20.toml:"),
        "{stdout}"
    );
    // A revision that does not exist is bad input.
    let out = drillsim_in(&["compare", "--base-rev", "no-such-rev", "ref20.toml"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no such revision"), "{}", text(&out.stderr));
}

/// A repository with ref20 committed, as `base_rev_reads_the_base_from_git` starts.
fn committed_ref20() -> TempDir {
    let (dir, _) = ref20_with(keep, keep);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

/// The base must come from git or not at all: a missing object, a shallow clone and a
/// repository git refuses are each exit 2 naming what could not be read, never "new in the
/// candidate" nor a pass.
#[test]
fn a_base_git_cannot_produce_is_an_error_not_a_pass() {
    // A corrupt clone: the included plan's blob is gone.
    let dir = committed_ref20();
    let d = dir.path();
    let oid = Command::new("git")
        .args(["rev-parse", "HEAD:ref20/plan.toml"])
        .current_dir(d)
        .output()
        .unwrap();
    let oid = text(&oid.stdout).trim().to_string();
    std::fs::remove_file(d.join(".git/objects").join(&oid[..2]).join(&oid[2..])).unwrap();
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "200", "--out", "o"], d);
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("HEAD:ref20/plan.toml"), "{}", text(&out.stderr));
    assert!(!d.join("o").exists(), "nothing written");
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", ".", "-n", "200", "--out", "o"], d);
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!text(&out.stdout).contains("new in the candidate"));

    // A shallow clone that lacks the base revision.
    let dir = committed_ref20();
    let d = dir.path();
    std::fs::write(
        d.join("ref20/plan.toml"),
        scale_median(&std::fs::read_to_string(d.join("ref20/plan.toml")).unwrap(), "s19", 1.1),
    )
    .unwrap();
    git(d, &["commit", "-q", "-a", "-m", "slower"]);
    let clone = d.join("shallow");
    git(
        d,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &format!("file://{}", d.display()),
            clone.to_str().unwrap(),
        ],
    );
    let out = drillsim_in(
        &["compare", "--base-rev", "HEAD~1", "ref20.toml", "-n", "200", "--out", "o"],
        &clone,
    );
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("HEAD~1"), "{}", text(&out.stderr));

    // A repository owned by someone else: git refuses it ("dubious ownership").
    let dir = committed_ref20();
    let d = dir.path();
    let empty = d.join("empty.gitconfig");
    std::fs::write(&empty, "").unwrap();
    assert!(Command::new("chown").args(["-R", "12345:12345"]).arg(d).status().unwrap().success());
    let out = common::drillsim()
        .args(["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "200", "--out", "o"])
        .current_dir(d)
        .env("GIT_CONFIG_GLOBAL", &empty)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("dubious ownership"), "{}", text(&out.stderr));
}

/// Includes of the base are read inside the revision: one that climbs out of the repository
/// is refused, not read from beside the temporary copy.
#[test]
fn a_base_include_that_climbs_out_of_the_repository_is_refused() {
    let dir = committed_ref20();
    let d = dir.path();
    let good = std::fs::read_to_string(d.join("ref20.toml")).unwrap();
    let escaping = good.replace("include = [\"ref20/teams.toml\"", "include = [\"../../../../tmp/teams.toml\"");
    assert_ne!(good, escaping);
    std::fs::write(d.join("ref20.toml"), &escaping).unwrap();
    git(d, &["commit", "-q", "-a", "-m", "escape"]);
    std::fs::write(d.join("ref20.toml"), &good).unwrap();
    let out = drillsim_in(&["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "200", "--out", "o"], d);
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        text(&out.stderr).contains("HEAD:ref20.toml: include \"../../../../tmp/teams.toml\" climbs out"),
        "{}",
        text(&out.stderr)
    );
}

/// The copy of the base is removed on a signal too: the summary goes to a FIFO nobody reads,
/// so the command waits there with the copy on disk; SIGTERM removes it and exits 143.
#[test]
fn a_signal_removes_the_copy_of_the_base() {
    let dir = committed_ref20();
    let d = dir.path();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.join("o")).unwrap();
    assert!(Command::new("mkfifo").arg(d.join("o/summary.md")).status().unwrap().success());
    let mut child = common::drillsim_process()
        .args(["compare", "--base-rev", "HEAD", "ref20.toml", "-n", "500", "--out", "o"])
        .current_dir(d)
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    let temporaries = || std::fs::read_dir(d.join("o")).unwrap().count() - 1;
    while temporaries() < 4 {
        assert!(t0.elapsed().as_secs() < 60, "the outputs never appeared");
        assert!(child.try_wait().unwrap().is_none(), "compare ended before writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "the copy of the base exists");
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "the copy of the base is gone");
    assert_eq!(std::fs::read_dir(d.join("o")).unwrap().count(), 1, "only the FIFO is left");
}

/// Folders: exercises are found however their table is written, and `p/q.toml` and
/// `p__q.toml` get outputs of their own.
#[test]
fn folder_exercises_get_distinct_outputs() {
    let (dir, _) = ref20_with(keep, keep);
    let d = dir.path();
    let main = std::fs::read_to_string(d.join("ref20.toml")).unwrap();
    let dotted = main
        .replace("[exercise]\nname = \"ref20\"", "exercise.name = \"ref20\"")
        .replace("\ndescription = ", "\nexercise.description = ")
        .replace("\nseed = ", "\nexercise.seed = ")
        .replace("\ntrials = ", "\nexercise.trials = ");
    assert!(!dotted.contains("[exercise]"));
    std::fs::create_dir(d.join("p")).unwrap();
    std::fs::write(d.join("p/q.toml"), main.replace("\"ref20/", "\"../ref20/")).unwrap();
    std::fs::write(d.join("p__q.toml"), &dotted).unwrap();
    std::fs::remove_file(d.join("ref20.toml")).unwrap();
    let out = drillsim_in(&["compare", ".", ".", "-n", "200", "--out", "out"], d);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let md = std::fs::read_to_string(d.join("out/summary.md")).unwrap();
    assert!(md.contains("| p/q.toml |") && md.contains("| p__q.toml |"), "{md}");
    for f in ["p__q.cdf.csv", "p_u_uq.cdf.csv"] {
        assert!(d.join("out").join(f).exists(), "{f}");
    }
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("skipped ./ref20/plan.toml: no [exercise] table (a part included by ./p/q.toml and 1 more)\n"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("skipped ./ref20/plan.toml").count(),
        1,
        "once, though both sides are the folder: {stderr}"
    );
}
