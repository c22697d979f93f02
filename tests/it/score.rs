//! `drillsim score`: a record of a simulated trial lands at that trial's percentile, a
//! record at the model's p90 at 90%, drills drawn from the model are judged consistent and
//! drills from a slower plan optimistic; the command's JSON keys, errors and reports.

use std::path::Path;

use drillsim::drill::{self, Observation};
use drillsim::model::Scenario;
use drillsim::score::{self, ModelVerdict, percentile};
use drillsim::sim::trace;

use crate::common::{drillsim, repo, scenario};

/// Random detection, acknowledgement and step durations: a shop whose app crashes,
/// diagnosed, then fixed (restarting the app), with customers told in parallel.
fn plan_text(fix_median: &str) -> String {
    format!(
        r#"
[detection]
delay = {{ dist = "lognormal", median = "5m", sigma = 0.6 }}
page = "ops"

[teams.ops]
capacity = 2
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 0.8
ack_delay = {{ dist = "lognormal", median = "4m", sigma = 0.5 }}
timeout = "15m"
[[teams.ops.escalation.level]]
name = "secondary"
ack = 1.0
ack_delay = {{ dist = "lognormal", median = "3m", sigma = 0.4 }}
timeout = "15m"

[components.feed]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed"
[services.shop]
needs = ["app"]
rto = "2h"
[[fault]]
id = "crash"
kind = "failure"
target = "app"

[[step]]
id = "diagnose"
team = "ops"
duration = {{ dist = "lognormal", median = "20m", sigma = 0.4 }}
[[step]]
id = "fix"
team = "ops"
after = ["diagnose"]
duration = {{ dist = "lognormal", median = "{fix_median}", sigma = 0.3 }}
effect = {{ restart = "app" }}
[[step]]
id = "notify"
team = "ops"
duration = {{ dist = "lognormal", median = "10m", sigma = 0.5 }}
"#
    )
}

fn plan() -> Scenario {
    scenario(&plan_text("30m"))
}

/// Trial `k` of `seed` of `sc`, written as a drill record and read back against `against`.
fn record_of(sc: &Scenario, against: &Scenario, seed: u64, k: u64) -> drill::Record {
    let tr = trace::replay(sc, seed, k);
    let text = drill::simulated::record_text(sc, &tr, seed, k);
    drill::load_str(Path::new(&format!("trial-{k}.csv")), &text, against).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn a_record_of_a_simulated_trial_scores_at_that_trials_percentile() {
    let sc = plan();
    let (seed, trials) = (7, 4000);
    let records: Vec<_> = (0..25).map(|k| record_of(&sc, &sc, seed, k)).collect();
    let scores = score::score(&sc, seed, trials, &records);
    for (k, r) in scores.records.iter().enumerate() {
        let out = trace::replay(&sc, seed, k as u64).outcome;
        let sum = &scores.summary;
        let mut expected: Vec<(String, f64, f64)> = vec![
            ("recovery".into(), out.recovery, percentile(&sum.recovery, out.recovery)),
            ("detect".into(), out.detect, percentile(&sum.detect, out.detect)),
            ("ack".into(), out.ack, percentile(&sum.ack, out.ack)),
            (
                "services.shop".into(),
                out.downtime[0],
                percentile(&sum.downtime[0], out.downtime[0]),
            ),
        ];
        for (s, st) in sc.steps.iter().enumerate() {
            let d = out.finish[s] - out.start[s];
            expected.push((format!("steps.{}", st.id), d, percentile(&scores.durations.steps[s], d)));
        }
        let keys: Vec<&str> = r.measures.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, expected.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), "trial {k}");
        for (m, (key, value, pct)) in r.measures.iter().zip(&expected) {
            // The record's value is the engine's, to rounding in the last bits.
            assert!(
                matches!(m.actual, Observation::Exact(v) if (v - value).abs() <= 1e-9 * value.max(1.0)),
                "trial {k} {key}: {:?} against {value}",
                m.actual
            );
            assert_eq!(m.percentile, *pct, "trial {k} {key}");
        }
        // A simulated trial follows the plan.
        assert!(r.departures.is_empty(), "trial {k}: {:?}", r.departures);
        assert!(r.closed);
    }
}

#[test]
fn a_recovery_at_the_models_p90_scores_90_percent() {
    let sc = plan();
    let scores = score::score(&sc, 3, 20_000, &[]);
    let p90 = scores.summary.recovery.quantile(0.9);
    let text = format!("time,event,subject\n0m,fault,crash\n0m,service_down,shop\n{p90}m,service_up,shop\n");
    let r = drill::load_str(Path::new("p90.csv"), &text, &sc).unwrap();
    let scores = score::place(&sc, 3, scores.summary, scores.durations, &[r]);
    let m = &scores.records[0].measures[0];
    assert_eq!(m.key, "recovery");
    // The quantile error bound: the sketch's value is good to its bucket (0.1% wide), so
    // the share may be off by the trials within 0.1% of p90 on either side.
    let sk = &scores.summary.recovery;
    let bound = sk.share_at_most(p90 * 1.001) - sk.share_at_most(p90 * 0.999) + 1.0 / sk.count() as f64;
    assert!(bound < 0.01, "bound {bound}");
    assert!((m.percentile - 0.9).abs() <= bound, "{} (bound {bound})", m.percentile);
}

#[test]
fn drills_from_the_model_are_consistent_and_from_a_slower_plan_optimistic() {
    let sc = plan();
    let n = 80;
    // Drills drawn from the model itself (another seed: independent of the scored trials).
    let records: Vec<_> = (0..n).map(|k| record_of(&sc, &sc, 99, k)).collect();
    let scores = score::score(&sc, 1, 20_000, &records);
    let cov = score::coverage(&scores);
    for c in &cov {
        assert_eq!(c.verdict, ModelVerdict::Consistent, "{c:?}");
        if c.key != "overall" {
            // Each measure's share inside the band is within 3 standard errors of 80%.
            let share = c.inside as f64 / c.n as f64;
            let se = (0.16 / c.n as f64).sqrt();
            assert!((share - 0.8).abs() <= 3.0 * se, "{c:?}");
        }
    }
    // The same drills from a plan whose fix takes twice as long: optimistic for that step.
    let slow = scenario(&plan_text("60m"));
    let records: Vec<_> = (0..n).map(|k| record_of(&slow, &sc, 99, k)).collect();
    let scores = score::score(&sc, 1, 20_000, &records);
    let cov = score::coverage(&scores);
    let of = |k: &str| cov.iter().find(|c| c.key == k).unwrap().verdict;
    assert_eq!(of("steps.fix"), ModelVerdict::Optimistic);
    assert_eq!(of("steps.diagnose"), ModelVerdict::Consistent);
    assert_eq!(of("steps.notify"), ModelVerdict::Consistent);
    assert_eq!(of("recovery"), ModelVerdict::Optimistic);
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_score_command_writes_stable_json_the_same_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "plan.toml", &plan_text("30m"));
    let rec = dir.path().join("drill.csv");
    drillsim()
        .args(["trace", sc.to_str().unwrap(), "-k", "3", "--record", rec.to_str().unwrap()])
        .assert()
        .success();
    let tabletop = write(
        dir.path(),
        "tabletop.csv",
        "# start: 03:00\ntime,event,subject,outcome,note\n03:00,fault,crash,,\n03:06,detected,,,\n03:10,acked,ops,,\n03:11,step_started,diagnose,,\n03:40,step_finished,diagnose,,\n03:41,step_started,fix,,\n04:00,step_started,+call vendor,,\n",
    );
    let run = |threads: &str| {
        let out = drillsim()
            .args(["score", sc.to_str().unwrap(), rec.to_str().unwrap(), tabletop.to_str().unwrap()])
            .args(["-n", "3000", "-j", threads, "--json", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let d = &v["records"]["drill.csv"]["measures"];
    for key in ["recovery", "detect", "ack"] {
        for field in ["actual", "percentile", "p50", "p90"] {
            assert!(d[key][field].is_number(), "{key}.{field}: {d}");
        }
    }
    assert!(d["steps"]["fix"]["percentile"].is_number(), "{d}");
    assert!(d["services"]["shop"]["actual"].is_number(), "{d}");
    let t = &v["records"]["tabletop.csv"];
    // The tabletop stopped with fix still running: censored, at least 19 minutes (03:41 to 04:00).
    assert_eq!(t["measures"]["steps"]["fix"]["censored"], true);
    assert_eq!(t["measures"]["steps"]["fix"]["actual"], 19.0);
    assert_eq!(t["closed"], false);
    assert_eq!(t["departures"][0]["kind"], "unplanned");
    assert!(v["coverage"]["overall"]["n"].as_u64().unwrap() > 0);
}

#[test]
fn bad_records_are_named_at_their_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "plan.toml", &plan_text("30m"));
    let bad = write(
        dir.path(),
        "bad.csv",
        "time,event,subject\n0m,fault,crash\n5m,step_started,diagnos\n",
    );
    let out = drillsim()
        .args(["score", sc.to_str().unwrap(), bad.to_str().unwrap(), "-n", "100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3:17"), "{err}");
    assert!(err.contains("did you mean `diagnose`?"), "{err}");
    // A scenario given where a record belongs is said, not parsed as a CSV.
    let out = drillsim()
        .args(["score", sc.to_str().unwrap(), sc.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a scenario file, not a drill record"));
}

#[test]
fn reports_mark_the_drills_and_run_keeps_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "plan.toml", &plan_text("30m"));
    let mut recs = Vec::new();
    for k in 0..3 {
        let p = dir.path().join(format!("d{k}.csv"));
        drillsim()
            .args(["trace", sc.to_str().unwrap(), "-k", &k.to_string(), "--record", p.to_str().unwrap()])
            .assert()
            .success();
        recs.push(p.to_str().unwrap().to_string());
    }
    let sc = sc.to_str().unwrap();
    // --drill needs a report to mark.
    let out = drillsim().args(["run", sc, "--drill", &recs[0]]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --out"));

    let plain = dir.path().join("plain.json");
    drillsim()
        .args(["run", sc, "-n", "2000", "-q", "--json", plain.to_str().unwrap()])
        .assert()
        .success();
    let rep = dir.path().join("rep");
    let mut args = vec!["run", sc, "-n", "2000", "-q", "--out", rep.to_str().unwrap(), "-f", "json,md,svg"];
    args.extend(["--sensitivity-trials", "0"]);
    for r in &recs {
        args.extend(["--drill", r.as_str()]);
    }
    drillsim().args(&args).assert().success();
    let strip = |t: String| {
        let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
        v.as_object_mut().unwrap().remove("timing");
        v
    };
    // Kept durations or not, the run's summary is the same.
    assert_eq!(
        strip(std::fs::read_to_string(&plain).unwrap()),
        strip(std::fs::read_to_string(rep.join("summary.json")).unwrap())
    );
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("## Drills"), "{md}");
    assert!(md.contains("### d0.csv"), "{md}");
    assert!(md.contains("drill_percentiles.svg"), "{md}");
    let cdf = std::fs::read_to_string(rep.join("recovery_cdf.svg")).unwrap();
    assert!(cdf.contains("drill d0.csv"), "the CDF names the drill");
    assert!(
        std::fs::read_to_string(rep.join("recovery_histogram.svg"))
            .unwrap()
            .contains("drill d1.csv")
    );
    // A later run without drills leaves no stale drill chart behind.
    drillsim()
        .args([
            "run",
            sc,
            "-n",
            "500",
            "-q",
            "--out",
            rep.to_str().unwrap(),
            "-f",
            "md,svg",
            "--sensitivity-trials",
            "0",
        ])
        .assert()
        .success();
    assert!(!rep.join("drill_percentiles.svg").exists());
}

#[test]
fn a_shipped_plan_scores_a_record_of_its_own_trial() {
    let sc = repo("scenarios/plan1/system-failure.toml");
    let out = drillsim()
        .args(["trace", sc.to_str().unwrap(), "-k", "2", "--record", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# A simulated drill"), "{text}");
    let scn = drillsim::scenario::load(&sc).unwrap();
    let r = drill::load_str(Path::new("t.csv"), &text, &scn).unwrap();
    assert!(r.closed());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    /// Any record of the plan, whole or stopped early, in order or not, scores and renders
    /// without a panic.
    #[test]
    fn any_record_scores_and_renders(
        detect in proptest::option::of(0u32..60),
        ack in proptest::option::of(0u32..60),
        steps in proptest::collection::vec((proptest::option::of(0u32..200), proptest::option::of(0u32..200)), 3),
        outage in proptest::option::of((0u32..100, proptest::option::of(0u32..300))),
        extra in proptest::option::of(0u32..200),
        closed in proptest::prelude::any::<bool>(),
    ) {
        let sc = plan();
        let mut rows: Vec<(u32, String)> = vec![(0, "fault,crash".into())];
        if let Some(d) = detect {
            rows.push((d, "detected,".into()));
            if let Some(a) = ack {
                rows.push((d + a, "acked,ops".into()));
            }
        }
        for ((start, dur), id) in steps.iter().zip(["diagnose", "fix", "notify"]) {
            if let Some(s) = start {
                rows.push((*s, format!("step_started,{id}")));
                if let Some(d) = dur {
                    rows.push((s + d, format!("step_finished,{id}")));
                }
            }
        }
        if let Some((down, up)) = outage {
            rows.push((down, "service_down,shop".into()));
            if let Some(u) = up {
                rows.push((down + u, "service_up,shop".into()));
            }
        }
        if let Some(e) = extra {
            rows.push((e, "step_started,+call vendor".into()));
        }
        rows.sort_by_key(|r| r.0);
        let end = rows.last().map_or(0, |r| r.0);
        if closed {
            rows.push((end, "closed,".into()));
        }
        let text: String = std::iter::once("time,event,subject\n".to_string())
            .chain(rows.iter().map(|(t, r)| format!("{t}m,{r}\n")))
            .collect();
        let r = drill::load_str(Path::new("p.csv"), &text, &sc);
        proptest::prop_assert!(r.is_ok(), "{text}: {r:?}");
        let r = r.unwrap();
        let scores = score::score(&sc, 1, 50, &[r.clone(), r]);
        let cov = score::coverage(&scores);
        let _ = drillsim::report::score::terminal(&sc, &scores, &cov);
        let _ = drillsim::report::score::json(&sc, &scores, &cov);
        let _ = drillsim::report::markdown::render(&drillsim::report::score::doc(&sc, &scores, &cov), None);
    }
}
