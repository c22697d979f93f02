//! Scenario generators shared by `benches/scaling.rs` and `examples/bench_input.rs` (which
//! prints them, for profiling one size with callgrind).
#![allow(dead_code)]
use std::fmt::Write as _;

const HEAD: &str = r#"
[detection]
delay = { dist = "lognormal", median = "10m", sigma = 0.8 }
page = "ops"
"#;

/// A team; only the first responder (`ops`, paged by `[detection]`) has an escalation policy,
/// since a policy that nothing pages is an error.
fn team(name: &str, capacity: u32) -> String {
    if name != "ops" {
        return format!("\n[teams.{name}]\ncapacity = {capacity}\n");
    }
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
/// service on the root, and `fault` on a leaf; a step contains or repairs it.
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
    // The first leaf sits mid-way in dependency order: refreshing from it to the end of the
    // order would cost half the topology.
    let first_leaf = n / 2;
    let (kind, effect) = match fault {
        Fault::Failure => (
            format!("kind = \"failure\"\ntarget = \"c{first_leaf}\""),
            format!("repair = \"c{first_leaf}\""),
        ),
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
