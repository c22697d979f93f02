//! `plan.toml`: detection and severity levels, the response steps per fault kind, and the
//! closing steps, each written with the team that owns the component it acts on.

use std::fmt::Write as _;

use super::plan::{Plan, list, q};

/// One step's TOML.
struct Step<'a> {
    id: &'a str,
    title: &'a str,
    team: &'a str,
    after: Vec<&'a str>,
    when: Option<String>,
    wait: Option<String>,
    duration: &'a str,
    effect: Option<String>,
}

fn step(t: &mut String, s: &Step<'_>) {
    let _ = writeln!(
        t,
        "\n[[step]]\nid = {}   # its name: `after` lists, traces and reports use it\ntitle = {}   # what is done, in words",
        q(s.id),
        q(s.title)
    );
    let _ = writeln!(
        t,
        "team = {}   # who does it (waits for a free slot of the team's capacity)",
        q(s.team)
    );
    if !s.after.is_empty() {
        let _ = writeln!(t, "after = {}   # starts when these are done (or skipped)", list(&s.after));
    }
    if let Some(w) = &s.when {
        let _ = writeln!(t, "when = {w}   # looked at once when ready: false, the step is skipped");
    }
    if let Some(w) = &s.wait {
        let _ = writeln!(t, "wait = {w}   # held back until this holds");
    }
    let _ = writeln!(t, "duration = {}   # placeholder: how long the work takes", s.duration);
    if let Some(e) = &s.effect {
        let _ = writeln!(t, "effect = {e}   # what it does to the world when it finishes");
    }
}

pub(super) fn steps(p: &Plan<'_>, ph: &mut Vec<String>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The plan, written by `drillsim init` from {}.\n\
         # What each team does, in which order. Shared by every exercise in this folder; a\n\
         # step with `when = {{ fault = ... }}` applies only to exercises with that kind of fault,\n\
         # and is skipped at once in the others.",
        p.inv.source
    );
    detection_and_levels(&mut t, p);
    let last = response_steps(&mut t, p);
    closing_steps(&mut t, p, &last);
    ph.push(
        "plan.toml: every step's duration (triage ~10m, repair ~45m, contain ~40m, rebuild ~1h, restart ~15m, restore ~15m plus the store's restore, verify ~15m); customer reports after ~1h"
            .into(),
    );
    t
}

/// `[detection]` and the two severity levels.
fn detection_and_levels(t: &mut String, p: &Plan<'_>) {
    let _ = writeln!(
        t,
        "\n[detection]\n\
         fallback = {{ dist = \"lognormal\", median = \"1h\", sigma = 0.7 }}   # placeholder: customers report what no monitor saw\n\
         page = {}   # the team the first alert pages",
        q(&p.paged)
    );
    let _ = writeln!(
        t,
        "\n# Severity levels: the first applies to every incident; a later one when its rule holds.\n\
         [[level]]\n\
         name = \"minor\"               # a level's name; steps may wait for it with when = {{ level = ... }}\n\
         \n\
         [[level]]\n\
         name = \"major\"               # reached when a rule below holds\n\
         services_down = {}   # this many business services down at once\n\
         data_loss = true     # or any store's data lost\n\
         # page = [\"<team>\"]  # teams paged when the incident reaches this level",
        p.services.len().min(2)
    );
}

/// Triage, then one step per fault kind and one restore per store, each applying only where
/// its fault is; returns the steps `verify` waits for.
fn response_steps(t: &mut String, p: &Plan<'_>) -> Vec<String> {
    let fail = &p.failure_target.name;
    let repair_id = format!("repair-{fail}");
    let repair_title = format!("Find and repair what broke {fail}");
    let restart_title = format!("Restart what did not come back by itself on {}", p.power_target);
    let triage = Step {
        id: "triage",
        title: "Collect symptoms and scope, open the incident",
        team: &p.paged,
        after: vec![],
        when: None,
        wait: None,
        duration: "{ dist = \"triangular\", min = \"5m\", mode = \"10m\", max = \"25m\" }",
        effect: None,
    };
    step(t, &triage);
    step(
        t,
        &Step {
            id: &repair_id,
            title: &repair_title,
            team: p.owner(fail),
            after: vec!["triage"],
            when: Some(format!("{{ fault = \"failure\", down = {} }}", q(fail))),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"45m\", sigma = 0.6 }",
            effect: Some(format!("{{ repair = {} }}", q(fail))),
        },
    );
    step(
        t,
        &Step {
            id: "contain",
            title: "Stop the intruder spreading",
            team: &p.paged,
            after: vec!["triage"],
            when: Some("{ fault = \"attack\" }".into()),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"40m\", sigma = 0.6 }",
            effect: Some("{ contain = true }".into()),
        },
    );
    step(
        t,
        &Step {
            id: "clean-compromised",
            title: "Rebuild every host the intruder reached",
            team: &p.paged,
            after: vec!["contain"],
            when: Some("{ fault = \"attack\" }".into()),
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"1h\", sigma = 0.5 }",
            effect: Some("{ repair = { compromised = true } }".into()),
        },
    );
    step(
        t,
        &Step {
            id: "restart-after-power",
            title: &restart_title,
            team: &p.paged,
            after: vec!["triage"],
            when: Some("{ fault = \"power_loss\" }".into()),
            wait: Some(format!("{{ powered = {} }}", q(&p.power_target))),
            duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.5 }",
            effect: Some(format!("{{ restart = {{ on_feed = {} }} }}", q(&p.power_target))),
        },
    );
    let mut last: Vec<String> = vec![repair_id.clone(), "clean-compromised".into(), "restart-after-power".into()];
    let restores: Vec<(String, String, String)> = p
        .stores
        .iter()
        .map(|(s, c, _)| {
            (
                format!("restore-{s}"),
                format!("Restore {s} from the newest good backup"),
                c.clone(),
            )
        })
        .collect();
    for ((id, title, comp), (store, _, _)) in restores.iter().zip(&p.stores) {
        step(
            t,
            &Step {
                id,
                title,
                team: p.owner(comp),
                after: vec!["triage", "contain"],
                when: Some(format!("{{ lost = {} }}", q(store))),
                wait: None,
                duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.4 }",
                effect: Some(format!("{{ restore = {} }}", q(store))),
            },
        );
        last.push(id.clone());
    }
    last
}

/// `verify` after every response step, then `declare-end`.
fn closing_steps(t: &mut String, p: &Plan<'_>, last: &[String]) {
    let last_refs: Vec<&str> = last.iter().map(String::as_str).collect();
    step(
        t,
        &Step {
            id: "verify",
            title: "Check that every business service works again",
            team: &p.paged,
            after: last_refs,
            when: None,
            wait: None,
            duration: "{ dist = \"lognormal\", median = \"15m\", sigma = 0.4 }",
            effect: None,
        },
    );
    step(
        t,
        &Step {
            id: "declare-end",
            title: "Declare the end of the incident",
            team: &p.paged,
            after: vec!["verify"],
            when: None,
            wait: None,
            duration: "\"5m\"",
            effect: Some("{ declare_end = true }".into()),
        },
    );
}
