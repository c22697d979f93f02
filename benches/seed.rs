//! Cost per event: ref20 against a shipped seed scenario (plan 1's compound exercise).
//!
//! A seed scenario's per-trial cost per event should stay within 2x of ref20's.
//! Each benchmark's throughput is the number of engine events its trials process, so
//! criterion reports events per second for both and their ratio is the figure to watch.
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drillsim::sim::{Workspace, rng::TrialStreams, run_trial};

const TRIALS: u64 = 20_000;

fn events(sc: &drillsim::model::Scenario) -> u64 {
    let mut ws = Workspace::new(sc);
    (0..TRIALS)
        .map(|k| {
            run_trial(sc, TrialStreams::new(7, k), &mut ws, &mut ());
            ws.out.events
        })
        .sum()
}

fn per_event(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_event");
    g.sample_size(20);
    for (name, file) in [
        ("ref20", "scenarios/ref20.toml"),
        ("plan1_compound", "scenarios/plan1/compound.toml"),
    ] {
        let sc = drillsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("scenario loads");
        let n = events(&sc);
        eprintln!("{name}: {:.1} events per trial", n as f64 / TRIALS as f64);
        g.throughput(Throughput::Elements(n));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        g.bench_function(name, |b| {
            b.iter(|| pool.install(|| drillsim::batch::summarize_range(&sc, 7, 0..TRIALS, None)))
        });
    }
    g.finish();
}

criterion_group!(benches, per_event);
criterion_main!(benches);
