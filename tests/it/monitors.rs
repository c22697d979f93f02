//! Symptom monitors (`watches = { ... }`): an uptime check alerts when the state it watches
//! has held for its whole delay, races fault-kind monitors and customer reports, and reveals
//! the kinds of the faults injected so far. Exact: every duration is fixed.

use std::path::Path;

use drillsim::batch::summarize_range;
use drillsim::error::ScenarioErrorKind as K;
use drillsim::sim::Event;
use drillsim::sim::trace::{render, replay};

use crate::common::scenario;

/// A feed whose UPS lasts 15m and whose generator never starts; `web` (restarting by itself)
/// serves business service `payment`. A power loss at t = 0 for `outage`. The only fault-kind
/// monitor sees failures (not power loss); customer reports after 3h. `uptime` is the
/// `[[monitor]]` body of the symptom monitor; `steps` are added at the end.
fn outage(outage: &str, uptime: &str, steps: &str) -> String {
    format!(
        r#"
[detection]
fallback = "3h"
page = "ops"

[teams.ops]
capacity = 2
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 1.0
ack_delay = "1m"
timeout = "15m"

[components.feed]
kind = "power_feed"
ups = "ups"
generator = "gen"
[components.ups]
kind = "ups"
battery = "15m"
[components.gen]
kind = "generator"
start = 0.0
start_delay = "2m"
[components.web]
kind = "service"
power = "feed"
restart = "auto"
[services.payment]
needs = ["web"]

[[fault]]
id = "blackout"
kind = "power_loss"
target = "feed"
outage = "{outage}"

[[monitor]]
name = "errors"
sees = ["failure"]
delay = "1m"

[[monitor]]
name = "uptime-payment"
{uptime}

[[step]]
id = "note"
team = "ops"
duration = "5m"
{steps}
"#
    )
}

const UPTIME: &str = "watches = { service_down = \"payment\" }\ndelay = \"5m\"";

#[test]
fn an_uptime_check_detects_a_power_outage_no_fault_kind_monitor_sees() {
    let sc = scenario(&outage("2h", UPTIME, ""));
    let s = summarize_range(&sc, 1, 0..300, None);
    // The UPS runs dry at 15m: payment is down; the check alerts 5m later.
    assert_eq!((s.detect.min(), s.detect.max()), (20.0, 20.0));
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.detect, 20.0);
    let text = render(&sc, 1, 0, &tr);
    assert!(
        text.contains("alert from monitor uptime-payment: payment down; the incident opens"),
        "{text}"
    );
}

#[test]
fn an_uptime_check_that_always_misses_leaves_detection_to_customer_reports() {
    let sc = scenario(&outage("2h", &format!("{UPTIME}\nmiss = 1.0"), ""));
    let s = summarize_range(&sc, 1, 0..300, None);
    assert_eq!((s.detect.min(), s.detect.max()), (180.0, 180.0));
}

#[test]
fn a_check_that_misses_half_the_time_alerts_after_its_delay_or_falls_back() {
    let sc = scenario(&outage("4h", &format!("{UPTIME}\nmiss = 0.5"), ""));
    let s = summarize_range(&sc, 1, 0..4000, None);
    assert_eq!((s.detect.min(), s.detect.max()), (20.0, 180.0));
    let tr: Vec<f64> = (0..400).map(|i| replay(&sc, 1, i).outcome.detect).collect();
    assert!(tr.iter().all(|&d| d == 20.0 || d == 180.0));
    let hits = tr.iter().filter(|&&d| d == 20.0).count();
    assert!((150..250).contains(&hits), "{hits} of 400 alerts");
}

#[test]
fn a_symptom_that_clears_before_the_delay_raises_no_alert() {
    // Power is back at 17m: payment was down 15m..17m, shorter than the 5m delay.
    let sc = scenario(&outage("17m", UPTIME, ""));
    let s = summarize_range(&sc, 1, 0..300, None);
    assert_eq!((s.detect.min(), s.detect.max()), (180.0, 180.0));
    let text = render(&sc, 1, 0, &replay(&sc, 1, 0));
    assert!(
        text.contains("monitor uptime-payment: payment down cleared before its delay ended; no alert"),
        "{text}"
    );
    assert!(!text.contains("alert from monitor uptime-payment"), "{text}");
}

#[test]
fn a_symptom_that_lasts_exactly_its_delay_alerts() {
    // Down 15m..20m; the alert is due at 20m, when power returns. The return (UtilityBack)
    // was scheduled first, so it is handled first: payment is up and the alert is dropped.
    let sc = scenario(&outage("20m", UPTIME, ""));
    assert_eq!(replay(&sc, 1, 0).outcome.detect, 180.0);
    // One minute more and the check alerts at 20m.
    let sc = scenario(&outage("21m", UPTIME, ""));
    assert_eq!(replay(&sc, 1, 0).outcome.detect, 20.0);
}

#[test]
fn a_component_watch_and_a_fault_kind_monitor_race_to_the_first_alert() {
    // `down = "web"`: web stops serving at 15m; the check alerts at 15m + 5m. A fault-kind
    // monitor that sees power loss after 30m loses the race; after 2m it wins.
    let slow = outage("2h", "watches = { down = \"web\" }\ndelay = \"5m\"", "")
        .replace("sees = [\"failure\"]\ndelay = \"1m\"", "sees = [\"power_loss\"]\ndelay = \"30m\"");
    assert_eq!(replay(&scenario(&slow), 1, 0).outcome.detect, 20.0);
    let quick = slow.replace("delay = \"30m\"", "delay = \"2m\"");
    assert_eq!(replay(&scenario(&quick), 1, 0).outcome.detect, 2.0);
}

#[test]
fn a_symptom_alert_reveals_the_kind_of_the_faults_injected_so_far() {
    // `generator` waits for a power loss to be known. The uptime alert at 20m reveals it, so
    // the step starts at the acknowledgement (21m), not at customer reports (180m).
    let step = "[[step]]\nid = \"generator\"\nteam = \"ops\"\nduration = \"10m\"\nwhen = { fault = \"power_loss\" }\n";
    let sc = scenario(&outage("2h", UPTIME, step));
    let tr = replay(&sc, 1, 0);
    let g = sc.steps.iter().position(|s| s.id == "generator").unwrap();
    assert_eq!((tr.outcome.start[g], tr.outcome.finish[g]), (21.0, 31.0));
    // With the check blind, only customer reports (at 180m) make the power loss known.
    let sc = scenario(&outage("2h", &format!("{UPTIME}\nmiss = 1.0"), step));
    let tr = replay(&sc, 1, 0);
    assert_eq!((tr.outcome.start[g], tr.outcome.finish[g]), (181.0, 191.0));
}

#[test]
fn a_store_watch_alerts_on_lost_data() {
    let text = outage("2h", "watches = { lost = \"orders\" }\ndelay = \"7m\"", "")
        + "[stores.orders]\ncomponent = \"web\"\n[[fault]]\nid = \"wipe\"\nkind = \"data_loss\"\ntarget = \"orders\"\nat = \"1h\"\n";
    let sc = scenario(&text);
    let tr = replay(&sc, 1, 0);
    assert_eq!(tr.outcome.detect, 67.0);
    let alerts = tr.events.iter().filter(|(_, e)| matches!(e, Event::Alert { .. })).count();
    assert!(alerts >= 1);
}

#[test]
fn a_check_alerts_once_and_its_draws_leave_the_other_monitors_alone() {
    // Two outages: the check alerts on the first only.
    let text =
        outage("30m", UPTIME, "") + "[[fault]]\nid = \"again\"\nkind = \"power_loss\"\ntarget = \"feed\"\nat = \"2h\"\noutage = \"1h\"\n";
    let tr = replay(&scenario(&text), 1, 0);
    let n = tr
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Alert { monitor: Some(1), .. }))
        .count();
    assert_eq!(n, 1);
    // Adding a symptom monitor does not move a random fault-kind monitor's draws.
    let random = |extra: &str| {
        let t = outage("2h", extra, "").replace(
            "sees = [\"failure\"]\ndelay = \"1m\"",
            "sees = [\"power_loss\"]\ndelay = { dist = \"exponential\", mean = \"30m\" }",
        );
        let sc = scenario(&t);
        (0..50).map(|i| replay(&sc, 9, i).outcome.detect).collect::<Vec<f64>>()
    };
    let with_blind_check = random(&format!("{UPTIME}\nmiss = 1.0"));
    let with_sees = random("sees = [\"data_loss\"]\ndelay = \"1m\"");
    assert_eq!(with_blind_check, with_sees);
}

fn error(text: &str) -> drillsim::error::ScenarioError {
    match drillsim::scenario::load_str(Path::new("test.toml"), text) {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

#[test]
fn a_watch_of_an_unknown_service_says_which_it_may_mean() {
    let e = error(&outage("2h", "watches = { service_down = \"paymnt\" }\ndelay = \"5m\"", ""));
    assert_eq!(e.kind, K::UnknownName);
    assert_eq!(
        e.to_string(),
        "test.toml:47:28: unknown service \"paymnt\"\n  help: did you mean \"payment\"?"
    );
}

#[test]
fn a_monitor_with_both_sees_and_watches_is_an_error() {
    let e = error(&outage("2h", &format!("sees = [\"failure\"]\n{UPTIME}"), ""));
    assert_eq!(e.kind, K::Rule);
    let s = e.to_string();
    assert!(
        s.starts_with("test.toml:48:11: monitor \"uptime-payment\" has both `sees` and `watches`\n  help: "),
        "{s}"
    );
}

#[test]
fn a_monitor_with_neither_sees_nor_watches_is_an_error() {
    let e = error(&outage("2h", "delay = \"5m\"", ""));
    assert_eq!(e.kind, K::Missing);
    let s = e.to_string();
    assert!(s.contains("monitor \"uptime-payment\" has neither `sees` nor `watches`"), "{s}");
    assert!(s.contains("help: add sees = [\"failure\"]"), "{s}");
}

#[test]
fn a_watch_of_two_symptoms_is_an_error() {
    let e = error(&outage(
        "2h",
        "watches = { service_down = \"payment\", down = \"web\" }\ndelay = \"5m\"",
        "",
    ));
    assert_eq!(e.kind, K::Rule);
    assert!(e.to_string().contains("`watches` takes exactly one symptom"), "{e}");
}

#[test]
fn a_watch_of_an_unknown_kind_of_symptom_is_an_error() {
    let e = error(&outage("2h", "watches = { slow = \"payment\" }\ndelay = \"5m\"", ""));
    assert_eq!(e.kind, K::UnknownField);
}

#[test]
fn a_symptom_that_comes_back_after_a_cancelled_alert_is_a_new_onset() {
    // Down 15m..17m (cancelled), then a second outage at 1h: down again from 1h15m (the UPS
    // lasts 15m into each outage), so the check alerts at 1h20m.
    let text =
        outage("17m", UPTIME, "") + "[[fault]]\nid = \"again\"\nkind = \"power_loss\"\ntarget = \"feed\"\nat = \"1h\"\noutage = \"2h\"\n";
    let sc = scenario(&text);
    let tr = replay(&sc, 1, 0);
    let text = render(&sc, 1, 0, &tr);
    assert_eq!(tr.outcome.detect, 80.0, "{text}");
    assert_eq!(text.matches("cleared before its delay ended").count(), 1, "{text}");
}
