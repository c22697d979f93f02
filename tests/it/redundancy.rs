//! Redundancy as users expect it: a failover that lands on a standby the intruder has
//! reached, or whose data is lost, says so; `fail_back` returns the role to a repaired
//! primary; and the intruder crosses from a primary to its standby and through a group of
//! replicas. Exact cases with fixed durations.

use drillsim::sim::Event;
use drillsim::sim::trace::{Trace, render, replay};

use crate::common::{head, scenario};

/// Minutes in the default horizon (30 days).
const HORIZON: f64 = 30.0 * 24.0 * 60.0;

/// `db` on one feed with a standby `db-standby`, automatic failover after 5 minutes; the
/// business service `shop` needs `db`. Detection after 5 minutes and the acknowledgement 5
/// minutes later: the plan starts at 10 (team capacity 2). `faults` and `steps` follow.
fn world(faults: &str, steps: &str) -> String {
    format!(
        r#"{head}
[components.feed]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed"
standby = "db-standby"
failover = {{ delay = "5m" }}
[components.db-standby]
kind = "database"
power = "feed"
[services.shop]
needs = ["db"]
{faults}
{steps}"#,
        head = head("5m", "5m", 2)
    )
}

/// The primary crashes at 0; an intruder lands on the standby at 0 (it would cross to the
/// primary only after 10 hours; the plan contains it long before).
const CRASH_AND_INTRUDER_ON_STANDBY: &str = r#"
[[fault]]
id = "crash"
kind = "failure"
target = "db"
[[fault]]
id = "intruder"
kind = "attack"
target = "db-standby"
spread = "10h"
"#;

/// Contain 10 to 40, then repair db 40 to 50, then fail back 50 to 55.
const CONTAIN_REPAIR_FAIL_BACK: &str = r#"
[[step]]
id = "contain"
team = "ops"
duration = "30m"
effect = { contain = true }
[[step]]
id = "repair-db"
team = "ops"
after = ["contain"]
duration = "10m"
effect = { repair = "db" }
[[step]]
id = "fail-back"
team = "ops"
after = ["repair-db"]
duration = "5m"
effect = { fail_back = "db" }
"#;

fn lines_with<'a>(text: &'a str, what: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(what)).collect()
}

/// Times of the events that `pick` selects.
fn times(tr: &Trace, pick: impl Fn(&Event) -> bool) -> Vec<f64> {
    tr.events.iter().filter(|(_, e)| pick(e)).map(|(t, _)| *t).collect()
}

#[test]
fn an_automatic_failover_onto_a_compromised_standby_serves_and_the_trace_says_so() {
    let sc = scenario(&world(CRASH_AND_INTRUDER_ON_STANDBY, CONTAIN_REPAIR_FAIL_BACK));
    let tr = replay(&sc, 1, 0);
    // Down from the crash at 0 until the failover at 5; the compromised standby serves.
    assert_eq!(tr.outcome.downtime[0], 5.0);
    assert_eq!(tr.outcome.restored[0], 5.0);
    let text = render(&sc, 1, 0, &tr);
    let line = lines_with(&text, "db lands on");
    assert_eq!(line.len(), 1, "{text}");
    assert!(line[0].trim_start().starts_with("0:05:00"), "{}", line[0]);
    assert!(
        line[0].ends_with(
            "automatic failover of db lands on db-standby, which the intruder has reached: db runs on a compromised host (it serves, with the intruder on it)"
        ),
        "{}",
        line[0]
    );
    // The repaired primary takes its role back at 55, with no outage: downtime stays 5.
    assert_eq!(tr.outcome.effect_failed, vec![false, false, false]);
    let back = lines_with(&text, "db fails back from standby db-standby");
    assert_eq!(back.len(), 1, "{text}");
    assert!(back[0].trim_start().starts_with("0:55:00"), "{}", back[0]);
}

#[test]
fn a_clean_standby_is_not_flagged() {
    let clean = CRASH_AND_INTRUDER_ON_STANDBY.replace("target = \"db-standby\"", "target = \"db\"");
    let sc = scenario(&world(&clean, CONTAIN_REPAIR_FAIL_BACK));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], 5.0);
    assert!(times(&tr, |e| matches!(e, Event::StandbyAtRisk { .. })).is_empty());
    assert!(!render(&sc, 1, 0, &tr).contains("db lands on"));
}

#[test]
fn a_failover_step_onto_a_compromised_standby_is_flagged_too() {
    // No automatic failover: a step fails over at 10 + 8 = 18.
    let text = world(
        CRASH_AND_INTRUDER_ON_STANDBY,
        r#"
[[step]]
id = "fail-over"
team = "ops"
duration = "8m"
effect = { failover = "db" }
"#,
    )
    .replace("failover = { delay = \"5m\" }\n", "");
    let sc = scenario(&text);
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], 18.0);
    let out = render(&sc, 1, 0, &tr);
    let line = lines_with(&out, "lands on db-standby,");
    assert_eq!(line.len(), 1, "{out}");
    assert!(line[0].trim_start().starts_with("0:18:00"), "{}", line[0]);
    assert!(
        line[0].ends_with("failover of db by step fail-over lands on db-standby, which the intruder has reached: db runs on a compromised host (it serves, with the intruder on it)"),
        "{}",
        line[0]
    );
}

#[test]
fn failing_back_while_the_primary_is_down_fails_and_is_counted() {
    // The fail back runs 10 to 15, before anyone repaired db: it fails; the role stays on the
    // standby, which serves, so the shop's downtime is still the failover's 5 minutes.
    let steps = r#"
[[step]]
id = "fail-back"
team = "ops"
duration = "5m"
effect = { fail_back = "db" }
"#;
    let sc = scenario(&world(CRASH_AND_INTRUDER_ON_STANDBY, steps));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.effect_failed, vec![true]);
    assert_eq!(tr.outcome.downtime[0], 5.0);
    let text = render(&sc, 1, 0, &tr);
    let line = lines_with(&text, "FAILED its effect");
    assert_eq!(line.len(), 1, "{text}");
    assert!(line[0].trim_start().starts_with("0:15:00"), "{}", line[0]);
    assert!(
        line[0].ends_with(
            "step fail-back FAILED its effect: cannot fail back db from standby db-standby: db is down (it failed and is not repaired)"
        ),
        "{}",
        line[0]
    );
    let whole = drillsim::batch::summarize_range(&sc, 1, 0..4, None);
    assert_eq!(whole.effect_failed, vec![4]);
    let json = drillsim::report::json::summary(&sc, 1, &whole, None);
    assert_eq!(json["steps"]["fail-back"]["effect_failed"], 1.0);
}

#[test]
fn failing_back_to_a_primary_the_intruder_still_holds_fails() {
    // The intruder lands on db (which also crashes) and never leaves it by a restart: the
    // restart at 40 to 50 brings db up, still compromised; the fail back at 55 fails.
    let faults = CRASH_AND_INTRUDER_ON_STANDBY.replace("target = \"db-standby\"", "target = \"db\"");
    let steps = CONTAIN_REPAIR_FAIL_BACK.replace("effect = { repair = \"db\" }", "effect = { restart = \"db\" }");
    let sc = scenario(&world(&faults, &steps));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.effect_failed, vec![false, false, true]);
    assert_eq!(tr.outcome.downtime[0], 5.0);
    let text = render(&sc, 1, 0, &tr);
    assert!(
        text.contains(
            "step fail-back FAILED its effect: cannot fail back db from standby db-standby: the intruder still holds db (repair it first)"
        ),
        "{text}"
    );
    // Repaired instead, the fail back succeeds.
    let sc = scenario(&world(&faults, CONTAIN_REPAIR_FAIL_BACK));
    assert_eq!(replay(&sc, 1, 0).outcome.effect_failed, vec![false, false, false]);
}

#[test]
fn after_failing_back_the_standby_no_longer_carries_the_role() {
    // The standby crashes at 100. Failed back at 55, the shop does not notice: down 5. Without
    // the fail back, the role is still on the standby and nothing brings it back: down 5,
    // then from 100 until the horizon's end.
    let standby_crash = format!(
        "{CRASH_AND_INTRUDER_ON_STANDBY}[[fault]]\nid = \"standby-crash\"\nkind = \"failure\"\ntarget = \"db-standby\"\nat = \"100m\"\n"
    );
    let sc = scenario(&world(&standby_crash, CONTAIN_REPAIR_FAIL_BACK));
    assert_eq!(replay(&sc, 1, 0).outcome.downtime[0], 5.0);
    let no_fail_back = CONTAIN_REPAIR_FAIL_BACK.replace("effect = { fail_back = \"db\" }", "effect = { publish = \"db repaired\" }");
    let sc = scenario(&world(&standby_crash, &no_fail_back));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], 5.0 + HORIZON - 100.0);
    assert!(
        render(&sc, 1, 0, &tr).contains("db-standby keeps it down, it is still compromised by the intruder"),
        "{}",
        render(&sc, 1, 0, &tr)
    );
}

#[test]
fn failing_back_a_role_that_runs_on_its_primary_does_nothing() {
    // No crash: db never fails over; the fail back at 15 has nothing to do (not a failure).
    let faults = r#"
[[fault]]
id = "intruder"
kind = "attack"
target = "db-standby"
spread = "10h"
"#;
    let steps = "[[step]]\nid = \"fail-back\"\nteam = \"ops\"\nduration = \"5m\"\neffect = { fail_back = \"db\" }\n";
    let sc = scenario(&world(faults, steps));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.effect_failed, vec![false]);
    assert!(render(&sc, 1, 0, &tr).contains("-> db already runs on itself; nothing to fail back"));
}

/// The world with a store `orders` on db (hourly backups, a 10-minute restore).
fn with_orders(faults: &str, steps: &str) -> String {
    world(faults, steps).replace(
        "[services.shop]",
        "[stores.orders]\ncomponent = \"db\"\nbackup_interval = \"1h\"\nrestore = \"10m\"\n[services.shop]",
    )
}

#[test]
fn a_failover_after_ransomware_lands_on_encrypted_data_and_the_service_stays_down() {
    // Ransomware on db at 0: it encrypts orders and takes db down. The failover at 5 lands on
    // the standby, but the encryption replicated: the shop stays down. Contained 10 to 40,
    // db repaired 40 to 50, orders restored 50 to 50 + 20 + 10 = 80: down 80.
    let faults = r#"
[[fault]]
id = "ransomware"
kind = "attack"
target = "db"
spread = "10h"
encrypt = ["orders"]
disrupt = true
"#;
    let steps = CONTAIN_REPAIR_FAIL_BACK.replace(
        "duration = \"5m\"\neffect = { fail_back = \"db\" }",
        "duration = \"20m\"\neffect = { restore = \"orders\" }",
    );
    let sc = scenario(&with_orders(faults, &steps));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], 80.0);
    assert_eq!(tr.outcome.effect_failed, vec![false, false, false]);
    let text = render(&sc, 1, 0, &tr);
    let line = lines_with(&text, "db lands on");
    assert_eq!(line.len(), 1, "{text}");
    assert!(line[0].trim_start().starts_with("0:05:00"), "{}", line[0]);
    assert!(
        line[0].ends_with(
            "automatic failover of db lands on db-standby, whose data is encrypted (store orders): db does not serve until the store is restored"
        ),
        "{}",
        line[0]
    );
}

#[test]
fn a_standby_whose_own_data_is_lost_does_not_serve() {
    // The standby's own store is deleted at 0 and the primary crashes at 0. The failover at
    // 5 lands on the standby, which serves no good data: the shop stays down until the
    // restore, 10 to 10 + 20 + 10 = 40.
    let text = world(
        r#"
[[fault]]
id = "crash"
kind = "failure"
target = "db"
[[fault]]
id = "wiped"
kind = "data_loss"
target = "replica"
"#,
        r#"
[[step]]
id = "restore"
team = "ops"
duration = "20m"
effect = { restore = "replica" }
"#,
    )
    .replace(
        "[services.shop]",
        "[stores.replica]\ncomponent = \"db-standby\"\nbackup_interval = \"1h\"\nrestore = \"10m\"\n[services.shop]",
    );
    let sc = scenario(&text);
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], 40.0);
    let out = render(&sc, 1, 0, &tr);
    assert!(
        out.contains("automatic failover of db lands on db-standby, whose data is lost (store replica): db does not serve until the store is restored"),
        "{out}"
    );
    // Nobody restores it: the trace names the standby's lost data as what keeps the shop down.
    let sc = scenario(&text.replace("effect = { restore = \"replica\" }", "effect = { publish = \"looking\" }"));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.downtime[0], HORIZON);
    let out = render(&sc, 1, 0, &tr);
    assert!(
        out.contains("db-standby keeps it down, its data is lost and no step restores it"),
        "{out}"
    );
}

// ---- where the intruder crosses ----

/// db with its standby, and a web tier `web` of two replicas (one must serve) that the shop
/// needs; nothing links the web tier to db. An attack lands on `target` at 0 and crosses
/// each link in exactly 7 minutes (`disrupt`: it takes what it reaches down). The plan
/// starts at 2 and only publishes (`steps` may add more).
fn estate(target: &str, disrupt: bool, steps: &str) -> String {
    format!(
        r#"{head}
[components.feed]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed"
standby = "db-standby"
[components.db-standby]
kind = "database"
power = "feed"
[components.web-1]
kind = "service"
power = "feed"
[components.web-2]
kind = "service"
power = "feed"
[components.web]
kind = "service"
replicas = ["web-1", "web-2"]
min_up = 1
[services.shop]
needs = ["web"]
[[fault]]
id = "intruder"
kind = "attack"
target = "{target}"
spread = "7m"
disrupt = {disrupt}
[[step]]
id = "note"
team = "ops"
duration = "1m"
effect = {{ publish = "looking" }}
{steps}"#,
        head = head("1m", "1m", 2)
    )
}

/// When the intruder reached each component, by name.
fn reached(text: &str) -> Vec<(f64, String)> {
    let sc = scenario(text);
    let tr = replay(&sc, 1, 0);
    tr.events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Compromised { comp, .. } => Some((*t, sc.topology.components[*comp].name.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_intruder_crosses_from_a_primary_to_its_standby_in_one_spread() {
    let got = reached(&estate("db", false, ""));
    assert_eq!(got, vec![(0.0, "db".to_string()), (7.0, "db-standby".to_string())]);
    // And back: landing on the standby, it reaches the primary 7 minutes later.
    let got = reached(&estate("db-standby", false, ""));
    assert_eq!(got, vec![(0.0, "db-standby".to_string()), (7.0, "db".to_string())]);
    // Isolating the standby (done at 2 + 3 = 5) keeps it out.
    let isolate = "[[step]]\nid = \"cut\"\nteam = \"ops\"\nduration = \"3m\"\neffect = { isolate = \"db-standby\" }\n";
    let got = reached(&estate("db", false, isolate));
    assert_eq!(got, vec![(0.0, "db".to_string())]);
}

#[test]
fn the_intruder_crosses_a_group_of_replicas_through_the_group() {
    // From web-1 to the group at 7, then to web-2 at 14: the group counts as reached.
    let got = reached(&estate("web-1", false, ""));
    assert_eq!(
        got,
        vec![(0.0, "web-1".to_string()), (7.0, "web".to_string()), (14.0, "web-2".to_string())]
    );
}

#[test]
fn a_disruptive_intruder_takes_down_the_replicas_it_reaches_not_the_group() {
    // web-1 goes down at 0; the group, reached at 7, is not a host and stays up while web-2
    // serves; web-2 goes down at 14, and the shop with it.
    let sc = scenario(&estate("web-1", true, ""));
    let tr = replay(&sc, 1, 0);
    let down = times(&tr, |e| matches!(e, Event::Service { up: false, .. }));
    assert_eq!(down, vec![14.0]);
    assert_eq!(tr.outcome.downtime[0], HORIZON - 14.0);
}

#[test]
fn fail_back_is_checked_when_the_file_is_read() {
    let bad = |effect: &str| {
        let text = world(CRASH_AND_INTRUDER_ON_STANDBY, CONTAIN_REPAIR_FAIL_BACK).replace("effect = { fail_back = \"db\" }", effect);
        drillsim::scenario::load_str(std::path::Path::new("test.toml"), &text)
            .unwrap_err()
            .to_string()
    };
    let e = bad(r#"effect = { fail_back = "db-standby" }"#);
    assert!(
        e.contains("test.toml:") && e.contains("component \"db-standby\" has no standby to fail back from"),
        "{e}"
    );
    let e = bad(r#"effect = { fail_back = "dbx" }"#);
    assert!(
        e.contains("unknown component \"dbx\"") && e.contains("known components: db, db-standby, feed"),
        "{e}"
    );
    let e = bad(r#"effect = { fail_back = "db", failover = "db" }"#);
    assert!(e.contains("an effect does exactly one thing") && e.contains("fail_back"), "{e}");
}
