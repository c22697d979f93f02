//! `run --worst K --where COND`: the trials worth tracing, the same as a brute-force search,
//! at any thread count.

use drillsim::sim::trace;
use drillsim::worst::{Condition, run};

use crate::common::{drillsim, repo};

#[test]
fn the_worst_trials_are_the_brute_force_ones() {
    let sc = drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap();
    let n = 3000;
    let cond = Condition::parse(&sc, "recovery >= 2h").unwrap();
    let (sum, w) = run(&sc, 5, n, 7, Some(cond));
    assert_eq!(sum.trials, n);
    let mut all: Vec<(u64, f64)> = (0..n).map(|k| (k, trace::replay(&sc, 5, k).outcome.recovery)).collect();
    all.retain(|t| t.1 >= 120.0);
    assert_eq!(w.matched, all.len() as u64);
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let want: Vec<u64> = all.iter().take(7).map(|t| t.0).collect();
    assert_eq!(w.trials.iter().map(|p| p.trial).collect::<Vec<_>>(), want);
    // The summary is the run's.
    assert_eq!(sum, drillsim::batch::summarize_range(&sc, 5, 0..n, None));
}

#[test]
fn conditions_read_as_written_and_mistakes_are_said() {
    let sc = drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap();
    let c = Condition::parse(&sc, "services.payment>=1h30m").unwrap();
    assert_eq!(c.value, 90.0);
    let e = Condition::parse(&sc, "services.paymnt > 1h").unwrap_err();
    assert!(e.contains("no business service `paymnt`") && e.contains("payment"), "{e}");
    assert!(Condition::parse(&sc, "recovery 8h").unwrap_err().contains("no comparison"));
    assert!(Condition::parse(&sc, "recovery > 8").unwrap_err().contains("unit"));
    let out = drillsim()
        .args(["run", "scenarios/plan1/system-failure.toml", "-n", "100", "--where", "speed > 1h"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--where: unknown measure `speed`"));
}

#[test]
fn the_list_is_the_same_at_any_thread_count_and_gives_the_trace_command() {
    let list = |j: &str| {
        let out = drillsim()
            .args(["run", "scenarios/ref20.toml", "-n", "20000", "-q", "--worst", "3", "-j", j])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text[text.find("worst 3").unwrap()..].to_string()
    };
    let one = list("1");
    assert_eq!(one, list("2"));
    assert!(one.contains("drillsim trace scenarios/ref20.toml --seed 42 --trial "), "{one}");
}

#[test]
fn trials_out_streams_one_row_per_trial_in_order_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let rows = |j: &str| {
        let p = dir.path().join(format!("t{j}.csv"));
        drillsim()
            .args(["run", "scenarios/plan1/compound.toml", "-n", "5000", "-q", "-j", j, "--trials-out"])
            .arg(&p)
            .assert()
            .success();
        std::fs::read_to_string(p).unwrap()
    };
    let one = rows("1");
    assert_eq!(one, rows("2"));
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 5001);
    assert!(lines[0].starts_with("trial,recovery,recovered,detect,ack,close,level,downtime."));
    let sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
    let o = trace::replay(&sc, sc.seed.unwrap_or(1), 4321).outcome;
    let f: Vec<&str> = lines[4322].split(',').collect();
    assert_eq!(f[0], "4321");
    assert_eq!(f[1].parse::<f64>().unwrap(), o.recovery);
    assert_eq!(f[3].parse::<f64>().unwrap(), o.detect);
    // Nothing but the file is left in the folder (the temporary was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}
