//! Shards: what merging costs and how big a part is.
//!
//! `merge_1000_parts`: reading 1,000 partial summaries from their JSON text, checking each
//! against the scenario and merging them, as `drillsim merge` does after reading the files
//! (ref20, and plan 1's compound exercise with its topology's extra measures). The size of one
//! part is printed before the timings. See docs/scale.md for the figures and the commands.
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drillsim::shard::Shard;
use drillsim::shard::merge::merge_run;
use drillsim::shard::partial::{PartTiming, Partial, ScenarioFiles};

const PARTS: u64 = 1000;
/// Trials per part: the histograms of 100 trials are as wide as those of many more for these
/// scenarios (a bucket per 0.1% of the range the values span), so the size is representative.
const PER_PART: u64 = 100;

fn files(rel: &str) -> ScenarioFiles {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let root = drillsim::scenario::default_root(&path);
    let sources = drillsim::scenario::sources_with_root(&path, &root).expect("scenario reads");
    let mut f = ScenarioFiles::new("", &path, sources);
    f.name = f.scenario().expect("scenario loads").name;
    f
}

fn texts(f: &ScenarioFiles) -> Vec<String> {
    let sc = f.scenario().expect("loads");
    let total = PARTS * PER_PART;
    (1..=PARTS)
        .map(|k| {
            let shard = Shard::new(k, PARTS).expect("shard");
            let sum = drillsim::batch::summarize_range(&sc, 42, shard.range(total), None);
            let t = PartTiming {
                elapsed_seconds: 0.1,
                threads: 1,
            };
            Partial::new(f.clone(), 42, total, shard, &sum, t).to_text()
        })
        .collect()
}

fn merge(c: &mut Criterion) {
    let mut g = c.benchmark_group("shards");
    g.sample_size(10);
    for (name, rel) in [("ref20", "scenarios/ref20.toml"), ("compound", "scenarios/plan1/compound.toml")] {
        let f = files(rel);
        let parts = texts(&f);
        let bytes: usize = parts.iter().map(String::len).sum();
        let scenario_bytes: usize = f.files.iter().map(|t| t.text.len()).sum();
        eprintln!(
            "{name}: a part of {PER_PART} trials is {} bytes on average ({} of them the scenario's files)",
            bytes / parts.len(),
            scenario_bytes
        );
        g.throughput(Throughput::Elements(PARTS));
        g.bench_function(format!("merge_1000_parts_{name}"), |b| {
            b.iter(|| {
                let read: Vec<(String, Partial)> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (format!("part{i}"), serde_json::from_str(t).expect("parses")))
                    .collect();
                merge_run(read, None).expect("merges").summary.trials
            })
        });
    }
    g.finish();
}

criterion_group!(benches, merge);
criterion_main!(benches);
