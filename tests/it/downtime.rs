//! What a service's outage measures mean: minutes actually down, the longest outage, the time
//! until up for good, the RTO judged on the outage, the RPO on data lost, and trials that
//! never recover. Exact cases and a closed form.

use drillsim::batch::summarize_range;
use drillsim::sim::trace::replay;

use crate::common::{drillsim, head, scenario};

/// A feed with a 15-minute UPS and a generator that starts with probability `start` after
/// 2 minutes; an app on it that restarts by itself; utility power out for `outage` (TOML).
fn ups(start: f64, outage: &str) -> String {
    format!(
        r#"{}
[components.feed]
kind = "power_feed"
ups = "ups"
generator = "gen"
[components.ups]
kind = "ups"
battery = "15m"
[components.gen]
kind = "generator"
start = {start}
start_delay = "2m"
[components.app]
kind = "service"
power = "feed"
restart = "auto"
[services.shop]
needs = ["app"]
rto = "1h"
[[fault]]
id = "blackout"
kind = "power_loss"
target = "feed"
outage = {outage}
[[step]]
id = "note"
team = "ops"
duration = "5m"
"#,
        head("1m", "1m", 1)
    )
}

#[test]
fn a_ups_carries_the_service_so_only_the_time_after_it_runs_dry_is_downtime() {
    // Out 90m, the UPS carries 15m, no generator: down 75m, up for good 90m after the fault.
    let sc = scenario(&ups(0.0, "\"90m\""));
    let s = summarize_range(&sc, 1, 0..200, None);
    assert_eq!((s.downtime[0].min(), s.downtime[0].max()), (75.0, 75.0));
    assert_eq!((s.longest_outage[0].min(), s.longest_outage[0].max()), (75.0, 75.0));
    assert_eq!((s.restored[0].min(), s.restored[0].max()), (90.0, 90.0));
    // The RTO (1h) is judged on the outage, 75m: missed, though restored at 90m would be too.
    assert_eq!(s.rto_met_share(0), 0.0);
    assert_eq!(s.not_recovered, 0);
    assert_eq!((s.recovery.min(), s.recovery.max()), (90.0, 90.0));
}

#[test]
fn the_rto_is_met_when_the_outage_is_within_it_even_if_restored_later() {
    // Out 70m: down 55m (within the 1h RTO) though up for good only 70m after the fault.
    let sc = scenario(&ups(0.0, "\"70m\""));
    let s = summarize_range(&sc, 1, 0..200, None);
    assert_eq!((s.downtime[0].max(), s.restored[0].max()), (55.0, 70.0));
    assert_eq!(s.rto_met_share(0), 1.0);
}

#[test]
fn a_generator_that_always_starts_means_no_downtime() {
    let sc = scenario(&ups(1.0, "\"90m\""));
    let s = summarize_range(&sc, 1, 0..200, None);
    assert_eq!(s.downtime[0].max(), 0.0);
    assert_eq!(s.restored[0].max(), 0.0);
    assert_eq!(s.rto_met_share(0), 1.0);
}

/// Φ, the standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    0.5 * (1.0 + erf.copysign(x))
}

/// Generator start 0.9, lognormal outage O (median 1h, sigma 0.5). Down time D is 0 when the
/// generator starts (it is on at 2m, before the 15m battery runs dry), else (O − 15)⁺. So
/// P(D = 0) = 0.9 + 0.1·Φ((ln 15 − ln 60)/σ); E[D] = 0.1·(e^(μ+σ²/2)·Φ(d₁) − 15·Φ(d₂)) with
/// μ = ln 60, d₁ = (μ + σ² − ln 15)/σ, d₂ = d₁ − σ; and for q > 0.9 + 0.1·Φ(...) the q-quantile
/// is e^(μ + σ·z) − 15 with z = Φ⁻¹((q − 0.9)/0.1): p95 = 60 − 15 = 45, p99 = 60·e^(0.5·1.2816) − 15.
#[test]
fn downtime_with_a_generator_that_starts_nine_times_in_ten_follows_its_closed_form() {
    let sc = scenario(&ups(0.9, "{ dist = \"lognormal\", median = \"1h\", sigma = 0.5 }"));
    let n = 200_000;
    let s = summarize_range(&sc, 7, 0..n, None);
    let (mu, sigma, k) = (60f64.ln(), 0.5, 15f64);
    let d1 = (mu + sigma * sigma - k.ln()) / sigma;
    let d2 = d1 - sigma;
    let mean = 0.1 * ((mu + sigma * sigma / 2.0).exp() * phi(d1) - k * phi(d2));
    let zero = 0.9 + 0.1 * phi((k.ln() - mu) / sigma);
    let d = &s.downtime[0];
    // Tolerances: about 5 standard errors at 200,000 trials (sd of D about 20 min; the
    // quantiles' standard errors about 0.4 and 0.7 min), plus the sketch's 0.05%.
    assert!((d.mean() - mean).abs() < 0.25, "mean {} vs {mean}", d.mean());
    assert!((d.zero_share() - zero).abs() < 0.004, "zero share {} vs {zero}", d.zero_share());
    let p95 = 60.0 - k;
    let p99 = 60.0 * (sigma * 1.281_551_565_5f64).exp() - k;
    assert!((d.quantile(0.95) - p95).abs() < 2.0, "p95 {} vs {p95}", d.quantile(0.95));
    assert!((d.quantile(0.99) - p99).abs() < 4.0, "p99 {} vs {p99}", d.quantile(0.99));
    // Restored is the outage itself in the trials with downtime.
    assert!((s.restored[0].quantile(0.99) - (p99 + k)).abs() < 4.0);
    // The RTO (1h) holds when D ≤ 60: P = 0.9 + 0.1·Φ((ln 75 − μ)/σ).
    let met = 0.9 + 0.1 * phi((75f64.ln() - mu) / sigma);
    assert!((s.rto_met_share(0) - met).abs() < 0.004, "rto met {} vs {met}", s.rto_met_share(0));
}

/// A failure nothing repairs: the service never comes back.
fn never_back() -> String {
    format!(
        r#"{}
[components.feed]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed"
[services.shop]
needs = ["app"]
rto = "1h"
[[fault]]
id = "crash"
kind = "failure"
target = "app"
[[step]]
id = "note"
team = "ops"
duration = "5m"
"#,
        head("1m", "1m", 1)
    )
}

#[test]
fn a_service_that_never_comes_back_is_counted_as_not_recovered() {
    let sc = scenario(&never_back());
    let s = summarize_range(&sc, 1, 0..100, None);
    assert_eq!(s.not_recovered, 100);
    assert_eq!(s.not_restored[0], 100);
    assert_eq!(s.restored[0].max(), sc.horizon);
    assert_eq!(s.downtime[0].max(), sc.horizon);
    assert_eq!(s.rto_met_share(0), 0.0);
    let o = replay(&sc, 1, 0).outcome;
    assert!(!o.recovered(&sc));
}

#[test]
fn the_terminal_json_and_trace_say_not_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.toml");
    std::fs::write(&path, never_back()).unwrap();
    let out = drillsim()
        .args(["run", path.to_str().unwrap(), "-n", "50", "--json", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["not_recovered"], 1.0);
    assert_eq!(v["services"]["shop"]["not_recovered"], 1.0);
    let out = drillsim().args(["run", path.to_str().unwrap(), "-n", "50"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let recovery = text.lines().find(|l| l.trim_start().starts_with("recovery time")).unwrap();
    assert!(recovery.contains("not recovered"), "{recovery}");
    assert!(!recovery.contains("43200"), "{recovery}");
    assert!(
        text.contains("not recovered within the horizon (720h 00m): 100.0% of trials"),
        "{text}"
    );
    let out = drillsim().args(["trace", path.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("recovery time        not recovered within the horizon"), "{text}");
    // The trace names what keeps the service down, and why.
    assert!(
        text.contains(
            "business service shop is still down and nothing more will happen: app keeps it down, it failed and no step repairs it"
        ),
        "{text}"
    );
}

#[test]
fn the_trace_names_a_failed_feed_and_a_component_that_needs_a_manual_restart() {
    let lines = |sc: &drillsim::model::Scenario| -> Vec<String> {
        let text = drillsim::sim::trace::render(sc, 1, 0, &replay(sc, 1, 0));
        text.lines().filter(|l| l.contains("NOT RECOVERED")).map(String::from).collect()
    };
    // The feed itself fails and nothing repairs it: the walk goes from the app to its feed.
    let sc = scenario(&never_back().replace("target = \"app\"", "target = \"feed\""));
    let down = lines(&sc);
    assert_eq!(down.len(), 1, "{down:?}");
    assert!(
        down[0].ends_with("feed keeps it down, it failed and no step repairs it"),
        "{}",
        down[0]
    );
    // Utility out for 1h with no backup power: power returns, but the app restarts only by a
    // step, and there is none.
    let text = never_back().replace(
        "id = \"crash\"\nkind = \"failure\"\ntarget = \"app\"",
        "id = \"cut\"\nkind = \"power_loss\"\ntarget = \"feed\"\noutage = \"1h\"",
    );
    let down = lines(&scenario(&text));
    assert!(
        down[0].ends_with("app keeps it down, it lost power and restarts only by a step (restart = \"manual\"); no step restarts it"),
        "{}",
        down[0]
    );
}

#[test]
fn a_store_rpo_is_judged_on_the_data_lost() {
    // Backups every hour from a uniform phase: data lost is uniform on [0, 60), so it is within
    // a 15-minute RPO in a quarter of trials.
    let text = format!(
        r#"{}
[components.feed]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed"
[stores.orders]
component = "db"
backup_interval = "1h"
restore = "10m"
rpo = "15m"
[[fault]]
id = "wipe"
kind = "data_loss"
target = "orders"
[[step]]
id = "restore"
team = "ops"
duration = "5m"
effect = {{ restore = "orders" }}
"#,
        head("1m", "1m", 1)
    );
    let sc = scenario(&text);
    let n = 20_000;
    let s = summarize_range(&sc, 3, 0..n, None);
    // Binomial sd at 20,000 trials: 0.003; tolerance 5 sd.
    assert!((s.rpo_met_share(0) - 0.25).abs() < 0.015, "{}", s.rpo_met_share(0));
    let json = drillsim::report::json::summary(&sc, 3, &s, None);
    assert_eq!(json["stores"]["orders"]["rpo_minutes"], 15.0);
    assert_eq!(json["stores"]["orders"]["rpo_met"], s.rpo_met_share(0));
    let o = drillsim::scenario::objective::parse("stores.orders rpo_met >= 20%", &sc).unwrap();
    assert!(o.is_share());
    assert!(drillsim::scenario::objective::parse("stores.orders rpo_met >= 20%", &scenario(&text.replace("rpo = \"15m\"\n", ""))).is_err());
}

#[test]
fn objectives_name_each_service_measure() {
    let sc = scenario(&ups(0.0, "\"90m\""));
    let s = summarize_range(&sc, 1, 0..100, None);
    for (text, value) in [
        ("services.shop p50 <= 2h", 75.0),
        ("services.shop downtime p50 <= 2h", 75.0),
        ("services.shop longest_outage max <= 2h", f64::NAN),
        ("services.shop longest_outage p50 <= 2h", 75.0),
        ("services.shop restored p50 <= 2h", 90.0),
        ("services.shop not_recovered <= 1%", 0.0),
        ("recovery not_recovered <= 1%", 0.0),
    ] {
        let parsed = drillsim::scenario::objective::parse(text, &sc);
        if value.is_nan() {
            assert!(parsed.is_err(), "{text}");
            continue;
        }
        let o = parsed.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let (est, _) = drillsim::stats::interval::estimate(&o, &s, 1.96);
        assert_eq!(est, value, "{text}");
    }
}

#[test]
fn check_says_beside_an_estimate_how_many_trials_did_not_recover() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.toml");
    let text = never_back().replace(
        "[[fault]]",
        "[expect]\nobjectives = [\"recovery p50 <= 2h\", \"services.shop restored p90 <= 2h\", \"ack p50 <= 1h\"]\n\n[[fault]]",
    );
    std::fs::write(&path, text).unwrap();
    let out = drillsim()
        .args(["check", path.to_str().unwrap(), "-n", "40", "--max-trials", "40"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    let line = |start: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("{table}"))
    };
    assert!(
        line("recovery p50").ends_with("missed  (100.00% of trials not recovered within the horizon)"),
        "{table}"
    );
    assert!(line("services.shop restored").ends_with("(100.00% of trials not recovered within the horizon)"));
    // Acknowledgement has no recovery: nothing beside it.
    assert!(line("ack p50").ends_with("met"), "{table}");
    let out = drillsim()
        .args(["check", path.to_str().unwrap(), "-n", "40", "--max-trials", "40", "--json", "-"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objs = &v["scenarios"][0]["objectives"];
    assert_eq!(objs[0]["not_recovered"], 1.0);
    assert_eq!(objs[1]["not_recovered"], 1.0);
    assert!(objs[2]["not_recovered"].is_null());
}

#[test]
fn check_prints_no_not_recovered_note_when_every_trial_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ups.toml");
    let text = ups(0.0, "\"90m\"").replace("[[fault]]", "[expect]\nobjectives = [\"recovery p50 <= 2h\"]\n\n[[fault]]");
    std::fs::write(&path, text).unwrap();
    let out = drillsim()
        .args(["check", path.to_str().unwrap(), "-n", "20", "--json", "-"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenarios"][0]["objectives"][0]["not_recovered"], 0.0);
    let out = drillsim().args(["check", path.to_str().unwrap(), "-n", "20"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(!table.contains("not recovered"), "{table}");
}
