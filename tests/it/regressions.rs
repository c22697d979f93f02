//! Regression tests named after the bugs a review found in the engine, the trace and the report
//! (each failed before its fix), with the scenario that showed it.

use drillsim::batch::summarize_range;
use drillsim::sim::Event;
use drillsim::sim::trace::replay;

use crate::common::{head, scenario};

fn with(body: &str) -> drillsim::model::Scenario {
    scenario(&format!("{}{body}", head("1m", "1m", 1)))
}

#[test]
fn a_component_moved_to_another_feed_follows_that_feeds_power() {
    // app moves from feed-a (dark for 10h) to feed-b at 12m; feed-b fails at 60m for 10h.
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
[components.feed-b]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed-a"
restart = "auto"
[services.shop]
needs = ["app"]
[[fault]]
id = "a-out"
kind = "power_loss"
target = "feed-a"
outage = "10h"
[[fault]]
id = "b-out"
kind = "power_loss"
target = "feed-b"
outage = "10h"
at = "60m"
[[step]]
id = "move"
team = "ops"
duration = "10m"
effect = { move_load = { from = "feed-a", to = "feed-b" } }
"#,
    );
    let tr = replay(&sc, 1, 0);
    let shop: Vec<(f64, bool)> = tr
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Service { up, .. } => Some((*t, *up)),
            _ => None,
        })
        .collect();
    // Down at 0, up at 12m on feed-b, down at 60m with feed-b, up when feed-b returns at 11h.
    assert_eq!(shop, [(0.0, false), (12.0, true), (60.0, false), (660.0, true)]);
    assert_eq!(tr.outcome.restored[0], 660.0);
    // Down 12m, then from 60m to 11h.
    assert_eq!(tr.outcome.downtime[0], 12.0 + 600.0);
    assert_eq!(tr.outcome.longest_outage[0], 600.0);
}

#[test]
fn a_failed_ups_or_generator_carries_no_load() {
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
ups = "ups-a"
generator = "gen-a"
[components.ups-a]
kind = "ups"
battery = "15m"
[components.gen-a]
kind = "generator"
[components.app]
kind = "service"
power = "feed-a"
restart = "auto"
[services.shop]
needs = ["app"]
[[fault]]
id = "ups-dead"
kind = "failure"
target = "ups-a"
[[fault]]
id = "gen-dead"
kind = "failure"
target = "gen-a"
[[fault]]
id = "out"
kind = "power_loss"
target = "feed-a"
outage = "3h"
at = "5m"
[[step]]
id = "look"
team = "ops"
duration = "3m"
"#,
    );
    let s = summarize_range(&sc, 1, 0..10, None);
    // Down from the outage at 5m until power returns at 3h 5m: restored 3h 5m after the first
    // fault (the failures at 0), down 3h.
    assert_eq!((s.restored[0].min(), s.restored[0].max()), (185.0, 185.0));
    assert_eq!((s.downtime[0].min(), s.downtime[0].max()), (180.0, 180.0));
}

#[test]
fn automatic_failover_starts_again_after_a_second_outage() {
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed-a"
standby = "db2"
failover = { delay = "10m" }
[components.db2]
kind = "database"
power = "feed-a"
[services.shop]
needs = ["db"]
[[fault]]
id = "crash1"
kind = "failure"
target = "db"
[[fault]]
id = "crash2"
kind = "failure"
target = "db"
at = "60m"
[[step]]
id = "fix"
team = "ops"
duration = "3m"
effect = { repair = "db" }
"#,
    );
    // Repaired at 5m (before the first failover fired); the second crash fails over at 70m.
    let o = replay(&sc, 1, 0).outcome;
    assert_eq!(o.restored[0], 70.0);
    // Down 0..5m, then 60m..70m.
    assert_eq!((o.downtime[0], o.longest_outage[0]), (15.0, 10.0));
}

#[test]
fn a_store_whose_every_backup_is_bad_cannot_be_restored() {
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed-a"
[services.shop]
needs = ["db"]
[stores.orders]
component = "db"
backup_interval = "1h"
bad_backup = 1.0
[[fault]]
id = "oops"
kind = "data_loss"
target = "orders"
[[step]]
id = "restore"
team = "ops"
duration = "10m"
effect = { restore = "orders" }
"#,
    );
    let tr = replay(&sc, 1, 0);
    assert!(tr.events.iter().any(|(_, e)| matches!(e, Event::EffectFailed { .. })));
    assert_eq!(tr.outcome.data_lost[0], sc.horizon);
    assert_eq!(tr.outcome.downtime[0], sc.horizon);
}

#[test]
fn steps_released_by_a_level_start_in_the_order_they_became_ready() {
    let mut body = String::from(
        "[components.feed-a]\nkind = \"power_feed\"\n[components.db]\nkind = \"database\"\npower = \"feed-a\"\n\
         [services.shop]\nneeds = [\"db\"]\n[[level]]\nname = \"general\"\n[[level]]\nname = \"major\"\nservices_down = 1\n\
         [[fault]]\nid = \"crash\"\nkind = \"failure\"\ntarget = \"db\"\nat = \"30m\"\n",
    );
    for id in ["a", "b", "c", "d"] {
        body.push_str(&format!(
            "[[step]]\nid = \"{id}\"\nteam = \"ops\"\nduration = \"1m\"\nwhen = {{ level = \"major\" }}\n"
        ));
    }
    body.push_str("[[step]]\nid = \"early\"\nteam = \"ops\"\nduration = \"1m\"\n");
    // The incident opens on an earlier alert: a second fault at 0 that does nothing lasting.
    body.push_str(
        "[components.web]\nkind = \"service\"\npower = \"feed-a\"\n[[fault]]\nid = \"blip\"\nkind = \"failure\"\ntarget = \"web\"\n",
    );
    let sc = with(&body);
    let tr = replay(&sc, 1, 0);
    let started: Vec<&str> = tr
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::StepStart { step } => Some(sc.steps[*step].id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["early", "a", "b", "c", "d"]);
}

#[test]
fn the_critical_path_ends_at_a_wait_for_a_paged_team() {
    // triage (ops) is done at 3m; fix belongs to the board, paged only when the shop goes
    // down at 60m: what held fix back last was the board's acknowledgement, not triage.
    let sc = with(
        r#"
[teams.board]
capacity = 1
[teams.board.escalation]
last_resort = "1h"
[[teams.board.escalation.level]]
name = "ceo"
ack = 1.0
ack_delay = "5m"
timeout = "15m"
[components.feed-a]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed-a"
restart = "auto"
[services.shop]
needs = ["db"]
[[level]]
name = "general"
[[level]]
name = "major"
services_down = 1
page = ["board"]
[[fault]]
id = "blip"
kind = "failure"
target = "feed-a"
at = "60m"
[[fault]]
id = "first"
kind = "data_loss"
target = "orders"
[stores.orders]
backup_interval = "1h"
[[step]]
id = "triage"
team = "ops"
duration = "1m"
[[step]]
id = "fix"
team = "board"
after = ["triage"]
duration = "1m"
effect = { repair = "feed-a" }
"#,
    );
    let tr = replay(&sc, 1, 0);
    let fix = sc.step_index("fix").unwrap();
    let triage = sc.step_index("triage").unwrap();
    assert_eq!(tr.outcome.start[fix], 65.0);
    assert!(tr.outcome.critical[fix]);
    assert!(!tr.outcome.critical[triage]);
}

#[test]
fn a_leak_never_contained_is_measured_until_the_plan_closes() {
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
[components.web]
kind = "service"
power = "feed-a"
[[level]]
name = "general"
[[level]]
name = "major"
leaked = 1000.0
[[fault]]
id = "intruder"
kind = "attack"
target = "web"
spread = "1h"
leak_rate = 60.0
[[step]]
id = "look"
team = "ops"
duration = "10m"
"#,
    );
    let o = replay(&sc, 1, 0).outcome;
    // 60 per hour from 0 until the plan closes at 12m; the threshold, later, raises nothing.
    assert!((o.leaked - 12.0).abs() < 1e-9, "{}", o.leaked);
    assert_eq!(o.level, Some(0));
}

#[test]
fn overlapping_power_losses_of_one_feed_end_when_the_last_one_ends() {
    let body = |ups: &str, faults: &str| {
        format!(
            "[components.feed-a]\nkind = \"power_feed\"\n{ups}[components.app]\nkind = \"service\"\npower = \"feed-a\"\nrestart = \"auto\"\n\
             [services.shop]\nneeds = [\"app\"]\n{faults}[[step]]\nid = \"look\"\nteam = \"ops\"\nduration = \"5m\"\n"
        )
    };
    let two = "[[fault]]\nid = \"one\"\nkind = \"power_loss\"\ntarget = \"feed-a\"\noutage = \"2h\"\n\
               [[fault]]\nid = \"two\"\nkind = \"power_loss\"\ntarget = \"feed-a\"\nat = \"1h\"\noutage = \"3h\"\n";
    // No UPS: dark from 0 until the second outage ends at 4h (not when the first ends at 2h).
    assert_eq!(replay(&with(&body("", two)), 1, 0).outcome.downtime[0], 240.0);
    // A 15-minute UPS: the first outage lasts 10m; a second starts at 12m for 1h. The battery
    // of the second runs dry at 27m (not at 15m, the first one's): down 27m..72m.
    let ups = "ups = \"ups-a\"\n[components.ups-a]\nkind = \"ups\"\nbattery = \"15m\"\n";
    let later = "[[fault]]\nid = \"one\"\nkind = \"power_loss\"\ntarget = \"feed-a\"\noutage = \"10m\"\n\
                 [[fault]]\nid = \"two\"\nkind = \"power_loss\"\ntarget = \"feed-a\"\nat = \"12m\"\noutage = \"1h\"\n";
    let tr = replay(&with(&body(ups, later)), 1, 0);
    let shop: Vec<(f64, bool)> = tr
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Service { up, .. } => Some((*t, *up)),
            _ => None,
        })
        .collect();
    assert_eq!(shop, [(27.0, false), (72.0, true)]);
}

#[test]
fn two_leaks_together_raise_the_level_when_their_sum_crosses_the_threshold() {
    // 60/h from 0 and 60/h from 30m: 100 is reached at 30m + (100 - 30) / 120 h = 65m.
    let sc = with(
        r#"
[components.feed-a]
kind = "power_feed"
[components.web]
kind = "service"
power = "feed-a"
[components.api]
kind = "service"
power = "feed-a"
[[level]]
name = "general"
[[level]]
name = "major"
leaked = 100.0
[[fault]]
id = "one"
kind = "attack"
target = "web"
spread = "10h"
leak_rate = 60.0
[[fault]]
id = "two"
kind = "attack"
target = "api"
spread = "10h"
leak_rate = 60.0
at = "30m"
[[step]]
id = "work"
team = "ops"
duration = "3h"
"#,
    );
    let tr = replay(&sc, 1, 0);
    let raised: Vec<f64> = tr
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::LevelRaised { level: 1 }))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(raised.len(), 1);
    assert!((raised[0] - 65.0).abs() < 1e-9, "{raised:?}");
}

// ---- report and trace: times from the first fault, and what a step waited for ----

/// A night exercise: the clock starts at 03:00, the first fault (app crashes) comes at 30m,
/// a power loss at 90m; `move` must wait until a power loss is detected.
const NIGHT: &str = r#"
[exercise]
name = "night"
start = "03:00"
[components.feed-a]
kind = "power_feed"
[components.feed-b]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed-a"
restart = "auto"
[services.shop]
needs = ["app"]
rto = "3h"
[[fault]]
id = "crash"
kind = "failure"
target = "app"
mode = "bad deploy"
at = "30m"
[[fault]]
id = "outage"
kind = "power_loss"
target = "feed-a"
outage = "2h"
at = "90m"
[[step]]
id = "triage"
team = "ops"
duration = "5m"
[[step]]
id = "restart-app"
team = "ops"
after = ["triage"]
duration = "5m"
effect = { restart = "app" }
[[step]]
id = "move"
team = "ops"
after = ["triage"]
when = { fault = "power_loss" }
duration = "10m"
effect = { move_load = { from = "feed-a", to = "feed-b" } }
"#;

fn night_report(formats: &str) -> (drillsim::model::Scenario, Vec<drillsim::report::OutFile>) {
    let sc = with(NIGHT);
    let sum = summarize_range(&sc, 1, 0..20, None);
    let opt = drillsim::report::full::Options {
        formats: formats.parse().unwrap(),
        sensitivity_trials: 0,
        search: 1,
        source: Some("night.toml".into()),
    };
    let files = drillsim::report::build(&sc, 1, &sum, None, &opt).unwrap();
    (sc, files)
}

/// The cells of the activity table's row whose first cell is `first`.
fn markdown_row<'a>(md: &'a str, first: &str) -> Vec<&'a str> {
    let line = md
        .lines()
        .skip_while(|l| !l.starts_with("| activity |"))
        .find(|l| l.starts_with(&format!("| {first} |")))
        .unwrap_or_else(|| panic!("no row {first} in {md}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}

#[test]
fn trace_and_report_times_are_from_the_first_fault_with_the_wall_clock_beside_them() {
    let sc = with(NIGHT);
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.t0, 30.0);
    let text = drillsim::sim::trace::render(&sc, 1, 0, &tr);
    assert!(
        text.contains("the exercise starts at 03:00:00 on the wall clock; the first fault is injected at 03:30:00"),
        "{text}"
    );
    assert!(text.contains("time since fault (wall clock), what happens"), "{text}");
    let first = text.lines().find(|l| l.contains("fault crash injected")).unwrap();
    assert!(
        first.trim_start().starts_with("0:00:00 (03:30:00)  fault crash injected"),
        "{first}"
    );
    let outage = text.lines().find(|l| l.contains("fault outage injected")).unwrap();
    assert!(outage.trim_start().starts_with("1:00:00 (04:30:00)"), "{outage}");

    // The report's table and timeline use the same origin: triage starts when paging ends.
    let o = &tr.outcome;
    let triage = sc.step_index("triage").unwrap();
    let (_, files) = night_report("md,svg");
    let md = std::str::from_utf8(&files.iter().find(|f| f.name == "report.md").unwrap().bytes).unwrap();
    let row = markdown_row(md, "triage");
    let clock = drillsim::text::clock;
    assert_eq!(row[3], clock(o.start[triage] - 30.0), "{row:?}");
    assert_eq!(row[3], clock(o.detect + o.ack), "{row:?}");
    assert_eq!(
        row.last().copied(),
        Some(drillsim::text::wall_clock(180.0 + o.start[triage]).as_str())
    );
    assert!(md.contains("the first fault comes at 03:30:00 on the wall clock"), "{md}");

    let rep = drillsim::report::full::representative(&sc, 1, &summarize_range(&sc, 1, 0..20, None), 1).unwrap();
    let g = drillsim::report::charts::timeline(&sc, &rep);
    let paging_end = g.rows[1].bars[0].to;
    let triage_row = g.rows.iter().find(|r| r.label.starts_with("triage")).unwrap();
    let work = triage_row.bars.last().unwrap();
    assert_eq!(work.from, paging_end, "the first step starts as paging ends, on one axis");
}

#[test]
fn the_report_says_what_a_step_waited_for() {
    let (sc, files) = night_report("md,svg");
    let md = std::str::from_utf8(&files.iter().find(|f| f.name == "report.md").unwrap().bytes).unwrap();
    assert!(!md.contains("waited for team"), "{md}");
    let row = markdown_row(md, "move");
    assert!(row[6].starts_with("a power\\_loss fault to be detected"), "{row:?}");
    // The trace agrees: move waited for the fault, not for its team.
    let tr = replay(&sc, 1, 0);
    let mv = sc.step_index("move").unwrap();
    assert!(
        tr.events
            .iter()
            .any(|(_, e)| matches!(e, Event::StepAwaitsFault { step, .. } if *step == mv))
    );
    let svg = std::str::from_utf8(&files.iter().find(|f| f.name == "timeline.svg").unwrap().bytes).unwrap();
    assert!(svg.contains("waiting for a detected fault"), "the legend names the wait");
}
