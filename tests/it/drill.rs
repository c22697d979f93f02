//! Drill records: the three forms read to the same events, their measures exact, every
//! mistake named at its line and column, and a drill placed in the model's distribution.

use std::path::Path;

use drillsim::drill::{self, Observation};
use drillsim::error::RecordErrorKind as Kind;
use drillsim::model::Scenario;

use crate::common::{head, scenario};

/// Detection 10m, acknowledgement 5m, then `diagnose` (20m) and `fix` (30m) after it; a
/// business service on the app the failure takes down, restarted by `fix`.
fn plan() -> Scenario {
    scenario(&format!(
        r#"{}
[components.feed]
kind = "power_feed"
[components.app]
kind = "service"
power = "feed"
[services.shop]
needs = ["app"]
rto = "1h"
[[fault]]
id = "crash"
kind = "failure"
target = "app"
[[step]]
id = "diagnose"
team = "ops"
duration = "20m"
[[step]]
id = "fix"
team = "ops"
after = ["diagnose"]
duration = "30m"
effect = {{ restart = "app" }}
"#,
        head("10m", "5m", 1)
    ))
}

fn read(name: &str, text: &str) -> Result<drill::Record, drillsim::error::RecordError> {
    drill::load_str(Path::new(name), text, &plan())
}

const LONG: &str = "# date: 2026-11-20
# start: 03:00
time,event,subject,outcome,note
03:00,fault,crash,,
03:12,detected,,,uptime check
03:20,acked,ops,,
03:21,step_started,diagnose,,
03:45,step_finished,diagnose,ok,
03:46,step_started,fix,,
04:30,step_finished,fix,ok,
04:31,service_up,shop,,
04:40,closed,,,
";

#[test]
fn a_long_record_gives_the_measures_run_names() {
    let r = read("drill.csv", LONG).unwrap();
    assert_eq!(r.events.len(), 9);
    assert_eq!(r.start_clock, Some(180.0));
    assert_eq!(r.date.as_deref(), Some("2026-11-20"));
    assert!(r.closed());
    let ob = drill::Observed::of(&plan(), &r);
    assert_eq!(ob.detect, Some(Observation::Exact(12.0)));
    assert_eq!(ob.ack, Some(Observation::Exact(8.0)));
    assert_eq!(ob.steps[0].duration, Some(Observation::Exact(24.0)));
    assert_eq!(ob.steps[1].duration, Some(Observation::Exact(44.0)));
    // shop came back at 91 minutes, down since the fault.
    assert_eq!(ob.recovery, Some(Observation::Exact(91.0)));
    assert_eq!(ob.services[0].unwrap().downtime, Observation::Exact(91.0));
}

#[test]
fn the_short_form_and_json_lines_read_as_the_long_form() {
    let short = "step,start,end,outcome\nfix,46m,,running\ndiagnose,21m,45m,done\n";
    let r = read("short.csv", short).unwrap();
    let ob = drill::Observed::of(&plan(), &r);
    assert_eq!(ob.steps[0].duration, Some(Observation::Exact(24.0)));
    // fix was still running when the record ended (at 46m): censored, not missing.
    assert_eq!(ob.steps[1].duration, Some(Observation::AtLeast(0.0)));
    let jsonl = "{\"time\":\"0m\",\"event\":\"fault\",\"subject\":\"crash\"}\n{\"time\":\"12m\",\"event\":\"detected\"}\n{\"time\":\"20m\",\"event\":\"acked\",\"subject\":\"ops\"}\n";
    let r = read("drill.jsonl", jsonl).unwrap();
    let ob = drill::Observed::of(&plan(), &r);
    assert_eq!((ob.detect, ob.ack), (Some(Observation::Exact(12.0)), Some(Observation::Exact(8.0))));
}

#[test]
fn mistakes_are_named_at_their_line_and_column() {
    type Case = (&'static str, &'static str, Kind, (usize, usize), &'static str);
    let cases: [Case; 7] = [
        (
            "a.csv",
            "time,event,subject,outcme\n",
            Kind::UnknownColumn,
            (1, 20),
            "did you mean `outcome`?",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n5m,step_started,diagnos\n",
            Kind::UnknownName,
            (3, 17),
            "did you mean `diagnose`?",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n9m,detected,\n5m,acked,ops\n",
            Kind::Backwards,
            (4, 1),
            "time order",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n5m,step_finished,fix\n",
            Kind::Order,
            (3, 4),
            "add its step_started row",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n5m,acked,ops\n6m,acked,ops\n",
            Kind::Duplicate,
            (4, 4),
            "delete the later row",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n5m,detectd,\n",
            Kind::UnknownEvent,
            (3, 4),
            "did you mean `detected`?",
        ),
        (
            "a.csv",
            "time,event,subject\n0m,fault,crash\n03:10,detected,\n",
            Kind::BadTime,
            (3, 1),
            "# start: 03:00",
        ),
    ];
    for (name, text, kind, at, help) in cases {
        let e = read(name, text).unwrap_err();
        assert_eq!((e.kind, e.position), (kind, Some(at)), "{text}: {e}");
        assert!(e.to_string().contains(help), "{text}: {e}");
    }
    let e = read("a.jsonl", "{\"time\":\"0m\",\"event\":\"fault\",\"colour\":\"red\"}\n").unwrap_err();
    assert_eq!(e.kind, Kind::UnknownColumn, "{e}");
    // A step the plan does not have is written with a leading +.
    let r = read(
        "a.csv",
        "time,event,subject\n0m,fault,crash\n5m,step_started,+call vendor\n9m,step_finished,+call vendor\n",
    )
    .unwrap();
    let ob = drill::Observed::of(&plan(), &r);
    assert_eq!(ob.unplanned, vec![("call vendor".to_string(), Some(5.0), Some(9.0))]);
}

#[test]
fn a_drill_is_placed_in_the_models_distribution() {
    let sc = plan();
    let r = read("drill.csv", LONG).unwrap();
    let scores = drillsim::score::score(&sc, 1, 200, &[r]);
    let s = &scores.records[0];
    let m = |k: &str| s.measures.iter().find(|m| m.key == k).unwrap_or_else(|| panic!("{k}"));
    // Fixed durations: the model always detects at 10m; the drill's 12m is above every trial.
    assert_eq!((m("detect").p50, m("detect").percentile), (10.0, 1.0));
    // diagnose took 24m against a fixed 20m; fix 44m against 30m.
    assert_eq!(m("steps.diagnose").p90, 20.0);
    assert_eq!(m("steps.fix").percentile, 1.0);
    // Recovery 91m against the model's fixed 10 + 5 + 20 + 30 = 65m.
    assert_eq!(m("recovery").p50, 65.0);
    assert_eq!(s.critical_path, vec![0, 1]);
    assert!(s.departures.is_empty(), "{:?}", s.departures);
    // Several such drills, every value above the band: the model is optimistic.
    let recs: Vec<_> = (0..10).map(|_| read("d.csv", LONG).unwrap()).collect();
    let scores = drillsim::score::score(&sc, 1, 200, &recs);
    let cov = drillsim::score::coverage(&scores);
    let overall = cov.last().unwrap();
    assert_eq!(overall.key, "overall");
    assert_eq!(overall.verdict, drillsim::score::ModelVerdict::Optimistic);
}

#[test]
fn departures_from_the_plan_are_listed() {
    // A record that runs to the close: diagnose was never done, and fix did not wait for it.
    let text =
        "time,event,subject,outcome,note,team\n0m,fault,crash,,,\n5m,step_started,fix,,,\n30m,step_finished,fix,,,\n31m,closed,,,,\n";
    let r = read("a.csv", text).unwrap();
    let scores = drillsim::score::score(&plan(), 1, 50, &[r]);
    use drillsim::score::Departure;
    assert_eq!(
        scores.records[0].departures,
        vec![
            Departure::NotDone(0),
            Departure::Early {
                step: 1,
                waits_for: 0,
                started: 5.0,
                finished: None
            }
        ]
    );
    // The same drill stopped before the close (a tabletop): what it did not get to is not
    // a departure.
    let stopped = text.replace("31m,closed,,,,\n", "");
    let scores = drillsim::score::score(&plan(), 1, 50, &[read("a.csv", &stopped).unwrap()]);
    assert!(!scores.records[0].departures.contains(&Departure::NotDone(0)));
}
