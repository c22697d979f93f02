//! Steps that wait for the world (`wait`): they go to their team once their dependencies are
//! done and what they wait for holds, whenever that becomes true.

use drillsim::sim::trace::{render, replay};

use crate::common::{head, scenario};

/// An app on feed-a (no UPS, restarted by hand) behind business service `shop`; a power
/// outage of `outage` and an attack on a laptop land at the fault (t = 0). Detection after 5
/// minutes and the acknowledgement 5 minutes later: the plan starts at 10. `contain` takes
/// `contain` minutes; `restart-app` waits for `wait` and takes 10 minutes.
fn drill(outage: u32, contain: u32, wait: &str) -> String {
    format!(
        r#"{head}
[components.feed-a]
kind = "power_feed"
[components.feed-b]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed-a"
restart = "manual"
[components.laptop]
kind = "service"
power = "feed-b"
[services.shop]
needs = ["app"]
[[fault]]
id = "dark"
kind = "power_loss"
target = "feed-a"
outage = "{outage}m"
[[fault]]
id = "intruder"
kind = "attack"
target = "laptop"
spread = "1h"
[[step]]
id = "contain"
team = "ops"
duration = "{contain}m"
effect = {{ contain = true }}
[[step]]
id = "restart-app"
team = "ops"
duration = "10m"
wait = {wait}
effect = {{ restart = "app" }}
"#,
        head = head("5m", "5m", 2)
    )
}

const POWER_AND_CONTAINED: &str = r#"{ powered = "feed-a", contained = true }"#;

/// Minutes the shop is down in trial 0.
fn shop_down(text: &str) -> f64 {
    let sc = scenario(text);
    replay(&sc, 1, 0).outcome.downtime[0]
}

#[test]
fn a_restart_waits_for_power_and_containment_whichever_comes_last() {
    // Power back at 60, contained at 10 + 30 = 40: the restart runs 60 to 70.
    assert_eq!(shop_down(&drill(60, 30, POWER_AND_CONTAINED)), 70.0);
    // Contained at 10 + 65 = 75, after the power: 75 to 85.
    assert_eq!(shop_down(&drill(60, 65, POWER_AND_CONTAINED)), 85.0);
    // Power back at 30, contained at 40: 40 to 50.
    assert_eq!(shop_down(&drill(30, 30, POWER_AND_CONTAINED)), 50.0);
    // Both at 60: 60 to 70.
    assert_eq!(shop_down(&drill(60, 50, POWER_AND_CONTAINED)), 70.0);
}

#[test]
fn without_wait_the_restart_runs_at_once_and_the_app_stays_down() {
    // The same plan with `when` in place of `wait` is checked once, at 10, and skipped:
    // nobody restarts the app, and the shop is down until the horizon.
    let text = drill(60, 30, r#"{ up = "feed-a" }"#).replace("wait = ", "when = ");
    let sc = scenario(&text);
    assert_eq!(replay(&sc, 1, 0).outcome.downtime[0], sc.horizon);
}

#[test]
fn the_trace_says_what_a_step_waits_for_and_when_it_goes_on() {
    let sc = scenario(&drill(60, 30, POWER_AND_CONTAINED));
    let tr = replay(&sc, 1, 0);
    let text = render(&sc, 1, 0, &tr);
    let line = text.lines().find(|l| l.contains("step restart-app waits for")).expect(&text);
    assert!(line.trim_start().starts_with("0:10:00"), "{line}");
    assert!(
        line.ends_with("step restart-app waits for feed-a powered and attack contained"),
        "{line}"
    );
    let over = text
        .lines()
        .find(|l| l.contains("step restart-app: what it waited for holds"))
        .expect(&text);
    assert!(over.trim_start().starts_with("1:00:00"), "{over}");
    assert_eq!(tr.outcome.start[1], 60.0);
    assert_eq!(tr.outcome.finish[1], 70.0);
}

#[test]
fn any_waits_for_the_first_alternative_that_holds() {
    // Power back at 60 or the attack contained at 40: the restart runs 40 to 50 (while
    // feed-a is still dark, so the app does not come back).
    let any = r#"{ any = [ { powered = "feed-a" }, { contained = true } ] }"#;
    let sc = scenario(&drill(60, 30, any));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.start[1], 40.0);
    assert_eq!(tr.outcome.finish[1], 50.0);
    let text = render(&sc, 1, 0, &tr);
    assert!(
        text.contains("step restart-app waits for (feed-a powered) or (attack contained)"),
        "{text}"
    );
    // Contained at 75 instead: power at 60 comes first.
    let sc = scenario(&drill(60, 65, any));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.start[1], 60.0);
    assert_eq!(tr.outcome.downtime[0], 70.0);
}

#[test]
fn a_wait_that_never_holds_leaves_the_step_unrun_and_the_plan_closes() {
    // Nobody contains the attack: the restart never runs.
    let text = drill(60, 30, POWER_AND_CONTAINED).replace("effect = { contain = true }", "effect = { publish = \"status\" }");
    let sc = scenario(&text);
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.attempts[1], 0);
    assert!(tr.outcome.start[1].is_nan());
    // The plan closed when its last step that ran finished (publish, at 40).
    assert_eq!(tr.outcome.close, 40.0);
    assert_eq!(tr.outcome.downtime[0], sc.horizon);
    let out = render(&sc, 1, 0, &tr);
    assert!(
        out.contains("step restart-app never ran: it still waits for feed-a powered and attack contained"),
        "{out}"
    );
}

#[test]
fn wait_is_checked_when_the_file_is_read() {
    let bad = |wait: &str| {
        drillsim::scenario::load_str(std::path::Path::new("test.toml"), &drill(60, 30, wait))
            .unwrap_err()
            .to_string()
    };
    let e = bad(r#"{ powered = "feed-x" }"#);
    assert!(e.contains("test.toml:") && e.contains("feed-x") && e.contains("feed-a"), "{e}");
    let e = bad(r#"{ powered = "app" }"#);
    assert!(e.contains("\"app\" is not a power feed"), "{e}");
    let e = bad("{ }");
    assert!(e.contains("an empty `wait` waits for nothing"), "{e}");
    let e = bad(r#"{ powerd = "feed-a" }"#);
    assert!(e.contains("powerd"), "{e}");
    let e = bad("{ contained = false }");
    assert!(e.contains("contained = false waits for nothing"), "{e}");
    let e = bad("{ any = [] }");
    assert!(e.contains("an empty `any` list can never hold"), "{e}");
    let e = bad(r#"{ restored = "nope" }"#);
    assert!(e.contains("store") && e.contains("nope"), "{e}");
}

// ---- effects that cannot take effect ----

/// The drill without the restart's `wait`: it restarts the app at 10 to 20, in the dark.
fn restart_in_the_dark() -> String {
    drill(60, 30, POWER_AND_CONTAINED).replace(&format!("wait = {POWER_AND_CONTAINED}\n"), "")
}

#[test]
fn a_restart_without_power_fails_says_why_and_is_counted() {
    let sc = scenario(&restart_in_the_dark());
    assert!(sc.steps[1].wait.is_empty());
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.finish[1], 20.0);
    assert_eq!(tr.outcome.effect_failed, vec![false, true]);
    // Nobody restarts the app when the power returns: the shop stays down.
    assert_eq!(tr.outcome.downtime[0], sc.horizon);
    let text = render(&sc, 1, 0, &tr);
    let line = text.lines().find(|l| l.contains("FAILED its effect")).expect(&text);
    assert!(line.trim_start().starts_with("0:20:00"), "{line}");
    assert!(
        line.ends_with("step restart-app FAILED its effect: restart app: no power on feed-a"),
        "{line}"
    );
    assert!(!text.contains("app restarted"), "{text}");
    // Every trial is the same: the share is 1 for the restart, 0 for containment; merging
    // two halves gives the whole.
    let whole = drillsim::batch::summarize_range(&sc, 1, 0..6, None);
    assert_eq!(whole.effect_failed, vec![0, 6]);
    let mut half = drillsim::batch::summarize_range(&sc, 1, 0..3, None);
    half.merge(&drillsim::batch::summarize_range(&sc, 1, 3..6, None));
    assert_eq!(half, whole);
    let json = drillsim::report::json::summary(&sc, 1, &whole, None);
    assert_eq!(json["steps"]["restart-app"]["effect_failed"], 1.0);
    assert_eq!(json["steps"]["contain"]["effect_failed"], 0.0);
    // With the wait, the same restart succeeds.
    let sc = scenario(&drill(60, 30, POWER_AND_CONTAINED));
    assert_eq!(replay(&sc, 1, 0).outcome.effect_failed, vec![false, false]);
}

/// The drill plus a repair of the laptop the intruder landed on, done at 10 + 5 = 15, with
/// `wait` (empty: none).
fn repair_laptop(wait: &str) -> String {
    format!(
        "{}[[step]]\nid = \"repair-laptop\"\nteam = \"ops\"\nduration = \"5m\"\n{wait}effect = {{ repair = \"laptop\" }}\n",
        drill(60, 30, POWER_AND_CONTAINED).replace("capacity = 2", "capacity = 3")
    )
}

#[test]
fn a_repair_while_the_intruder_is_active_fails() {
    let sc = scenario(&repair_laptop(""));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.finish[2], 15.0);
    assert_eq!(tr.outcome.effect_failed, vec![false, false, true]);
    let text = render(&sc, 1, 0, &tr);
    assert!(
        text.contains("step repair-laptop FAILED its effect: repair laptop: still compromised by an attack that is not contained"),
        "{text}"
    );
    // Waiting for containment (at 40), the repair runs 40 to 45 and succeeds.
    let sc = scenario(&repair_laptop("wait = { contained = true }\n"));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.finish[2], 45.0);
    assert_eq!(tr.outcome.effect_failed, vec![false, false, false]);
    assert!(render(&sc, 1, 0, &tr).contains("laptop repaired"));
}

// ---- several effects, and effects on a set ----

#[test]
fn one_step_repairs_every_host_the_intruder_reached_and_restarts_a_whole_feed() {
    let text = format!(
        r#"{head}
[components.feed-a]
kind = "power_feed"
[components.feed-b]
kind = "power_feed"
[components.a1]
kind = "service"
power = "feed-a"
[components.a2]
kind = "service"
power = "feed-a"
[components.hub]
kind = "service"
power = "feed-b"
[components.h1]
kind = "service"
power = "feed-b"
needs = ["hub"]
[components.h2]
kind = "service"
power = "feed-b"
needs = ["hub"]
[services.shop]
needs = ["a1", "a2"]
[[fault]]
id = "dark"
kind = "power_loss"
target = "feed-a"
outage = "60m"
[[fault]]
id = "intruder"
kind = "attack"
target = "hub"
spread = "1m"
[[step]]
id = "contain"
team = "ops"
duration = "30m"
effect = {{ contain = true }}
[[step]]
id = "clean"
team = "ops"
after = ["contain"]
duration = "5m"
effect = [ {{ repair = {{ compromised = true }} }}, {{ publish = "hosts clean" }} ]
[[step]]
id = "restart-feed-a"
team = "ops"
duration = "10m"
wait = {{ powered = "feed-a" }}
effect = {{ restart = {{ on_feed = "feed-a" }} }}
"#,
        head = head("5m", "5m", 3)
    );
    let sc = scenario(&text);
    assert_eq!(sc.steps[1].effects.len(), 2);
    let tr = replay(&sc, 1, 0);
    let reached = tr
        .events
        .iter()
        .filter(|(_, e)| matches!(e, drillsim::sim::Event::Compromised { .. }))
        .count();
    assert_eq!(reached, 3, "hub, then h1 and h2 after a minute");
    let done_at = |step: usize, what: &str| {
        tr.events
            .iter()
            .filter(|(_, e)| matches!(e, drillsim::sim::Event::EffectDone { step: s, what: w } if *s == step && w == what))
            .map(|(t, _)| *t)
            .collect::<Vec<_>>()
    };
    for host in ["h1", "h2", "hub"] {
        assert_eq!(done_at(1, &format!("{host} repaired")), vec![45.0], "{host}");
    }
    assert_eq!(done_at(1, "published: hosts clean"), vec![45.0]);
    assert_eq!(done_at(2, "a1 restarted"), vec![70.0]);
    assert_eq!(done_at(2, "a2 restarted"), vec![70.0]);
    assert_eq!(tr.outcome.effect_failed, vec![false, false, false]);
    assert_eq!(tr.outcome.downtime[0], 70.0);
    // Repaired before containment, every host's repair fails and says so.
    let early = scenario(&text.replace("after = [\"contain\"]\n", ""));
    let tr = replay(&early, 1, 0);
    assert_eq!(tr.outcome.effect_failed, vec![false, true, false]);
    let out = render(&early, 1, 0, &tr);
    assert!(
        out.contains("step clean FAILED its effect: repair h1: still compromised by an attack that is not contained"),
        "{out}"
    );
}

#[test]
fn effect_lists_and_sets_are_checked_when_the_file_is_read() {
    let bad = |effect: &str| {
        let text = drill(60, 30, POWER_AND_CONTAINED).replace("effect = { restart = \"app\" }", &format!("effect = {effect}"));
        drillsim::scenario::load_str(std::path::Path::new("test.toml"), &text)
            .unwrap_err()
            .to_string()
    };
    let e = bad("[]");
    assert!(e.contains("an empty list of effects does nothing"), "{e}");
    let e = bad(r#"[ { restart = "ap" } ]"#);
    assert!(
        e.contains("test.toml:") && e.contains("\"ap\"") && e.contains("did you mean \"app\""),
        "{e}"
    );
    let e = bad(r#"{ restart = { on_feed = "app" } }"#);
    assert!(e.contains("\"app\" is not a power feed"), "{e}");
    let e = bad("{ repair = { compromised = false } }");
    assert!(e.contains("compromised = false names no component"), "{e}");
    let e = bad(r#"{ repair = { compromised = true, on_feed = "feed-a" } }"#);
    assert!(e.contains("either { compromised = true } or"), "{e}");
    let e = bad(r#"{ restart = { everything = true } }"#);
    assert!(e.contains("everything"), "{e}");
}
