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
    // The tabletop: diagnose censored at 23 minutes, publish-status at 5.
    let tt = get("tabletop.csv");
    let ob = drill::Observed::of(&sc, &tt);
    assert_eq!(ob.steps[step("diagnose")].duration, Some(Observation::AtLeast(23.0)));
    assert_eq!(ob.steps[step("publish-status")].duration, Some(Observation::AtLeast(5.0)));
    assert!(!tt.closed());
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

/// What hand-written records contain: each read correctly, or a located error.
mod hand_written {
    use super::*;
    use drillsim::error::RecordErrorKind as Kind;

    fn plan1() -> drillsim::model::Scenario {
        drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap()
    }

    fn read(name: &str, text: &str) -> Result<drill::Record, drillsim::error::RecordError> {
        drill::load_str(Path::new(name), text, &plan1())
    }

    fn fails(name: &str, text: &str, kind: Kind, at: (usize, usize), says: &str) {
        let e = read(name, text).expect_err(text);
        assert_eq!((e.kind, e.position), (kind, Some(at)), "{text}\n{e}");
        assert!(e.to_string().contains(says), "{text}\n{e}");
    }

    fn step(id: &str) -> usize {
        plan1().steps.iter().position(|s| s.id == id).unwrap()
    }

    #[test]
    fn line_numbers_count_comment_and_blank_lines() {
        let text = "# a comment\n\ntime,event,subject\n# between rows\n0m,fault,db-crash\n\n# more\n3m,detected,sytem load\n";
        fails("a.csv", text, Kind::UnknownName, (8, 13), "did you mean `system load`?");
        let r = read("a.csv", &text.replace("sytem", "system")).unwrap();
        assert_eq!(r.events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![5, 8]);
    }

    #[test]
    fn short_form_clock_times_past_midnight() {
        let text = "# start: 23:40\nstep,start,end\ncollect-report,23:50,00:05\nactivate-plan,00:05,00:20\n";
        let r = read("s.csv", text).unwrap();
        let ob = drill::Observed::of(&plan1(), &r);
        assert_eq!(ob.steps[step("collect-report")].start, Some(10.0));
        assert_eq!(ob.steps[step("collect-report")].duration, Some(Observation::Exact(15.0)));
        assert_eq!(ob.steps[step("activate-plan")].duration, Some(Observation::Exact(15.0)));
        // Listed in any order, past midnight too.
        let r2 = read(
            "s.csv",
            "# start: 23:40\nstep,start,end\nactivate-plan,00:05,00:20\ncollect-report,23:50,00:05\n",
        )
        .unwrap();
        assert_eq!(drill::Observed::of(&plan1(), &r2).steps, ob.steps);
        // A clock time in the short form needs the start.
        fails(
            "s.csv",
            "step,start,end\ncollect-report,23:50,00:05\n",
            Kind::BadTime,
            (2, 16),
            "# start:",
        );
    }

    #[test]
    fn a_start_line_that_disagrees_with_the_first_fault() {
        fails(
            "a.csv",
            "# start: 03:00\ntime,event,subject\n03:05,fault,db-crash\n03:09,detected,\n",
            Kind::BadTime,
            (3, 1),
            "# start: 03:00",
        );
        // A first fault written as a duration must be at 0m.
        fails(
            "a.csv",
            "time,event,subject\n5m,fault,db-crash\n9m,detected,\n",
            Kind::BadTime,
            (2, 1),
            "0m",
        );
        // Agreeing: fine.
        assert!(
            read(
                "a.csv",
                "# start: 03:00\ntime,event,subject\n03:00,fault,db-crash\n03:09,detected,\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn trailing_empty_fields_and_short_rows() {
        // A spreadsheet's export: a trailing comma on every line, the header included.
        let text = "time,event,subject,outcome,note,\n0m,fault,db-crash,,,\n3m,detected,system load,,,\n";
        let r = read("a.csv", text).unwrap();
        assert_eq!(r.events.len(), 2);
        // Rows that leave out their empty trailing fields.
        let r = read("a.csv", "time,event,subject,outcome,note\n0m,fault,db-crash\n3m,detected\n").unwrap();
        assert_eq!(r.events.len(), 2);
        // A value beyond the header's columns is an error at its column.
        fails(
            "a.csv",
            "time,event,subject,outcome,note\n0m,fault,db-crash,,,oops\n",
            Kind::UnknownColumn,
            (2, 21),
            "in no column",
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let text = "\u{feff}# start: 14:00\ntime,event,subject\n14:00,fault,db-crash\n14:03,detected,\n";
        let r = read("a.csv", text).unwrap();
        assert_eq!(r.start_clock, Some(840.0));
        let r = read("a.csv", "\u{feff}time,event,subject\n0m,fault,db-crash\n").unwrap();
        assert_eq!(r.events.len(), 1);
        let r = read("a.jsonl", "\u{feff}{\"time\":\"0m\",\"event\":\"fault\"}\n").unwrap();
        assert_eq!(r.events.len(), 1);
        // Columns count from after the mark.
        fails(
            "a.csv",
            "\u{feff}time,evnt,subject\n",
            Kind::UnknownColumn,
            (1, 6),
            "did you mean `event`?",
        );
    }

    #[test]
    fn header_names_in_any_case_and_with_spaces() {
        let r = read(
            "a.csv",
            "Time, Event , SUBJECT,Outcome,Note\n0m, fault ,db-crash,,\n3m,Detected,system load,,\n",
        )
        .unwrap();
        assert_eq!(r.events.len(), 2);
        let r = read("s.csv", " Step , Start ,End\ncollect-report,5m,17m\n").unwrap();
        assert_eq!(r.events.len(), 2);
        // Event names in any case, with a space or a dash for the underscore.
        let r = read(
            "a.csv",
            "time,event,subject\n0m,Fault,db-crash\n5m,Step Started,collect-report\n9m,step-finished,collect-report\n",
        )
        .unwrap();
        assert_eq!(r.events.len(), 3);
    }

    #[test]
    fn a_running_step_with_an_end_and_a_step_that_ends_before_it_starts() {
        fails(
            "s.csv",
            "step,start,end,outcome\ndiagnose,30m,50m,running\n",
            Kind::Order,
            (2, 14),
            "running",
        );
        fails(
            "s.csv",
            "step,start,end,outcome\ndiagnose,50m,30m,done\n",
            Kind::Order,
            (2, 14),
            "before it starts",
        );
        fails(
            "s.csv",
            "# start: 14:00\nstep,start,end\ndiagnose,14:50,14:30\n",
            Kind::Order,
            (3, 16),
            "before it starts",
        );
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n30m,step_finished,diagnose\n40m,step_started,diagnose\n",
            Kind::Order,
            (3, 5),
            "ends before it started",
        );
    }

    #[test]
    fn a_time_that_goes_backwards() {
        fails(
            "a.csv",
            "# start: 14:00\ntime,event,subject\n14:00,fault,db-crash\n14:20,acked,command\n14:10,detected,\n",
            Kind::Backwards,
            (5, 1),
            "before the previous row's",
        );
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n20m,acked,command\n10m,detected,\n",
            Kind::Backwards,
            (4, 1),
            "before the previous row's",
        );
        // Past midnight, the day turns; a drill does not run backwards 12 hours.
        let r = read("a.csv", "time,event,subject\n23:50,fault,db-crash\n00:05,detected,\n").unwrap();
        assert_eq!(r.events[1].time, 15.0);
    }

    #[test]
    fn duplicate_events() {
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n5m,step_started,diagnose\n5m,step_started,diagnose\n",
            Kind::Duplicate,
            (4, 4),
            "twice",
        );
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n5m,acked,command\n9m,acked,command\n",
            Kind::Duplicate,
            (4, 4),
            "delete the later row",
        );
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n0m,service_down,payment\n5m,service_down,payment\n",
            Kind::Duplicate,
            (4, 4),
            "goes down twice",
        );
    }

    #[test]
    fn unknown_steps_and_teams_with_did_you_mean() {
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n5m,step_started,diagnoes\n",
            Kind::UnknownName,
            (3, 17),
            "did you mean `diagnose`?",
        );
        fails(
            "a.csv",
            "time,event,subject,team\n0m,fault,db-crash,\n5m,step_started,diagnose,rescu\n",
            Kind::UnknownName,
            (3, 26),
            "did you mean `rescue`?",
        );
        fails(
            "s.csv",
            "step,start,end\nverfiy-systems,5m,9m\n",
            Kind::UnknownName,
            (2, 1),
            "did you mean `verify-systems`?",
        );
        fails(
            "a.csv",
            "time,event,subject\n0m,fault,db-crash\n5m,paged,Command\n",
            Kind::UnknownName,
            (3, 10),
            "did you mean `command`?",
        );
    }

    #[test]
    fn a_drill_stopped_early_censors_what_still_ran() {
        let text = "time,event,subject,outcome,note\n0m,fault,db-crash,,\n5m,step_started,collect-report,,\n15m,step_finished,collect-report,,\n15m,step_started,activate-plan,,\n20m,step_started,+coffee,,\n45m,stopped,,,the building's fire alarm\n";
        let r = read("a.csv", text).unwrap();
        assert!(!r.closed());
        assert_eq!(r.end(), 45.0);
        let ob = drill::Observed::of(&plan1(), &r);
        assert_eq!(ob.steps[step("activate-plan")].duration, Some(Observation::AtLeast(30.0)));
        // Nothing after the stop, and a stopped drill is not also closed.
        fails(
            "a.csv",
            &format!("{text}50m,step_finished,activate-plan,,\n"),
            Kind::Order,
            (8, 1),
            "after the drill stopped",
        );
        fails(
            "a.csv",
            &format!("{text}50m,closed,,,\n"),
            Kind::Order,
            (8, 1),
            "after the drill stopped",
        );
        // The short form says it with a `# stopped:` line.
        let r = read(
            "s.csv",
            "# stopped: 45m\nstep,start,end\ncollect-report,5m,15m\nactivate-plan,15m,\n",
        )
        .unwrap();
        let ob = drill::Observed::of(&plan1(), &r);
        assert_eq!(ob.steps[step("activate-plan")].duration, Some(Observation::AtLeast(30.0)));
        fails(
            "s.csv",
            "# stopped: 10m\nstep,start,end\ncollect-report,5m,15m\n",
            Kind::Order,
            (3, 19),
            "after the drill stopped",
        );
    }
}

/// The shipped drill records: every one reads and scores against the exercise its name
/// starts with, and plan 1's system-failure drills say what their README says.
mod shipped {
    use super::*;
    use drillsim::score::{self, ModelVerdict};

    const EXERCISES: [&str; 5] = ["system-failure", "network-attack", "power-loss", "data-loss", "compound"];

    /// Records of `plan`'s drills of each exercise, by exercise.
    fn drills(plan: &str) -> Vec<(&'static str, Vec<std::path::PathBuf>)> {
        let dir = repo(&format!("scenarios/{plan}/drills"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "jsonl"))
            .collect();
        files.sort();
        EXERCISES
            .iter()
            .map(|&ex| {
                let of: Vec<_> = files
                    .iter()
                    .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{ex}-")))
                    .cloned()
                    .collect();
                (ex, of)
            })
            .filter(|(_, of)| !of.is_empty())
            .collect()
    }

    #[test]
    fn every_shipped_drill_record_scores_against_its_exercise() {
        for plan in ["plan1", "plan2", "plan3"] {
            let all = drills(plan);
            let n: usize = all.iter().map(|(_, f)| f.len()).sum();
            assert!(n >= 4, "{plan}: {n} records");
            let readme = std::fs::read_to_string(repo(&format!("scenarios/{plan}/drills/README.md"))).unwrap();
            let plan_readme = std::fs::read_to_string(repo(&format!("scenarios/{plan}/README.md"))).unwrap();
            assert!(plan_readme.contains("drills/"), "{plan}/README.md mentions its drills");
            let mut stopped = 0;
            for (ex, files) in &all {
                let sc = drillsim::scenario::load(&repo(&format!("scenarios/{plan}/{ex}.toml"))).unwrap();
                let records: Vec<_> = files
                    .iter()
                    .map(|f| drill::load(f, &sc).unwrap_or_else(|e| panic!("{e}")))
                    .collect();
                for (f, r) in files.iter().zip(&records) {
                    let name = f.file_name().unwrap().to_string_lossy().into_owned();
                    assert!(readme.contains(&format!("`{name}`")), "{plan}/drills/README.md lists {name}");
                    assert!(r.date.is_some() && r.start_clock.is_some(), "{name}: date and start");
                    stopped += r.events.iter().any(|e| e.kind == drill::EventKind::Stopped) as usize;
                }
                let scores = score::score(&sc, 1, 2000, &records);
                for r in &scores.records {
                    assert!(!r.measures.is_empty(), "{plan}/{}: no measures", r.name);
                }
            }
            assert!(stopped >= 1, "{plan}: a drill stopped early");
        }
    }

    #[test]
    fn plan1s_system_failure_drills_find_the_model_optimistic() {
        let sc = drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap();
        let (_, files) = drills("plan1").into_iter().find(|(ex, _)| *ex == "system-failure").unwrap();
        assert_eq!(files.len(), 3);
        let records: Vec<_> = files.iter().map(|f| drill::load(f, &sc).unwrap()).collect();
        let scores = score::score(&sc, 1, 20_000, &records);
        let cov = score::coverage(&scores);
        let row = |k: &str| cov.iter().find(|c| c.key == k).unwrap_or_else(|| panic!("{k}"));
        // 19 of 34 values inside the band, 13 above p90 (the night drill above all).
        let all = row("overall");
        assert_eq!((all.n, all.below, all.inside, all.above), (34, 2, 19, 13), "{all:?}");
        assert_eq!(all.verdict, ModelVerdict::Optimistic);
        assert_eq!(row("steps.activate-plan").verdict, ModelVerdict::Optimistic);
        assert_eq!(row("steps.diagnose").verdict, ModelVerdict::Consistent);
        // The night drill: acknowledged after 28 minutes, the ack objective missed.
        let night = scores.records.iter().find(|r| r.name.contains("night")).unwrap();
        let ack = night.objectives.iter().find(|o| o.text.starts_with("ack")).unwrap();
        assert_eq!((ack.met, ack.actual), (Some(false), Some(Observation::Exact(28.0))));
        // The tabletop stopped at 70 minutes with diagnose still running.
        let tt = scores.records.iter().find(|r| r.name.contains("tabletop")).unwrap();
        assert!(!tt.closed);
        let d = tt.measures.iter().find(|m| m.key == "steps.diagnose").unwrap();
        assert!(d.actual.censored(), "{d:?}");
    }
}

/// A plan step that does not apply to the exercise (skipped by the engine in every trial, or
/// in some) is neither "not done" nor waited for, and its durations are those of the trials
/// in which it ran.
mod steps_that_do_not_apply {
    use super::*;
    use drillsim::score::{self, Departure};

    #[test]
    fn are_not_reported_as_not_done_in_a_closed_record() {
        let sc = drillsim::scenario::load(&repo("scenarios/plan1/system-failure.toml")).unwrap();
        let id = |s: usize| sc.steps[s].id.clone();
        let path = repo("scenarios/plan1/drills/system-failure-2026-10-14.csv");
        let r = drill::load(&path, &sc).unwrap();
        assert!(r.closed());
        let scores = score::score(&sc, 1, 4000, std::slice::from_ref(&r));
        let deps = &scores.records[0].departures;
        // contain-attack, clean-web, move-load, restart-db, restore-orders never run after a
        // database crash; failover-db only when the automatic failover fails (1 in 10).
        assert!(
            !deps.iter().any(|d| matches!(d, Departure::NotDone(_) | Departure::Early { .. })),
            "{:?}",
            deps.iter()
                .map(|d| format!(
                    "{d:?} {}",
                    match d {
                        Departure::NotDone(s) => id(*s),
                        _ => String::new(),
                    }
                ))
                .collect::<Vec<_>>()
        );
        // A step the model runs in some trials only: its durations are those of the trials
        // that ran it, not zeros for the rest.
        let f = sc.steps.iter().position(|s| s.id == "failover-db").unwrap();
        let sk = &scores.durations.steps[f];
        assert!(sk.count() > 0 && sk.count() < 4000, "{}", sk.count());
        assert!(sk.quantile(0.1) > 4.0, "p10 {}", sk.quantile(0.1));
        let c = sc.steps.iter().position(|s| s.id == "contain-attack").unwrap();
        assert_eq!(scores.durations.steps[c].count(), 0);
        // A step every trial runs is still "not done" when a closed record leaves it out.
        let text = std::fs::read_to_string(&path).unwrap();
        let without: String = text
            .lines()
            .filter(|l| !l.contains(",publish-status,"))
            .map(|l| format!("{l}\n"))
            .collect();
        let r = drill::load_str(Path::new("x.csv"), &without, &sc).unwrap();
        let scores = score::score(&sc, 1, 4000, &[r]);
        let p = sc.steps.iter().position(|s| s.id == "publish-status").unwrap();
        assert!(
            scores.records[0].departures.contains(&Departure::NotDone(p)),
            "{:?}",
            scores.records[0].departures
        );
    }
}
