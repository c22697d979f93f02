//! docs/records.md stays true: every example record in it is read against the scenario it
//! names, each good one parses (and the first is scored), each bad one gets exactly the
//! message the page shows.

use std::path::Path;

use drillsim::drill::{self, Observation};

use crate::common::repo;

/// One example of the page: `<!-- record: SCENARIO NAME -->` (or `record-error:`) and the
/// fenced block after it; for an error, the `text` block after that is the message.
struct Example {
    scenario: String,
    name: String,
    text: String,
    error: Option<String>,
    line: usize,
}

/// The fenced block starting at or after line `from`: its body and the line after its end.
fn block(lines: &[&str], from: usize) -> Option<(String, usize)> {
    let open = (from..lines.len()).find(|&i| lines[i].trim_start().starts_with("```"))?;
    let close = (open + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with("```"))?;
    let mut body = lines[open + 1..close].join("\n");
    body.push('\n');
    Some((body, close + 1))
}

fn examples(doc: &str) -> Vec<Example> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.trim().strip_prefix("<!-- ").and_then(|r| r.strip_suffix(" -->")) else {
            continue;
        };
        let (is_error, rest) = if let Some(r) = rest.strip_prefix("record-error: ") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("record: ") {
            (false, r)
        } else {
            continue;
        };
        let (scenario, name) = rest.split_once(' ').expect("SCENARIO NAME");
        let (text, next) = block(&lines, i + 1).unwrap_or_else(|| panic!("line {}: no block", i + 1));
        let error = is_error.then(|| block(&lines, next).expect("the message's block").0);
        out.push(Example {
            scenario: scenario.into(),
            name: name.into(),
            text,
            error,
            line: i + 1,
        });
    }
    out
}

fn doc() -> String {
    std::fs::read_to_string(repo("docs/records.md")).expect("docs/records.md")
}

#[test]
fn every_example_record_in_the_docs_reads_as_the_page_says() {
    let all = examples(&doc());
    let good = all.iter().filter(|e| e.error.is_none()).count();
    assert!(good >= 4, "good examples found: {good}");
    assert!(all.len() - good >= 3, "error examples found: {}", all.len() - good);
    let mut forms = std::collections::HashSet::new();
    for e in &all {
        let sc = drillsim::scenario::load(&repo(&e.scenario)).unwrap_or_else(|err| panic!("{err}"));
        let got = drill::load_str(Path::new(&e.name), &e.text, &sc);
        match (&e.error, got) {
            (None, Ok(r)) => {
                assert!(!r.events.is_empty());
                let first = e.text.lines().find(|l| !l.trim().is_empty() && !l.starts_with('#')).unwrap_or("");
                forms.insert(if e.name.ends_with(".jsonl") {
                    "jsonl"
                } else if first.starts_with("step") {
                    "short"
                } else {
                    "long"
                });
            }
            (None, Err(err)) => panic!("docs/records.md:{}: {} does not read:\n{err}", e.line, e.name),
            (Some(_), Ok(_)) => panic!("docs/records.md:{}: {} reads, but the page shows an error", e.line, e.name),
            (Some(want), Err(err)) => assert_eq!(err.to_string(), want.trim_end(), "docs/records.md:{}", e.line),
        }
    }
    assert_eq!(forms.len(), 3, "examples of every form: {forms:?}");
}

#[test]
fn the_documented_drills_measure_what_the_page_says() {
    let all = examples(&doc());
    let sc = drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap();
    let get = |name: &str| {
        let e = all.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{name}"));
        drill::load_str(Path::new(name), &e.text, &sc).unwrap()
    };
    let step = |id: &str| sc.steps.iter().position(|s| s.id == id).unwrap();
    // The afternoon drill: detected in 3m, acknowledged 3m after, recovered at 1:33:00.
    let full = get("afternoon-drill.csv");
    let ob = drill::Observed::of(&sc, &full);
    assert_eq!((ob.detect, ob.ack), (Some(Observation::Exact(3.0)), Some(Observation::Exact(3.0))));
    assert_eq!(ob.recovery, Some(Observation::Exact(93.0)));
    assert!(full.closed());
    // The tabletop: diagnose censored at 23 minutes, publish-status at 0.
    let tt = get("tabletop.csv");
    let ob = drill::Observed::of(&sc, &tt);
    assert_eq!(ob.steps[step("diagnose")].duration, Some(Observation::AtLeast(23.0)));
    assert_eq!(ob.steps[step("publish-status")].duration, Some(Observation::AtLeast(0.0)));
    assert_eq!(ob.unplanned.len(), 1);
    // The short form: failover-db twice, first start to finish 24 minutes.
    let short = get("short-form.csv");
    let ob = drill::Observed::of(&sc, &short);
    let f = &ob.steps[step("failover-db")];
    assert_eq!((f.attempts, f.duration), (2, Some(Observation::Exact(24.0))));
    // Scored: the afternoon drill's measures are placed, its objectives judged.
    let scores = drillsim::score::score(&sc, 1, 2000, &[full, tt]);
    let r = &scores.records[0];
    let m = |k: &str| r.measures.iter().find(|m| m.key == k).unwrap_or_else(|| panic!("{k}"));
    assert_eq!(m("recovery").actual, Observation::Exact(93.0));
    assert!(m("recovery").percentile > 0.0 && m("recovery").percentile < 1.0);
    assert!(r.objectives.iter().any(|o| o.met == Some(true)), "{:?}", r.objectives);
}
