//! Print the trials with the longest recovery: `cargo run --release --example worst_trial --
//! FILE TRIALS [SEED]`, to replay them with `drillsim trace`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).map(String::as_str).unwrap_or("scenarios/ref20.toml");
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let sc = match drillsim::scenario::load(std::path::Path::new(file)) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).or(sc.seed).unwrap_or(1);
    let mut ws = drillsim::sim::Workspace::new(&sc);
    let mut worst: Vec<(f64, u64)> = Vec::new();
    for k in 0..n {
        drillsim::sim::run_trial(&sc, drillsim::sim::rng::TrialStreams::new(seed, k), &mut ws, &mut ());
        worst.push((ws.out.recovery, k));
    }
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (r, k) in worst.iter().take(5) {
        println!("trial {k}: recovery {r:.1} min (drillsim trace {file} --seed {seed} --trial {k})");
    }
}
