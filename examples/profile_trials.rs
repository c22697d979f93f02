//! Run trials of one scenario on one thread, for profilers: `cargo run --release --example
//! profile_trials -- FILE TRIALS`.
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
    println!("{} trials, recovery mean {:.2}", s.trials, s.recovery.mean());
}
