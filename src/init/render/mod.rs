//! An inventory written out as an exercise folder: `topology.toml`, `teams.toml`, `plan.toml`
//! and one exercise per fault kind, every field with a comment saying what it does, every
//! value the source could not give marked `# placeholder` and listed.

mod plan;
mod steps;
mod topology;

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Folder, Inventory};
use plan::{Plan, key, plan, q};

/// The folder for `inv`: its files and the placeholders to review. An error says why the
/// inventory cannot make a scenario (nothing to run).
pub fn render(inv: &Inventory) -> Result<Folder, String> {
    let p = plan(inv)?;
    let mut ph: Vec<String> = Vec::new();
    let files = vec![
        (PathBuf::from("topology.toml"), topology::topology(&p, &mut ph)),
        (PathBuf::from("teams.toml"), teams(&p, &mut ph)),
        (PathBuf::from("plan.toml"), steps::steps(&p, &mut ph)),
    ];
    let mut folder = Folder {
        files,
        ..Folder::default()
    };
    for (file, text) in exercises(&p, &mut ph) {
        folder.exercises.push(file.clone());
        folder.files.push((file, text));
    }
    folder.placeholders = ph;
    folder.services = p.services.len();
    Ok(folder)
}

fn teams(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The response teams, written by `drillsim init` from {}.\n\
         # A team works on `capacity` steps at once; the team paged first has an escalation\n\
         # policy (who is paged, how likely and how fast they acknowledge, when the page moves\n\
         # on). Other teams join when the first responder acknowledges (or when a severity level\n\
         # with `page = [...]` pages them).",
        p.inv.source
    );
    for team in &p.teams {
        let _ = writeln!(t, "\n[teams.{}]", key(team));
        if *team == p.paged {
            let _ = writeln!(
                t,
                "capacity = 2                   # placeholder: steps the team works on at once\n\
                 # off_hours = {{ from = \"22:00\", to = \"07:00\", slower = 1.3 }}   # slower at night\n\
                 \n\
                 [teams.{k}.escalation]\n\
                 repeat = 1                     # placeholder: times the list is paged again after its last level\n\
                 last_resort = \"30m\"            # placeholder: someone acknowledges this long after the last page at worst\n\
                 \n\
                 [[teams.{k}.escalation.level]]\n\
                 name = \"primary on-call\"      # who is paged at this level\n\
                 ack = 0.9                      # placeholder: chance the page is acknowledged\n\
                 ack_delay = {{ dist = \"lognormal\", median = \"5m\", sigma = 0.6 }}   # placeholder: page to acknowledgement\n\
                 timeout = \"15m\"                # placeholder: unacknowledged this long, the next level is paged\n\
                 \n\
                 [[teams.{k}.escalation.level]]\n\
                 name = \"secondary on-call\"    # paged when the primary does not acknowledge in time\n\
                 ack = 0.9                      # placeholder\n\
                 ack_delay = {{ dist = \"lognormal\", median = \"8m\", sigma = 0.6 }}   # placeholder\n\
                 timeout = \"15m\"                # placeholder",
                k = key(team)
            );
        } else {
            let _ = writeln!(t, "capacity = 1                   # placeholder: steps the team works on at once");
        }
    }
    ph.push(format!(
        "teams.toml: capacity 2 for `{}` (paged first: primary then secondary on-call, 90% ack, ~5m and ~8m, 15m timeouts), 1 for the other teams",
        p.paged
    ));
    t
}

fn exercises(p: &Plan<'_>, ph: &mut Vec<String>) -> Vec<(PathBuf, String)> {
    let name = &p.inv.name;
    let head = |kind: &str, what: String| {
        format!(
            "# Exercise: {what}.\n\
             # Written by `drillsim init` from {}; run it with `drillsim run {kind}.toml`,\n\
             # replay one trial with `drillsim trace {kind}.toml --trial 0`, and check the objectives\n\
             # of the whole folder with `drillsim check .`.\n\
             include = [\"topology.toml\", \"teams.toml\", \"plan.toml\"]   # the shared parts\n\
             \n\
             [exercise]\n\
             name = {}   # the exercise's name in reports\n\
             description = {}   # shown in reports\n\
             seed = 1                       # same seed, same numbers\n\
             start = \"any\"                  # the fault comes at any hour (off-hours slow teams down)\n",
            p.inv.source,
            q(&format!("{name}-{kind}")),
            q(&what)
        )
    };
    let rto_objectives: Vec<String> = p.services.iter().map(|s| format!("services.{} rto_met >= 95%", s.0)).collect();
    let expect = |extra: &[String]| {
        let mut all = vec!["recovery p95 <= 8h".to_string()];
        all.extend(rto_objectives.iter().cloned());
        all.extend(extra.iter().cloned());
        let lines: Vec<String> = all.iter().map(|o| format!("  {},", q(o))).collect();
        format!(
            "\n# What the plan promises, checked by `drillsim check` (exit 1 when missed).\n\
             # placeholder: recovery within 8h in 95% of trials, and every RTO in 95%.\n\
             [expect]\nobjectives = [   # one sentence each: measure, statistic, comparison, threshold\n{}\n]\n",
            lines.join("\n")
        )
    };
    let fail = &p.failure_target.name;
    let mut out = Vec::new();
    let mut t = head("failure", format!("{fail} fails"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"{}-fails\"   # its name in traces and reports\n\
         kind = \"failure\"               # a component goes down until a step repairs it\n\
         target = {}   # where it strikes\n\
         mode = \"crash\"                 # shown in traces (bad deploy, disk full, ...)\n\
         at = \"0m\"                      # when, from the start of the exercise",
        fail.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_', "-"),
        q(fail)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("failure.toml"), t));

    let atk = &p.attack_target.name;
    let mut t = head("attack", format!("an intruder lands on {atk} and encrypts {}", p.data_target));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"intrusion\"   # its name in traces and reports\n\
         kind = \"attack\"                # an intruder lands and spreads along dependencies\n\
         target = {}   # where it strikes\n\
         spread = {{ dist = \"lognormal\", median = \"40m\", sigma = 0.8 }}   # placeholder: time to cross one dependency\n\
         leak_rate = 1.0                # placeholder: volume leaked per hour until contained\n\
         leak_unit = \"GB\"              # the unit of leak_rate, shown in reports\n\
         encrypt = [{}]                 # stores encrypted when the intruder reaches their component\n\
         disrupt = false                # true: what it reaches goes down (a wiper)",
        q(atk),
        q(&p.data_target)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("attack.toml"), t));

    let feed = &p.power_target;
    let mut t = head("power-loss", format!("{feed} loses power"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"outage\"   # its name in traces and reports\n\
         kind = \"power_loss\"            # the feed (or zone) loses power; what sits on it goes down\n\
         target = {}   # where it strikes\n\
         outage = {{ dist = \"lognormal\", median = \"2h\", sigma = 0.5 }}   # placeholder: until power returns",
        q(feed)
    );
    t.push_str(&expect(&[]));
    out.push((PathBuf::from("power-loss.toml"), t));

    let store = &p.data_target;
    let mut t = head("data-loss", format!("the data of {store} is deleted"));
    let _ = writeln!(
        t,
        "\n[[fault]]\n\
         id = \"data-deleted\"   # its name in traces and reports\n\
         kind = \"data_loss\"             # a store's data is corrupted or deleted\n\
         target = {}   # the store that loses its data\n\
         mode = \"deleted by a faulty job\"   # shown in traces",
        q(store)
    );
    t.push_str(&expect(&[format!("stores.{store} rpo_met >= 95%")]));
    out.push((PathBuf::from("data-loss.toml"), t));
    ph.push(format!(
        "exercises: faults at 0m; attack spread ~40m per dependency, 1 GB/h leaked; outage of `{feed}` ~2h; objectives recovery p95 <= 8h and every RTO in 95% of trials"
    ));
    out
}
