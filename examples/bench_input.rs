//! Print one of the generated benchmark scenarios of `benches/scaling.rs`, to profile one size
//! alone: `cargo run --release --example bench_input -- plan 2000 > /tmp/plan2000.toml`
//! (kinds: `plan N`, `failure N`, `attack N`, `disruptive N`, `alert_wait N`).
#[path = "../benches/support/gen.rs"]
mod generate;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).filter(|&n| n > 0).unwrap_or(20);
    let text = match args.get(1).map(String::as_str).unwrap_or("plan") {
        "plan" => generate::plan(n),
        "failure" => generate::topology(n, generate::Fault::Failure),
        "attack" => generate::topology(n, generate::Fault::Attack),
        "disruptive" => generate::topology(n, generate::Fault::Disruptive),
        "alert_wait" => generate::alert_wait(n),
        other => {
            eprintln!("unknown kind {other}: plan, failure, attack, disruptive or alert_wait");
            std::process::exit(2);
        }
    };
    print!("{text}");
}
