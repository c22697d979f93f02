//! ref20 throughput: trials per second on one thread and on all cores.
//!
//! Compare with the hand-coded floor with `benches/compare_limit.sh` (see benches/README.md
//! and README, "Speed"): the ratio on the same machine in the same session is what we track,
//! not absolute times.
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn ref20(c: &mut Criterion) {
    let sc = drillsim::scenario::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/ref20.toml"))).expect("ref20 loads");
    let trials = 100_000u64;
    let mut g = c.benchmark_group("ref20");
    g.throughput(Throughput::Elements(trials));
    g.sample_size(20);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        g.bench_function(format!("{threads}_thread"), |b| {
            b.iter(|| pool.install(|| drillsim::batch::summarize_range(&sc, 42, 0..trials, None)))
        });
    }
    g.finish();
}

criterion_group!(benches, ref20);
criterion_main!(benches);
