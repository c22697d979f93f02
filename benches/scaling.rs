//! How the cost per event grows with the size of a plan and of a topology (issue "The
//! engine"), and with the number of steps that wait for an alert (issue "Bounded cost").
//!
//! Every scenario is generated here. Each benchmark's throughput is the number of engine
//! events its trials process, so criterion reports events per second: flat across a group
//! means the cost follows the events, not the size.
//!
//! - `plan_size/N`: N steps on four teams, each waiting for one or two of the ten before it.
//! - `topology/KIND/N`: N components in a tree (each needs its parent) under one feed, and a
//!   failure of a leaf (`failure`), an intruder spreading from a leaf (`attack`), or one that
//!   takes every host it reaches down (`disruptive`); a plan step contains or repairs it.
//! - `alert_wait/N`: N steps that wait until a failure is detected, hours after the incident
//!   opened.
use std::fmt::Write as _;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use drillsim::model::Scenario;
use drillsim::sim::{Workspace, rng::TrialStreams, run_trial};

fn load(text: &str) -> Scenario {
    drillsim::scenario::load_str(Path::new("bench.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

const HEAD: &str = r#"
[detection]
delay = { dist = "lognormal", median = "10m", sigma = 0.8 }
page = "ops"
"#;

fn team(name: &str, capacity: u32) -> String {
    format!(
        r#"
[teams.{name}]
capacity = {capacity}
[teams.{name}.escalation]
last_resort = "1h"
[[teams.{name}.escalation.level]]
name = "{name} on call"
ack = 0.8
ack_delay = {{ dist = "lognormal", median = "4m", sigma = 0.7 }}
timeout = "15m"
"#
    )
}

/// `n` steps on four teams; step `i` waits for one or two of the ten steps before it.
pub fn plan(n: usize) -> String {
    let mut s = String::from(HEAD);
    for t in ["ops", "t1", "t2", "t3"] {
        s += &team(t, 2);
    }
    for i in 0..n {
        let team = ["ops", "t1", "t2", "t3"][i % 4];
        let _ = write!(s, "\n[[step]]\nid = \"s{i}\"\nteam = \"{team}\"\n");
        if i > 0 {
            let a = i - 1 - (i * 7919) % i.min(10);
            let b = i - 1 - (i * 104_729) % i.min(10);
            let deps: Vec<String> = if a == b {
                vec![format!("\"s{a}\"")]
            } else {
                vec![format!("\"s{a}\""), format!("\"s{b}\"")]
            };
            let _ = writeln!(s, "after = [{}]", deps.join(", "));
        }
        let _ = writeln!(
            s,
            "duration = {{ dist = \"lognormal\", median = \"{}m\", sigma = 0.6 }}",
            5 + (i * 37) % 30
        );
    }
    s
}

/// The fault of a topology benchmark.
#[derive(Clone, Copy)]
pub enum Fault {
    Failure,
    Attack,
    Disruptive,
}

/// `n` components in a binary tree (component k needs k's parent) on one feed, one business
/// service on the root, and `fault` on the last leaf; a step contains or repairs it.
pub fn topology(n: usize, fault: Fault) -> String {
    let mut s = String::from(HEAD);
    s += &team("ops", 2);
    s += "\n[components.feed]\nkind = \"power_feed\"\n";
    for k in 0..n {
        let _ = write!(s, "\n[components.c{k}]\nkind = \"service\"\npower = \"feed\"\n");
        if k > 0 {
            let _ = writeln!(s, "needs = [\"c{}\"]", (k - 1) / 2);
        }
    }
    s += "\n[services.shop]\nneeds = [\"c0\"]\n";
    let leaf = n - 1;
    let (kind, effect) = match fault {
        Fault::Failure => (format!("kind = \"failure\"\ntarget = \"c{leaf}\""), format!("repair = \"c{leaf}\"")),
        Fault::Attack | Fault::Disruptive => (
            format!(
                "kind = \"attack\"\ntarget = \"c{leaf}\"\nspread = {{ dist = \"lognormal\", median = \"5m\", sigma = 0.5 }}{}",
                if matches!(fault, Fault::Disruptive) {
                    "\ndisrupt = true"
                } else {
                    ""
                }
            ),
            "contain = true".to_string(),
        ),
    };
    let _ = write!(
        s,
        "\n[[fault]]\nid = \"f\"\n{kind}\n\n[[step]]\nid = \"respond\"\nteam = \"ops\"\nduration = {{ dist = \"lognormal\", median = \"3h\", sigma = 0.3 }}\neffect = {{ {effect} }}\n"
    );
    s
}

/// `n` steps that wait until a failure is detected; a data loss opens the incident first and
/// the failure comes ten hours later.
pub fn alert_wait(n: usize) -> String {
    let mut s = String::from(HEAD);
    s += &team("ops", 4);
    s += "\n[components.feed]\nkind = \"power_feed\"\n[components.db]\nkind = \"database\"\npower = \"feed\"\n";
    s += "[stores.orders]\ncomponent = \"db\"\n";
    s += "\n[[fault]]\nid = \"loss\"\nkind = \"data_loss\"\ntarget = \"orders\"\n";
    s += "\n[[fault]]\nid = \"crash\"\nkind = \"failure\"\ntarget = \"db\"\nat = \"10h\"\n";
    for i in 0..n {
        let _ = write!(
            s,
            "\n[[step]]\nid = \"s{i}\"\nteam = \"ops\"\nwhen = {{ fault = \"failure\" }}\nduration = {{ dist = \"lognormal\", median = \"1m\", sigma = 0.5 }}\n"
        );
    }
    s
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
