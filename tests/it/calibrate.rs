//! Calibration: the censored lognormal fit recovers what it was drawn from, a few drills move
//! the plan's estimate by the stated share, the censored likelihood is pinned against an
//! independent maximisation, and the command writes a revision that differs from the plan in
//! the fitted lines only and loads.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use drillsim::calibrate::fit::{self, Obs, Prior};
use drillsim::calibrate::{self, Options, Target};
use drillsim::drill;

use crate::common::{drillsim_in, head, scenario};

/// `n` draws of lognormal(median 40m, sigma 0.3) from a seeded ChaCha8.
fn draws(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            (40f64.ln() + 0.3 * z).exp()
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The standard error of the median's log estimate is 0.3 / sqrt(300) = 1.7%, of sigma's
/// 0.3 / sqrt(600) = 4%: the tolerances (3%, 10%) are about 1.7 and 2.4 of them.
#[test]
fn three_hundred_observations_recover_median_within_3_percent_and_sigma_within_10() {
    let xs = draws(300, 2026);
    let exact: Vec<Obs> = xs.iter().map(|&x| Obs::Exact(x)).collect();
    let f = fit::fit(&exact, None).unwrap();
    assert!(rel(f.mu.exp(), 40.0) < 0.03, "median {}", f.mu.exp());
    assert!(rel(f.sigma, 0.3) < 0.10, "sigma {}", f.sigma);
    // With the default prior from a plan that is off (median 30m, sigma 0.5): 8 pseudo-drills
    // against 300 shift ln(median) by 8/308 * ln(30/40) = -0.75%; still within.
    let off = Prior {
        mu: 30f64.ln(),
        sigma: 0.5,
        weight: calibrate::DEFAULT_PRIOR_WEIGHT,
    };
    let f = fit::fit(&exact, Some(&off)).unwrap();
    assert!(rel(f.mu.exp(), 40.0) < 0.03, "median {}", f.mu.exp());
    assert!(rel(f.sigma, 0.3) < 0.10, "sigma {}", f.sigma);

    // Drills that end at 50 minutes: the longer ones (about 23%) are only "at least 50m".
    let cut: Vec<Obs> = xs
        .iter()
        .map(|&x| if x > 50.0 { Obs::AtLeast(50.0) } else { Obs::Exact(x) })
        .collect();
    let censored = cut.iter().filter(|o| matches!(o, Obs::AtLeast(_))).count();
    assert!((40..=100).contains(&censored), "{censored} censored");
    let f = fit::fit(&cut, None).unwrap();
    assert!(rel(f.mu.exp(), 40.0) < 0.03, "censored fit: median {}", f.mu.exp());
    assert!(rel(f.sigma, 0.3) < 0.10, "censored fit: sigma {}", f.sigma);
    // Reading the censored values as exact is what the survival term corrects: that biased
    // fit misses sigma by more than the tolerance (so this test can fail).
    let naive: Vec<Obs> = cut
        .iter()
        .map(|o| {
            Obs::Exact(match o {
                Obs::AtLeast(x) | Obs::Exact(x) | Obs::AtMost(x) => *x,
            })
        })
        .collect();
    let n = fit::fit(&naive, None).unwrap();
    assert!(rel(n.sigma, 0.3) > 0.10, "naive sigma {}", n.sigma);
}

/// A step whose plan says lognormal(median 20m, sigma 0.5).
fn plan() -> drillsim::model::Scenario {
    scenario(&format!(
        r#"{}
[[step]]
id = "fix"
team = "ops"
duration = {{ dist = "lognormal", median = "20m", sigma = 0.5 }}
[[step]]
id = "tell"
team = "ops"
after = ["fix"]
duration = "5m"
"#,
        head("10m", "5m", 1)
    ))
}

fn record(sc: &drillsim::model::Scenario, name: &str, fix: f64) -> drill::Record {
    let text = format!(
        "time,event,subject,outcome,note\n0m,fault,,,\n10m,detected,,,\n15m,acked,ops,,\n15m,step_started,fix,,\n{}m,step_finished,fix,ok,\n",
        15.0 + fix
    );
    drill::load_str(Path::new(name), &text, sc).unwrap()
}

/// All observations exact, so the estimate is the pooled closed form: ln(median) moves
/// n / (n + w) of the way from the plan's to the drills' log-mean. With w = 8, three drills
/// move it 3/11 = 27% of the way, thirty move it 30/38 = 79%. Checked to the rounding of the
/// written median (4 significant digits: 0.05%).
#[test]
fn three_drills_move_the_estimate_three_elevenths_of_the_way_and_thirty_most_of_it() {
    let sc = plan();
    for (n, share) in [(3usize, 3.0 / 11.0), (30, 30.0 / 38.0)] {
        let values: Vec<f64> = (0..n).map(|i| [40.0, 45.0, 50.0][i % 3]).collect();
        let records: Vec<drill::Record> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| record(&sc, &format!("d{i}.csv"), v))
            .collect();
        let cal = calibrate::calibrate(&sc, &records, &Options::default());
        let e = cal.estimates.iter().find(|e| e.target == Target::Step(0)).unwrap();
        assert_eq!((e.exact, e.censored), (n, 0));
        let log_mean = values.iter().map(|v| v.ln()).sum::<f64>() / n as f64;
        let want = (20f64.ln() + share * (log_mean - 20f64.ln())).exp();
        assert!(rel(e.median, want) < 5e-4, "{n} drills: median {} want {want}", e.median);
        let moved = (e.median / 20.0).ln() / (log_mean - 20f64.ln());
        assert!((moved - share).abs() < 2e-3, "{n} drills moved {moved}, want {share}");
        // The fixed "5m" step has no observation: said, not changed.
        assert!(
            cal.unchanged
                .iter()
                .any(|u| u.key == "steps.tell" && u.reason.contains("no observations"))
        );
    }
    // Prior weight 0: the drills alone (the sample log-mean).
    let records: Vec<drill::Record> = [40.0, 45.0, 50.0]
        .iter()
        .enumerate()
        .map(|(i, &v)| record(&sc, &format!("d{i}.csv"), v))
        .collect();
    let cal = calibrate::calibrate(&sc, &records, &Options { prior_weight: 0.0 });
    let gm = (40f64.ln() + 45f64.ln() + 50f64.ln()) / 3.0;
    assert!(rel(cal.estimates[0].median, gm.exp()) < 5e-4);
}

/// ln L with one right-censored observation, written here independently of the library:
/// sum over exact x of ln pdf(ln x) + ln P(Y > ln c).
fn loglik(exact: &[f64], censored: f64, mu: f64, s: f64) -> f64 {
    let mut l = 0.0;
    for x in exact {
        let z = (x.ln() - mu) / s;
        l += -s.ln() - 0.5 * z * z;
    }
    let z = (censored.ln() - mu) / s;
    l + (0.5 * libm::erfc(z / std::f64::consts::SQRT_2)).ln()
}

#[test]
fn the_censored_likelihood_is_pinned_by_its_score_and_a_grid_search() {
    let exact = [10.0, 14.0, 22.0];
    let c = 30.0;
    let obs = [Obs::Exact(10.0), Obs::Exact(14.0), Obs::Exact(22.0), Obs::AtLeast(c)];
    let f = fit::fit(&obs, None).unwrap();
    // The score (gradient of the independent log-likelihood) is zero at the fit.
    let e = 1e-6;
    let dmu = (loglik(&exact, c, f.mu + e, f.sigma) - loglik(&exact, c, f.mu - e, f.sigma)) / (2.0 * e);
    let dsd = (loglik(&exact, c, f.mu, f.sigma + e) - loglik(&exact, c, f.mu, f.sigma - e)) / (2.0 * e);
    assert!(dmu.abs() < 1e-5 && dsd.abs() < 1e-5, "score ({dmu}, {dsd}) at {f:?}");
    // A grid search at a step of 0.001 finds the same maximum (within one step), and nothing
    // on the grid beats the fit.
    let (mut best, mut at) = (f64::NEG_INFINITY, (0.0, 0.0));
    for i in 0..=2000 {
        let mu = 2.0 + i as f64 * 0.001;
        for j in 0..=1400 {
            let s = 0.1 + j as f64 * 0.001;
            let l = loglik(&exact, c, mu, s);
            if l > best {
                best = l;
                at = (mu, s);
            }
        }
    }
    assert!(
        (f.mu - at.0).abs() <= 0.001 && (f.sigma - at.1).abs() <= 0.001,
        "fit {f:?}, grid {at:?}"
    );
    assert!(loglik(&exact, c, f.mu, f.sigma) >= best - 1e-12);
    // The censored value counts: the fit lies above the exact values' log-mean.
    let log_mean = exact.iter().map(|x: &f64| x.ln()).sum::<f64>() / 3.0;
    assert!(f.mu > log_mean + 0.1, "{} vs {log_mean}", f.mu);
    // Without censoring, the closed form: the sample mean and sd (divide by n) of the logs.
    let all: Vec<Obs> = [10.0, 14.0, 22.0, 30.0].iter().map(|&x| Obs::Exact(x)).collect();
    let f = fit::fit(&all, None).unwrap();
    let ys: Vec<f64> = [10.0f64, 14.0, 22.0, 30.0].iter().map(|x| x.ln()).collect();
    let m = ys.iter().sum::<f64>() / 4.0;
    let sd = (ys.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / 4.0).sqrt();
    assert!((f.mu - m).abs() < 1e-10 && (f.sigma - sd).abs() < 1e-10, "{f:?} vs {m} {sd}");
}

const EXERCISE: &str = r#"# The exercise: a crash, and the plan in parts/plan.toml.
include = ["parts/plan.toml"]

[exercise]
name = "tiny"
seed = 7

[detection]
delay = "10m"     # the uptime check
page = "ops"
"#;

const PLAN: &str = r#"# The plan of the tiny exercise.

[teams.ops]
capacity = 2
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 1.0
ack_delay = { dist = "lognormal", median = "5m", sigma = 0.5 }   # phone rings
timeout = "15m"

# --- handle ---
[[step]]
id = "diagnose"
team = "ops"
duration = { dist = "triangular", min = "10m", mode = "20m", max = "40m" }  # find the cause

[[step]]
id = "fix"
team = "ops"
after = ["diagnose"]
duration = "30m"

[[step]]
id = "tell"
team = "ops"
after = ["fix"]
duration = "5m"   # never seen in a drill
"#;

const DRILL_A: &str = "time,event,subject,outcome,note
0m,fault,,,
12m,detected,,,
18m,acked,ops,,
20m,step_started,diagnose,,
45m,step_finished,diagnose,,
46m,step_started,fix,,
80m,step_finished,fix,,
";

const DRILL_B: &str = "time,event,subject,outcome,note
0m,fault,,,
9m,detected,,,
13m,acked,ops,,
14m,step_started,diagnose,,
44m,step_finished,diagnose,,
45m,step_started,fix,,
70m,step_failed,fix,,
71m,step_started,fix,,
90m,step_finished,fix,,
";

fn folder() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("plan/parts")).unwrap();
    std::fs::write(d.path().join("plan/tiny.toml"), EXERCISE).unwrap();
    std::fs::write(d.path().join("plan/parts/plan.toml"), PLAN).unwrap();
    std::fs::write(d.path().join("a.csv"), DRILL_A).unwrap();
    std::fs::write(d.path().join("b.csv"), DRILL_B).unwrap();
    d
}

/// Lines of `new` that differ from `old` (which must have as many lines), by 1-based number.
fn changed_lines(old: &str, new: &str) -> Vec<usize> {
    let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    assert_eq!(o.len(), n.len(), "the revision adds or removes lines:\n{new}");
    (0..o.len()).filter(|&i| o[i] != n[i]).map(|i| i + 1).collect()
}

fn line_of(text: &str, starts: &str) -> usize {
    text.lines().position(|l| l.starts_with(starts)).unwrap() + 1
}

#[test]
fn the_command_writes_a_revision_that_changes_only_the_fitted_lines_and_loads() {
    let d = folder();
    let out = drillsim_in(
        &[
            "calibrate",
            "plan/tiny.toml",
            "a.csv",
            "b.csv",
            "--out",
            "cal",
            "-n",
            "300",
            "--json",
            "cal.json",
        ],
        d.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let new_plan = std::fs::read_to_string(d.path().join("cal/parts/plan.toml")).unwrap();
    let new_ex = std::fs::read_to_string(d.path().join("cal/tiny.toml")).unwrap();
    // The exercise: only the detection delay (the one monitor, 2 observations).
    assert_eq!(changed_lines(EXERCISE, &new_ex), vec![line_of(EXERCISE, "delay = ")]);
    let delay = new_ex.lines().find(|l| l.starts_with("delay = ")).unwrap();
    assert!(delay.starts_with("delay = { dist = \"lognormal\", median = \""), "{delay}");
    assert!(
        delay.ends_with("# the uptime check; calibrated: 2 drill observations, prior weight 8"),
        "{delay}"
    );
    // The plan: ack_delay, diagnose and fix, nothing else; "tell" was never observed.
    let durations: Vec<usize> = PLAN
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("duration = "))
        .map(|(i, _)| i + 1)
        .collect();
    let want = vec![line_of(PLAN, "ack_delay = "), durations[0], durations[1]];
    assert_eq!(changed_lines(PLAN, &new_plan), want);
    let lines: Vec<&str> = new_plan.lines().collect();
    assert!(lines[want[0] - 1].ends_with("# phone rings; calibrated: 2 drill observations, prior weight 8"));
    assert!(lines[want[1] - 1].ends_with("# find the cause; calibrated: 2 drill observations, prior weight 8"));
    // fix: three attempts (25m failed, 19m, 34m), no comment before ours.
    assert!(
        lines[want[2] - 1].ends_with("}  # calibrated: 3 drill observations, prior weight 8"),
        "{}",
        lines[want[2] - 1]
    );
    assert!(stdout.contains("steps.tell: no observations in the records"), "{stdout}");
    assert!(stdout.contains("recovery p50") && stdout.contains("verdict"), "{stdout}");
    // The revision loads and runs.
    let run = drillsim_in(&["run", "cal/tiny.toml", "-n", "200"], d.path());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // The source is as it was.
    assert_eq!(std::fs::read_to_string(d.path().join("plan/parts/plan.toml")).unwrap(), PLAN);
    // JSON with stable keys.
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.path().join("cal.json")).unwrap()).unwrap();
    assert_eq!(j["fitted"]["steps.fix"]["observations"], 3);
    assert_eq!(j["fitted"]["steps.diagnose"]["old"]["dist"], "triangular");
    assert!(j["fitted"]["ack.ops.primary"]["new"]["median"].is_number());
    assert!(j["fitted"]["detect.monitoring"]["new"]["sigma"].is_number());
    assert!(j["unchanged"]["steps.tell"].is_string());
    assert!(j["comparison"]["recovery"]["p90"]["new"].is_number());
    assert!(j["comparison"]["verdict"].is_string());
}

#[test]
fn an_out_that_is_the_source_folder_is_refused_and_nothing_is_written() {
    let d = folder();
    for out_dir in ["plan", "plan/", "./plan/parts/.."] {
        let out = drillsim_in(&["calibrate", "plan/tiny.toml", "a.csv", "--out", out_dir, "-n", "100"], d.path());
        assert_eq!(out.status.code(), Some(2), "--out {out_dir}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is the scenario's own folder"), "{err}");
    }
    // Nothing was written over the source.
    assert_eq!(std::fs::read_to_string(d.path().join("plan/tiny.toml")).unwrap(), EXERCISE);
    assert_eq!(std::fs::read_to_string(d.path().join("plan/parts/plan.toml")).unwrap(), PLAN);
}

#[test]
fn a_bad_record_stops_the_command_with_its_place() {
    let d = folder();
    std::fs::write(
        d.path().join("bad.csv"),
        "time,event,subject,outcome,note\n0m,fault,,,\n5m,step_started,diagnos,,\n",
    )
    .unwrap();
    let out = drillsim_in(&["calibrate", "plan/tiny.toml", "a.csv", "bad.csv", "--out", "cal"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3:") && err.contains("diagnose"), "{err}");
    assert!(!d.path().join("cal").exists(), "nothing is written when a record is bad");
}
