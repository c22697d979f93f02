//! `drillsim import pagerduty`: the shipped example imports to the shipped record, the two
//! shapes of the API's JSON read alike, entries that are no record event are kept as
//! comments, and every mistake is named at its file, line and column.

use std::path::Path;

use drillsim::drill::pagerduty::{self, Map};
use drillsim::drill::{self, EventKind, Observation};
use drillsim::error::RecordErrorKind as Kind;

use crate::common::{drillsim, repo};

const DIR: &str = "scenarios/plan1/drills/pagerduty";

fn plan1() -> drillsim::model::Scenario {
    drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap()
}

fn map() -> Map {
    let text = std::fs::read_to_string(repo(&format!("{DIR}/map.toml"))).unwrap();
    Map::parse(Path::new("map.toml"), &text, Some(&plan1())).unwrap()
}

fn log() -> String {
    std::fs::read_to_string(repo(&format!("{DIR}/log_entries.json"))).unwrap()
}

#[test]
fn the_shipped_example_imports_to_the_shipped_record() {
    let out = drillsim()
        .args([
            "import",
            "pagerduty",
            &format!("{DIR}/log_entries.json"),
            "--map",
            &format!("{DIR}/map.toml"),
        ])
        .args(["--scenario", "scenarios/plan1/system-failure.toml", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shipped = std::fs::read_to_string(repo(&format!("{DIR}/imported.csv"))).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), shipped);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("kept as comments, not events: 1 acknowledge_log_entry, 1 annotate_log_entry, 1 assign_log_entry, 2 notify_log_entry"),
        "{err}"
    );
}

#[test]
fn the_imported_record_measures_the_paging_and_scores() {
    let sc = plan1();
    let text = std::fs::read_to_string(repo(&format!("{DIR}/imported.csv"))).unwrap();
    let r = drill::load_str(Path::new("imported.csv"), &text, &sc).unwrap();
    let kinds: Vec<EventKind> = r.events.iter().map(|e| e.kind).collect();
    use EventKind as E;
    assert_eq!(kinds, vec![E::Fault, E::Detected, E::Paged, E::Escalated, E::Acked, E::Closed]);
    assert_eq!(r.start_clock, Some(2.0 * 60.0 + 14.0 + 37.0 / 60.0));
    let ob = drill::Observed::of(&sc, &r);
    // Acknowledged 14m28s after the trigger (the deputy, after one escalation).
    assert_eq!(ob.ack, Some(Observation::Exact(14.0 + 28.0 / 60.0)));
    assert_eq!(r.end(), 137.0 + 17.0 / 60.0);
    let scores = drillsim::score::score(&sc, 1, 2000, &[r]);
    let ack = scores.records[0].objectives.iter().find(|o| o.text.starts_with("ack")).unwrap();
    assert_eq!(ack.met, Some(true));
}

#[test]
fn a_bare_array_newest_first_or_not_reads_the_same() {
    let v: serde_json::Value = serde_json::from_str(&log()).unwrap();
    let mut entries = v["log_entries"].as_array().unwrap().clone();
    let wrapped = pagerduty::import(Path::new("log.json"), &log(), &map()).unwrap();
    let bare = pagerduty::import(Path::new("log.json"), &serde_json::to_string(&entries).unwrap(), &map()).unwrap();
    entries.reverse();
    let oldest_first = pagerduty::import(Path::new("log.json"), &serde_json::to_string(&entries).unwrap(), &map()).unwrap();
    assert_eq!(wrapped, bare);
    assert_eq!(wrapped, oldest_first);
    assert_eq!(wrapped.entries, 9);
}

#[test]
fn mistakes_in_the_log_are_located() {
    let m = map();
    let import = |text: &str| pagerduty::import(Path::new("log.json"), text, &m).unwrap_err();
    // Not JSON: serde_json's line and column.
    let e = import("{\"log_entries\": [\n  {\"type\": \"trigger_log_entry\",, }\n]}");
    assert_eq!((e.kind, e.position), (Kind::Syntax, Some((2, 32))), "{e}");
    assert!(
        e.to_string()
            .starts_with("log.json:2:32: not a PagerDuty log: key must be a string\n"),
        "{e}"
    );
    // A time that is not RFC 3339: at its value.
    let e = import("[\n {\"type\": \"trigger_log_entry\",\n  \"created_at\": \"2026-12-01 02:14\"}\n]");
    assert_eq!((e.kind, e.position), (Kind::BadTime, Some((3, 17))), "{e}");
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    // A service the map does not know.
    let e = import(
        "[{\"type\": \"trigger_log_entry\", \"created_at\": \"2026-12-01T02:14:37Z\",\n \"service\": {\"id\": \"PWEB09\", \"summary\": \"Web shop\"}}]",
    );
    assert_eq!((e.kind, e.position), (Kind::UnknownName, Some((1, 46))), "{e}");
    assert!(e.to_string().contains("service Web shop (PWEB09)"), "{e}");
    // No trigger: nothing says when it began.
    let e = import("[{\"type\": \"notify_log_entry\", \"created_at\": \"2026-12-01T02:14:37Z\"}]");
    assert_eq!(e.kind, Kind::Missing, "{e}");
    let e = import("{\"log_entries\": []}");
    assert_eq!(e.kind, Kind::Empty, "{e}");
}

#[test]
fn mistakes_in_the_map_are_located() {
    let sc = plan1();
    let parse = |text: &str| Map::parse(Path::new("map.toml"), text, Some(&sc)).unwrap_err();
    let e = parse("[teams.comand]\nservices = [\"PORD01\"]\n");
    assert_eq!((e.kind, e.position), (Kind::UnknownName, Some((1, 8))), "{e}");
    assert!(e.to_string().contains("did you mean `command`?"), "{e}");
    let e = parse("[teams.command]\nservice = [\"PORD01\"]\n");
    assert_eq!((e.kind, e.position), (Kind::Syntax, Some((2, 1))), "{e}");
    let e = parse("[teams.command]\nservices = [\"X\"]\n[teams.rescue]\nservices = [\"X\"]\n");
    assert_eq!((e.kind, e.position), (Kind::Duplicate, Some((3, 8))), "{e}");
    let e = parse("[teams.command]\nservices = [\"PORD01\"]\n[faults.db-crsh]\nservices = [\"PORD01\"]\n");
    assert!(e.to_string().contains("did you mean `db-crash`?"), "{e}");
}

#[test]
fn the_command_writes_through_the_output_module_and_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drill.csv");
    drillsim()
        .args([
            "import",
            "pagerduty",
            &format!("{DIR}/log_entries.json"),
            "--map",
            &format!("{DIR}/map.toml"),
        ])
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let shipped = std::fs::read_to_string(repo(&format!("{DIR}/imported.csv"))).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), shipped);
    // A map that does not fit the scenario: exit 2 with the map's position, nothing written.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[teams.ops]\nservices = [\"PORD01\"]\n").unwrap();
    let o = drillsim()
        .args(["import", "pagerduty", &format!("{DIR}/log_entries.json"), "--map"])
        .arg(&bad)
        .args(["--scenario", "scenarios/plan1/system-failure.toml", "-o"])
        .arg(dir.path().join("new.csv"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:1:8: unknown team `ops`"), "{err}");
    assert!(!dir.path().join("new.csv").exists());
}
