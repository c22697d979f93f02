//! The JSON summary: the stable interface of scripts and CI jobs.
//!
//! Keys are sorted; everything that depends on the machine or the moment (elapsed time,
//! trials per second, threads) is under `timing`, so the rest is byte-identical from run to
//! run with the same scenario, seed and trials.

use serde_json::{Map, Value, json};

use crate::model::Scenario;
use crate::stats::{Sketch, Summary};

/// How long a run took (left out of comparisons between runs).
#[derive(Clone, Debug)]
pub struct Timing {
    /// Wall-clock seconds of the batch.
    pub elapsed_seconds: f64,
    /// Worker threads used.
    pub threads: usize,
}

/// The usual statistics of one measure, in minutes.
pub fn stat(s: &Sketch) -> Value {
    json!({
        "mean": s.mean(),
        "sd": s.std_dev(),
        "p50": s.quantile(0.5),
        "p90": s.quantile(0.9),
        "p95": s.quantile(0.95),
        "p99": s.quantile(0.99),
        "min": s.min(),
        "max": s.max(),
        "zero_share": s.zero_share(),
    })
}

/// The whole summary as a JSON value.
pub fn summary(sc: &Scenario, seed: u64, sum: &Summary, timing: Option<&Timing>) -> Value {
    let mut steps = Map::new();
    for (i, s) in sc.steps.iter().enumerate() {
        steps.insert(
            s.id.clone(),
            json!({
                "team": sc.teams[s.team].name,
                "criticality": sum.criticality(i),
                "mean_attempts": sum.mean_attempts(i),
                "effect_failed": sum.effect_failure(i),
            }),
        );
    }
    let mut teams = Map::new();
    for (i, t) in sc.teams.iter().enumerate() {
        teams.insert(t.name.clone(), json!({ "capacity": t.capacity, "utilization": sum.utilization(i) }));
    }
    let mut services = Map::new();
    for (i, svc) in sc.services.iter().enumerate() {
        services.insert(
            svc.name.clone(),
            json!({
                "rto_minutes": svc.rto,
                "downtime_minutes": stat(&sum.downtime[i]),
                "longest_outage_minutes": stat(&sum.longest_outage[i]),
                "restored_minutes": stat(&sum.restored[i]),
                "not_recovered": sum.not_restored_share(i),
                "rto_met": sum.rto_met_share(i),
            }),
        );
    }
    let mut stores = Map::new();
    for (i, st) in sc.stores.iter().enumerate() {
        let mut store = json!({ "data_lost_minutes": stat(&sum.data_lost[i]) });
        if let Some(rpo) = st.rpo {
            store["rpo_minutes"] = json!(rpo);
            store["rpo_met"] = json!(sum.rpo_met_share(i));
        }
        stores.insert(st.name.clone(), store);
    }
    let mut levels = Map::new();
    for (i, l) in sc.levels.iter().enumerate() {
        levels.insert(l.clone(), json!(sum.level_share(i)));
    }
    let mut v = json!({
        "drillsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sc.name,
        "seed": seed,
        "trials": sum.trials,
        "recovery_minutes": stat(&sum.recovery),
        "not_recovered": sum.not_recovered_share(),
        "horizon_minutes": sc.horizon,
        "detect_minutes": stat(&sum.detect),
        "ack_minutes": stat(&sum.ack),
        "close_minutes": stat(&sum.close),
        "steps": steps,
        "teams": teams,
        "services": services,
        "stores": stores,
        "levels": levels,
        "clamped": { "trials": sum.clamped_trials, "draws": sum.clamped_draws },
    });
    if sum.leaked.count() > 0 {
        v["leaked"] = stat(&sum.leaked);
        v["leak_unit"] = json!(sc.topology.leak_unit());
    }
    if let Some(t) = timing {
        v["timing"] = json!({
            "elapsed_seconds": t.elapsed_seconds,
            "threads": t.threads,
            "trials_per_second": if t.elapsed_seconds > 0.0 { sum.trials as f64 / t.elapsed_seconds } else { 0.0 },
        });
    }
    v
}

/// Pretty JSON text with a final newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
