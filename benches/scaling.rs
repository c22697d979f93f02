//! How the cost per event grows with the size of a plan and of a topology, and with the number
//! of steps that wait for an alert: the engine's cost should follow the events, not the size.
//!
//! Every scenario is generated (`benches/support/gen.rs`). Each benchmark's throughput is the number of engine
//! events its trials process, so criterion reports events per second: flat across a group
//! means the cost follows the events, not the size.
//!
//! - `plan_size/N`: N steps on four teams, each waiting for one or two of the ten before it.
//! - `topology/KIND/N`: N components in a tree (each needs its parent) under one feed, and a
//!   failure of a leaf mid-way in dependency order (`failure`), an intruder spreading from the
//!   last leaf (`attack`), or one that takes every host it reaches down (`disruptive`); a
//!   plan step contains or repairs it.
//! - `alert_wait/N`: N steps that wait until a failure is detected, hours after the incident
//!   opened.
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use drillsim::model::Scenario;
use drillsim::sim::{Workspace, rng::TrialStreams, run_trial};

#[path = "support/gen.rs"]
mod generate;
use generate::{Fault, alert_wait, plan, topology};

fn load(text: &str) -> Scenario {
    drillsim::scenario::load_str(Path::new("bench.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Engine events in trials `0..trials`.
fn events(sc: &Scenario, trials: u64) -> u64 {
    let mut ws = Workspace::new(sc);
    (0..trials)
        .map(|k| {
            run_trial(sc, TrialStreams::new(7, k), &mut ws, &mut ());
            ws.out.events
        })
        .sum()
}

fn group(c: &mut Criterion, name: &str, cases: Vec<(usize, String, u64)>) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(3));
    g.warm_up_time(std::time::Duration::from_millis(500));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (n, text, trials) in cases {
        let sc = load(&text);
        let ev = events(&sc, trials);
        eprintln!("{name}/{n}: {:.1} events per trial", ev as f64 / trials as f64);
        g.throughput(Throughput::Elements(ev));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| pool.install(|| drillsim::batch::summarize_range(&sc, 7, 0..trials, None)))
        });
    }
    g.finish();
}

fn plan_size(c: &mut Criterion) {
    let cases = [20usize, 100, 500, 2000].map(|n| (n, plan(n), (40_000 / n as u64).max(20)));
    group(c, "plan_size", cases.into());
}

fn topology_size(c: &mut Criterion) {
    for (name, fault) in [
        ("topology/failure", Fault::Failure),
        ("topology/attack", Fault::Attack),
        ("topology/disruptive", Fault::Disruptive),
    ] {
        let cases = [10usize, 100, 1000, 5000].map(|n| (n, topology(n, fault), (20_000 / n as u64).max(10)));
        group(c, name, cases.into());
    }
}

fn alert_waiting(c: &mut Criterion) {
    let cases = [1000usize, 10_000, 100_000].map(|n| (n, alert_wait(n), (100_000 / n as u64).max(2)));
    group(c, "alert_wait", cases.into());
}

criterion_group!(benches, plan_size, topology_size, alert_waiting);
criterion_main!(benches);
