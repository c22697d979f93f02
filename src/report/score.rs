//! What `drillsim score` says: per drill record, each measure against the model's
//! distribution, the objectives on the drill, where the drill left the plan, the surprises and
//! the critical paths; over many records, the band test. One set of facts, three renderings:
//! the terminal table, the JSON (stable keys), and document blocks for Markdown and HTML.

use serde_json::{Map, Value, json};

use super::doc::{Block, Doc};
use crate::drill::Observation;
use crate::model::Scenario;
use crate::score::{Band, Coverage, Departure, MeasureScore, RecordScore, Scores};
use crate::text::{clock, human};

/// Steps listed as the surprises of a drill.
pub const SURPRISES: usize = 3;
/// Steps listed as the model's most critical.
pub const CRITICAL: usize = 5;

/// A percentile as printed: whole percents, one decimal near the ends.
pub fn percent(p: f64) -> String {
    let x = 100.0 * p;
    if x > 0.0 && x < 1.0 || x > 99.0 && x < 100.0 {
        format!("{x:.1}%")
    } else {
        format!("{x:.0}%")
    }
}

fn at_least(o: Observation) -> &'static str {
    if o.censored() { "≥ " } else { "" }
}

/// The actual value, `≥` when the record ended first.
fn actual_text(m: &MeasureScore, minutes: fn(f64) -> String) -> String {
    format!("{}{}", at_least(m.actual), minutes(m.actual.value()))
}

fn percentile_text(m: &MeasureScore) -> String {
    format!("{}{}", at_least(m.actual), percent(m.percentile))
}

fn band_word(m: &MeasureScore) -> &'static str {
    match m.band() {
        Some(Band::Below) => "faster than p10",
        Some(Band::Inside) => "",
        Some(Band::Above) => "slower than p90",
        None => "still running",
    }
}

/// One departure in words.
pub fn departure_text(sc: &Scenario, d: &Departure) -> String {
    match d {
        Departure::Unplanned(name) => format!("step +{name} was done; the plan does not have it"),
        Departure::NotDone(s) => format!("plan step {} was not done", sc.steps[*s].id),
        Departure::Early {
            step,
            waits_for,
            started,
            finished,
        } => format!(
            "{} started at {} before {} (which it waits for) {}",
            sc.steps[*step].id,
            clock(*started),
            sc.steps[*waits_for].id,
            match finished {
                Some(f) => format!("finished at {}", clock(*f)),
                None => "had finished".into(),
            }
        ),
        Departure::OtherTeam { step, team } => format!(
            "{} was done by {}, not its owner {}",
            sc.steps[*step].id, sc.teams[*team].name, sc.teams[sc.steps[*step].team].name
        ),
    }
}

fn surprise_text(m: &MeasureScore) -> String {
    let way = if m.mid() >= 0.5 {
        "slower than the model"
    } else {
        "faster than the model"
    };
    format!("{} at {} ({way})", m.key.trim_start_matches("steps."), percentile_text(m))
}

/// The model's most critical steps: `(step id, share of trials on the critical path)`.
pub fn most_critical(sc: &Scenario, scores: &Scores) -> Vec<(String, f64)> {
    let n = scores.summary.trials.max(1) as f64;
    let mut steps: Vec<(usize, u64)> = scores.summary.critical.iter().copied().enumerate().filter(|c| c.1 > 0).collect();
    steps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    steps
        .into_iter()
        .take(CRITICAL)
        .map(|(s, c)| (sc.steps[s].id.clone(), c as f64 / n))
        .collect()
}

fn path_text(sc: &Scenario, path: &[usize]) -> String {
    if path.is_empty() {
        "none (no step finished)".into()
    } else {
        path.iter().map(|&s| sc.steps[s].id.as_str()).collect::<Vec<_>>().join(" → ")
    }
}

fn met_word(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "missed",
        None => "not judged",
    }
}

/// What the drill measured for an objective, and why it was not judged.
fn objective_note(o: &crate::score::ObjectiveOnDrill) -> String {
    let mut parts = Vec::new();
    if let Some(a) = o.actual {
        parts.push(format!("drill: {}{}", at_least(a), human(a.value())));
    }
    if let Some(w) = &o.why {
        parts.push(w.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn record_heading(r: &RecordScore) -> String {
    let mut what = Vec::new();
    if let Some(d) = r.date.clone() {
        what.push(d);
    }
    what.push(if r.closed {
        format!("closed at {}", clock(r.observed.end))
    } else {
        format!("stops at {} before the close: what still ran is censored", clock(r.observed.end))
    });
    format!("{} ({})", r.name, what.join(", "))
}

/// The terminal report.
pub fn terminal(sc: &Scenario, scores: &Scores, coverage: &[Coverage]) -> String {
    let mut out = format!(
        "drillsim score: {}\n  {} drill record(s) against {} simulated trials (seed {})\n",
        sc.name,
        scores.records.len(),
        scores.summary.trials,
        scores.seed
    );
    let minutes = |x: f64| format!("{x:.1}");
    for r in &scores.records {
        out.push_str(&format!("\n{}\n", record_heading(r)));
        out.push_str(&format!(
            "  {:<28} {:>9} {:>11} {:>8} {:>8} {:>8}\n",
            "minutes", "actual", "percentile", "p10", "p50", "p90"
        ));
        for m in &r.measures {
            out.push_str(&format!(
                "  {:<28} {:>9} {:>11} {:>8.1} {:>8.1} {:>8.1}  {}\n",
                m.key,
                actual_text(m, minutes),
                percentile_text(m),
                m.p10,
                m.p50,
                m.p90,
                band_word(m)
            ));
        }
        if !r.objectives.is_empty() {
            out.push_str("  objectives on this drill:\n");
            for o in &r.objectives {
                out.push_str(&format!("    {:<10} {}{}\n", met_word(o.met), o.text, objective_note(o)));
            }
        }
        if r.departures.is_empty() {
            out.push_str("  the drill followed the plan (every step done, in order, by its owner)\n");
        } else {
            out.push_str("  where the drill left the plan:\n");
            for d in &r.departures {
                out.push_str(&format!("    {}\n", departure_text(sc, d)));
            }
        }
        let surprises = r.surprises(SURPRISES);
        if !surprises.is_empty() {
            let s: Vec<String> = surprises.iter().map(|m| surprise_text(m)).collect();
            out.push_str(&format!("  surprises: {}\n", s.join("; ")));
        }
        out.push_str(&format!("  critical path of the drill: {}\n", path_text(sc, &r.critical_path)));
    }
    let crit = most_critical(sc, scores);
    if !crit.is_empty() {
        let c: Vec<String> = crit.iter().map(|(s, x)| format!("{s} {}", percent(*x))).collect();
        out.push_str(&format!("\nmost often on the model's critical path: {}\n", c.join(", ")));
    }
    if scores.records.len() > 1 {
        out.push_str(&format!(
            "\nacross {} records: share inside the model's p10–p90 band (80% when the model is right)\n",
            scores.records.len()
        ));
        out.push_str(&format!(
            "  {:<28} {:>4} {:>6} {:>7} {:>6} {:>7}  verdict\n",
            "measure", "n", "below", "inside", "above", "inside%"
        ));
        for c in coverage {
            out.push_str(&format!(
                "  {:<28} {:>4} {:>6} {:>7} {:>6} {:>7}  {}\n",
                c.key,
                c.n,
                c.below,
                c.inside,
                c.above,
                if c.n == 0 {
                    "-".into()
                } else {
                    percent(c.inside as f64 / c.n as f64)
                },
                verdict_text(c)
            ));
        }
    }
    out
}

/// The verdict of a band test, with "too few" where nothing could be concluded.
pub fn verdict_text(c: &Coverage) -> &'static str {
    if c.n == 0 { "no value to judge" } else { c.verdict.as_str() }
}

fn band_key(m: &MeasureScore) -> Value {
    match m.band() {
        Some(Band::Below) => json!("below"),
        Some(Band::Inside) => json!("inside"),
        Some(Band::Above) => json!("above"),
        None => Value::Null,
    }
}

/// Put `v` at the measure's key: `recovery`, `detect`, `ack` at the top; `steps.<id>` and
/// `services.<name>` under `steps` and `services`, as `run`'s JSON nests them.
fn insert_measure(map: &mut Map<String, Value>, key: &str, v: Value) {
    match key.split_once('.') {
        Some((group @ ("steps" | "services"), name)) => {
            let g = map.entry(group).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(g) = g {
                g.insert(name.to_string(), v);
            }
        }
        _ => {
            map.insert(key.to_string(), v);
        }
    }
}

fn departure_json(sc: &Scenario, d: &Departure) -> Value {
    match d {
        Departure::Unplanned(name) => json!({"kind": "unplanned", "step": name}),
        Departure::NotDone(s) => json!({"kind": "not_done", "step": sc.steps[*s].id}),
        Departure::Early {
            step,
            waits_for,
            started,
            finished,
        } => json!({
            "kind": "early",
            "step": sc.steps[*step].id,
            "waits_for": sc.steps[*waits_for].id,
            "started": started,
            "finished": finished,
        }),
        Departure::OtherTeam { step, team } => json!({
            "kind": "other_team",
            "step": sc.steps[*step].id,
            "team": sc.teams[*team].name,
            "owner": sc.teams[sc.steps[*step].team].name,
        }),
    }
}

/// The JSON of a score: `records.<file>.measures.<measure>.{actual, censored, percentile,
/// p10, p50, p90, band}` and the rest; keys sorted, nothing machine-dependent.
pub fn json(sc: &Scenario, scores: &Scores, coverage: &[Coverage]) -> Value {
    let mut records = Map::new();
    for r in &scores.records {
        let mut measures = Map::new();
        for m in &r.measures {
            insert_measure(
                &mut measures,
                &m.key,
                json!({
                    "actual": m.actual.value(),
                    "censored": m.actual.censored(),
                    "percentile": m.percentile,
                    "p10": m.p10,
                    "p50": m.p50,
                    "p90": m.p90,
                    "band": band_key(m),
                }),
            );
        }
        let objectives: Vec<Value> = r
            .objectives
            .iter()
            .map(|o| {
                json!({
                    "objective": o.text,
                    "met": o.met,
                    "why": o.why,
                    "actual": o.actual.map(|a| a.value()),
                    "censored": o.actual.map(|a| a.censored()),
                })
            })
            .collect();
        records.insert(
            r.name.clone(),
            json!({
                "date": r.date,
                "closed": r.closed,
                "end": r.observed.end,
                "measures": measures,
                "objectives": objectives,
                "departures": r.departures.iter().map(|d| departure_json(sc, d)).collect::<Vec<_>>(),
                "surprises": r.surprises(SURPRISES).iter().map(|m| m.key.clone()).collect::<Vec<_>>(),
                "critical_path": r.critical_path.iter().map(|&s| sc.steps[s].id.clone()).collect::<Vec<_>>(),
            }),
        );
    }
    let mut cov = Map::new();
    for c in coverage {
        cov.insert(
            c.key.clone(),
            json!({
                "n": c.n,
                "below": c.below,
                "inside": c.inside,
                "above": c.above,
                "share_inside": if c.n == 0 { Value::Null } else { json!(c.inside as f64 / c.n as f64) },
                "verdict": if c.n == 0 { Value::Null } else { json!(c.verdict.as_str()) },
            }),
        );
    }
    let critical: Vec<Value> = most_critical(sc, scores)
        .into_iter()
        .map(|(s, x)| json!({"step": s, "share": x}))
        .collect();
    json!({
        "scenario": sc.name,
        "seed": scores.seed,
        "trials": scores.summary.trials,
        "records": records,
        "coverage": cov,
        "model_critical": critical,
    })
}

/// The drills as document blocks (a section of the report, or a document of its own).
pub fn blocks(sc: &Scenario, scores: &Scores, coverage: &[Coverage], percentile_chart: Option<(&str, &str)>) -> Vec<Block> {
    let mut b = vec![Block::Heading(2, "Drills".into())];
    b.push(Block::Para(format!(
        "{} drill record(s) placed in {} simulated trials (seed {}). A measure's percentile is the share of trials at most the drill's value: a drill that went as the model expects lands anywhere from 0 to 100% with equal chance. ≥ marks a value the record ended before (a step still running).",
        scores.records.len(),
        scores.summary.trials,
        scores.seed
    )));
    for r in &scores.records {
        b.push(Block::Heading(3, record_heading(r)));
        let rows = r
            .measures
            .iter()
            .map(|m| {
                vec![
                    m.key.clone(),
                    actual_text(m, human),
                    percentile_text(m),
                    human(m.p10),
                    human(m.p50),
                    human(m.p90),
                    band_word(m).to_string(),
                ]
            })
            .collect();
        b.push(Block::Table {
            head: ["measure", "actual", "percentile", "p10", "p50", "p90", ""]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
            numeric: vec![false, true, true, true, true, true, false],
        });
        let mut items: Vec<String> = r
            .objectives
            .iter()
            .map(|o| format!("{}: {}{}", met_word(o.met), o.text, objective_note(o)))
            .collect();
        if r.departures.is_empty() {
            items.push("The drill followed the plan: every step done, in order, by its owner.".into());
        }
        items.extend(r.departures.iter().map(|d| format!("Left the plan: {}.", departure_text(sc, d))));
        let surprises = r.surprises(SURPRISES);
        if !surprises.is_empty() {
            let s: Vec<String> = surprises.iter().map(|m| surprise_text(m)).collect();
            items.push(format!("Surprises: {}.", s.join("; ")));
        }
        items.push(format!("Critical path of the drill: {}.", path_text(sc, &r.critical_path)));
        b.push(Block::List(items));
    }
    let crit = most_critical(sc, scores);
    if !crit.is_empty() {
        let c: Vec<String> = crit.iter().map(|(s, x)| format!("{s} ({})", percent(*x))).collect();
        b.push(Block::Para(format!("Most often on the model's critical path: {}.", c.join(", "))));
    }
    if scores.records.len() > 1 {
        b.push(Block::Heading(3, "The model against the drills".into()));
        b.push(Block::Para(
            "When the model is right, 80% of the drills' values fall inside its p10–p90 band and 10% on each side; the verdict is an exact binomial test at the 5% level.".into(),
        ));
        let rows = coverage
            .iter()
            .map(|c| {
                vec![
                    c.key.clone(),
                    c.n.to_string(),
                    c.below.to_string(),
                    c.inside.to_string(),
                    c.above.to_string(),
                    if c.n == 0 {
                        "-".into()
                    } else {
                        percent(c.inside as f64 / c.n as f64)
                    },
                    verdict_text(c).to_string(),
                ]
            })
            .collect();
        b.push(Block::Table {
            head: ["measure", "n", "below p10", "inside", "above p90", "inside %", "verdict"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
            numeric: vec![false, true, true, true, true, true, false],
        });
        if let Some((name, title)) = percentile_chart {
            b.push(Block::Chart {
                name: name.into(),
                title: title.into(),
            });
        }
    }
    b
}

/// The drills as a document of their own (`score --md`).
pub fn doc(sc: &Scenario, scores: &Scores, coverage: &[Coverage]) -> Doc {
    let mut blocks = blocks(sc, scores, coverage, None);
    blocks.remove(0);
    Doc {
        title: format!("Drills scored: {}", sc.name),
        blocks,
    }
}
