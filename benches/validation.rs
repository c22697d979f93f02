//! Validation cost against size: a scenario of many included files and one of many monitors
//! load in time linear in their count (both were quadratic: 8,000 includes took 80 s, 250,000
//! monitors 106 s). Criterion reports the time per load; per file or per monitor it should stay
//! flat across the sizes. The sizes stay within the caps of `model::limits`.
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const HEAD: &str = r#"
[detection]
delay = "10m"
page = "ops"

[teams.ops]
capacity = 1
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 1.0
ack_delay = "5m"
timeout = "15m"

[[step]]
id = "fix"
team = "ops"
duration = "30m"
"#;

/// An exercise folder that includes `n` part files, each defining one team.
fn includes(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::create_dir(dir.path().join("parts")).expect("parts folder");
    let mut list = Vec::with_capacity(n);
    for k in 0..n {
        std::fs::write(dir.path().join(format!("parts/t{k}.toml")), format!("[teams.t{k}]\ncapacity = 1\n")).expect("part");
        list.push(format!("\"parts/t{k}.toml\""));
    }
    let text = format!("include = [{}]\n{HEAD}", list.join(", "));
    std::fs::write(dir.path().join("exercise.toml"), text).expect("exercise");
    dir
}

/// A scenario with `n` monitors (which replace `[detection] delay`).
fn monitors(n: usize) -> String {
    let mut s = HEAD.replacen("delay = \"10m\"\n", "fallback = \"2h\"\n", 1);
    for k in 0..n {
        s += &format!("\n[[monitor]]\nname = \"m{k}\"\nsees = [\"failure\"]\ndelay = \"5m\"\n");
    }
    s
}

fn validation(c: &mut Criterion) {
    let mut g = c.benchmark_group("validate_includes");
    g.sample_size(10);
    for n in [100usize, 1000, 8000] {
        let dir = includes(n);
        let path = dir.path().join("exercise.toml");
        drillsim::scenario::load(&path).expect("the generated scenario loads");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, p| {
            b.iter(|| drillsim::scenario::load(p).expect("loads"))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("validate_monitors");
    g.sample_size(10);
    for n in [1000usize, 10_000, 100_000] {
        let text = monitors(n);
        let path = std::path::Path::new("monitors.toml");
        drillsim::scenario::load_str(path, &text).expect("the generated scenario loads");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, t| {
            b.iter(|| drillsim::scenario::load_str(path, t).expect("loads"))
        });
    }
    g.finish();
}

criterion_group!(benches, validation);
criterion_main!(benches);
