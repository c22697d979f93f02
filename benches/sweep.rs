//! Cost of a sweep: a shipped plan's variants on common random numbers, with the paired
//! bootstrap of each variant's change. Small on purpose (3 x 3 = 9 variants of 2,000 trials);
//! docs/sweep.md has the full-size measurement (27 variants of 100,000 trials) and its command.
//! The throughput is trials run (base and variants), so criterion reports trials per second.
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drillsim::scenario::vary::{Base, Edit};
use drillsim::sweep::{self, Options, Variant, param};

const TRIALS: u64 = 2_000;

fn variants(base: &Base) -> Vec<Variant> {
    let varies: Vec<param::Vary> = ["teams.rescue.capacity=1..3", "stores.orders.backup_interval=15m,1h,4h"]
        .iter()
        .map(|v| param::parse(v).expect("flag parses"))
        .collect();
    param::combinations(&varies, 0)
        .expect("combinations")
        .into_iter()
        .map(|(edits, values)| Variant {
            label: edits.iter().map(Edit::text).collect::<Vec<_>>().join(", "),
            scenario: base.varied(&edits).expect("variant is valid"),
            edits,
            values,
        })
        .collect()
}

fn sweep_bench(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/plan1/data-loss.toml");
    let root = drillsim::scenario::default_root(&file);
    let base = Base::load(&file, &root).expect("scenario loads");
    let vs = variants(&base);
    let mut opt = Options::new(1);
    opt.trials = TRIALS;
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(TRIALS * (vs.len() as u64 + 1)));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    g.bench_function("plan1_data_loss_9_variants", |b| {
        b.iter(|| pool.install(|| sweep::run(base.scenario(), vs.clone(), &opt).expect("sweep runs")))
    });
    g.bench_function("variants_made", |b| b.iter(|| variants(&base).len()));
    g.finish();
}

criterion_group!(benches, sweep_bench);
criterion_main!(benches);
