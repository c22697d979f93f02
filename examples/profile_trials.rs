//! Run trials of one scenario on one thread, for profilers: `cargo run --release --example
//! profile_trials -- FILE TRIALS`. Prints the engine events per trial (to turn a profile's
//! instructions per trial into instructions per event).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).map(String::as_str).unwrap_or("scenarios/plan1/compound.toml");
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let sc = match drillsim::scenario::load(std::path::Path::new(file)) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let s = pool.install(|| drillsim::batch::summarize_range(&sc, 7, 0..n, None));
    let mut ws = drillsim::sim::Workspace::new(&sc);
    let events: u64 = (0..n.min(1000))
        .map(|k| {
            drillsim::sim::run_trial(&sc, drillsim::sim::rng::TrialStreams::new(7, k), &mut ws, &mut ());
            ws.out.events
        })
        .sum();
    println!(
        "{} trials, recovery mean {:.2}, {:.1} events per trial",
        s.trials,
        s.recovery.mean(),
        events as f64 / n.min(1000) as f64
    );
}
