//! `trace --json`: the timeline as data, the same events and numbers as the text timeline.

use drillsim::sim::trace;

use crate::common::{drillsim, repo};

#[test]
fn trace_json_carries_every_event_and_the_trials_measures() {
    let file = repo("scenarios/plan1/compound.toml");
    let out = drillsim()
        .args(["trace", file.to_str().unwrap(), "-k", "4", "--json", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sc = drillsim::scenario::load(&file).unwrap();
    let seed = sc.seed.unwrap_or(1);
    let tr = trace::replay(&sc, seed, 4);
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), tr.events.len());
    // serde_json reads floats back to within an ulp or so (no float_roundtrip feature).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    for ((t, e), j) in tr.events.iter().zip(events) {
        assert!(close(j["t"].as_f64().unwrap(), t - tr.outcome.t0));
        assert_eq!(j["text"].as_str().unwrap(), trace::describe(&sc, &tr, e));
    }
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["fault", "alert", "page", "step_start", "step_done"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let starts = events.iter().filter(|e| e["kind"] == "step_start");
    assert!(starts.clone().all(|e| e["step"].is_string()));
    assert!(close(v["outcome"]["recovery"].as_f64().unwrap(), tr.outcome.recovery));
    assert!(close(v["outcome"]["detect"].as_f64().unwrap(), tr.outcome.detect));
    let svc = &sc.services[0].name;
    assert!(close(
        v["outcome"]["services"][svc]["downtime"].as_f64().unwrap(),
        tr.outcome.downtime[0]
    ));
    assert_eq!((v["seed"].as_u64(), v["trial"].as_u64()), (Some(seed), Some(4)));
}

#[test]
fn json_and_record_cannot_both_take_standard_output() {
    let file = repo("scenarios/ref20.toml");
    let out = drillsim()
        .args(["trace", file.to_str().unwrap(), "--json", "-", "--record", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would mix"));
}
