//! The charts of a report, built from its context. A chart whose subject the scenario does
//! not model (no business services, no data stores) is left out; the documents say why.

use super::full::Context;
use super::timeline;
use crate::model::Scenario;
use crate::plot::{
    self, Bar, BarChart, CdfChart, Chart, Gantt, GanttBar, GanttRow, HistogramChart, Marker, MarkerKind, PlotError, SpanKind, Targets, num,
};
use crate::sensitivity::LeverKind;
use crate::sim::Event;
use crate::stats::Sketch;

/// Most rows of the criticality and utilization charts (the rest share one last row).
pub const MAX_BARS: usize = 30;
/// Most levers drawn in the tornado.
pub const MAX_LEVERS: usize = 15;

/// The RTO markers of the business services that have one: one per distinct value, named by
/// the service when services differ.
pub fn rto_markers(sc: &Scenario) -> Vec<Marker> {
    let with: Vec<(&str, f64)> = sc.services.iter().filter_map(|s| s.rto.map(|r| (s.name.as_str(), r))).collect();
    let mut values: Vec<f64> = with.iter().map(|w| w.1).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
        .iter()
        .map(|&v| {
            let names: Vec<&str> = with.iter().filter(|w| w.1 == v).map(|w| w.0).collect();
            let label = if values.len() == 1 {
                format!("RTO {} min", num(v))
            } else {
                format!("RTO {} min ({})", num(v), names.join(", "))
            };
            Marker {
                at: v,
                label,
                kind: MarkerKind::Objective,
            }
        })
        .collect()
}

/// Most drills named on a chart; beyond, one label covers them all.
pub const MAX_DRILL_LABELS: usize = 4;

/// Name of the chart of the drills' percentiles.
pub const PERCENTILE_CHART: &str = "drill_percentiles";

/// One marker per drill at its recovery time (`≥` when the record ended first).
pub fn drill_markers(scores: &crate::score::Scores) -> Vec<Marker> {
    let with: Vec<(&str, &crate::score::MeasureScore)> = scores
        .records
        .iter()
        .filter_map(|r| r.measures.iter().find(|m| m.key == "recovery").map(|m| (r.name.as_str(), m)))
        .collect();
    let many = with.len() > MAX_DRILL_LABELS;
    with.iter()
        .enumerate()
        .map(|(i, (name, m))| Marker {
            at: m.actual.value(),
            label: match (many, i) {
                (false, _) => format!("drill {name}{}", if m.actual.censored() { " (≥)" } else { "" }),
                (true, 0) => format!("{} drills", with.len()),
                (true, _) => String::new(),
            },
            kind: MarkerKind::Drill,
        })
        .collect()
}

/// The drills' percentiles (every measure of every record, as percents) against the uniform
/// distribution a right model gives: a CDF near the diagonal means the model fits.
pub fn percentile_chart(scores: &crate::score::Scores) -> (CdfChart, Sketch, Sketch) {
    let mut drills = Sketch::new();
    for m in scores
        .records
        .iter()
        .flat_map(|r| r.measures.iter())
        .filter(|m| !m.actual.censored())
    {
        drills.add(100.0 * m.mid());
    }
    let mut uniform = Sketch::new();
    for i in 0..=1000 {
        uniform.add(i as f64 / 10.0);
    }
    let spec = CdfChart {
        name: PERCENTILE_CHART.into(),
        y_label: Some("share of the drills' values at or below x (%)".into()),
        title: format!("The drills' percentiles in the model, {} values", drills.count()),
        x_label: "percentile of the drill's value in the simulated distribution (%)".into(),
        markers: Vec::new(),
    };
    (spec, drills, uniform)
}

/// p50, p95 and p99 markers of a sketch.
pub fn quantile_markers(s: &Sketch) -> Vec<Marker> {
    [
        (0.5, "p50", MarkerKind::P50),
        (0.95, "p95", MarkerKind::P95),
        (0.99, "p99", MarkerKind::P99),
    ]
    .iter()
    .map(|&(p, name, kind)| {
        let at = s.quantile(p);
        Marker {
            at,
            label: format!("{name} {}", num(at)),
            kind,
        }
    })
    .collect()
}

/// Most curves on one CDF chart (services, stores): beyond a handful, colours and dashes no
/// longer tell them apart and the legend would cover the plot.
pub const MAX_CURVES: usize = 8;

/// Which of `sketches` get a curve: all when they are few, else the [`MAX_CURVES`] with the
/// longest p95 (in file order), the title saying so.
fn capped_curves(sketches: &[Sketch], title: &str) -> (Vec<usize>, String) {
    let mut idx: Vec<usize> = (0..sketches.len()).collect();
    if idx.len() <= MAX_CURVES {
        return (idx, title.to_string());
    }
    let p95 = |i: usize| sketches[i].quantile(0.95);
    idx.sort_by(|&a, &b| p95(b).total_cmp(&p95(a)).then(a.cmp(&b)));
    idx.truncate(MAX_CURVES);
    idx.sort_unstable();
    (idx, format!("{title}: the {MAX_CURVES} longest at p95 of {}", sketches.len()))
}

type Job<'a> = Box<dyn Fn() -> Result<Chart, PlotError> + Send + Sync + 'a>;

/// Every chart that applies, in report order (drawn in parallel on the current rayon pool).
pub fn all(ctx: &Context<'_>, targets: Targets) -> Result<Vec<Chart>, PlotError> {
    use rayon::prelude::*;
    let (sc, sum) = (ctx.sc, ctx.sum);
    let rto = rto_markers(sc);
    let mut markers = quantile_markers(&sum.recovery);
    markers.extend(rto.iter().cloned());
    if let Some(scores) = ctx.scores {
        markers.extend(drill_markers(scores));
    }
    let zero_meaning = if sc.services.is_empty() {
        "nothing to recover"
    } else {
        "no business service went down"
    };
    let hist = HistogramChart {
        name: "recovery_histogram".into(),
        title: format!("Recovery time, {} trials", sum.trials),
        x_label: "recovery time (minutes after the fault)".into(),
        markers: markers.clone(),
        zero_meaning: zero_meaning.into(),
    };
    let cdf = CdfChart {
        name: "recovery_cdf".into(),
        y_label: None,
        title: "Recovery time: share of trials recovered within x".into(),
        x_label: "recovery time (minutes after the fault)".into(),
        markers,
    };
    let mut jobs: Vec<Job<'_>> = vec![
        Box::new(move || plot::histogram(&hist, &sum.recovery, targets)),
        Box::new(move || plot::cdf_overlay(&cdf, &[("recovery time", &sum.recovery)], targets)),
    ];
    if let Some(scores) = ctx.scores.filter(|s| s.records.len() > 1) {
        let (spec, drills, uniform) = percentile_chart(scores);
        jobs.push(Box::new(move || {
            plot::cdf_overlay(&spec, &[("the drills", &drills), ("a right model (uniform)", &uniform)], targets)
        }));
    }
    if !sc.services.is_empty() {
        let (shown, title) = capped_curves(&sum.downtime, "Downtime per business service");
        let markers = shown
            .iter()
            .filter_map(|&i| {
                let s = &sc.services[i];
                s.rto.map(|r| Marker {
                    at: r,
                    label: format!("RTO {}", s.name),
                    kind: MarkerKind::Objective,
                })
            })
            .collect();
        let spec = CdfChart {
            name: "downtime".into(),
            y_label: None,
            title,
            x_label: "downtime (minutes after the fault)".into(),
            markers,
        };
        jobs.push(Box::new(move || {
            let series: Vec<(&str, &Sketch)> = shown.iter().map(|&i| (sc.services[i].name.as_str(), &sum.downtime[i])).collect();
            plot::cdf_overlay(&spec, &series, targets)
        }));
    }
    if !sc.stores.is_empty() {
        let (shown, title) = capped_curves(&sum.data_lost, "Data lost per store (writes since the last good backup)");
        let markers = shown
            .iter()
            .filter_map(|&i| {
                let s = &sc.stores[i];
                s.rpo.map(|r| Marker {
                    at: r,
                    label: format!("RPO {}", s.name),
                    kind: MarkerKind::Objective,
                })
            })
            .collect();
        let spec = CdfChart {
            name: "data_lost".into(),
            y_label: None,
            title,
            x_label: "data lost (minutes of writes)".into(),
            markers,
        };
        jobs.push(Box::new(move || {
            let series: Vec<(&str, &Sketch)> = shown.iter().map(|&i| (sc.stores[i].name.as_str(), &sum.data_lost[i])).collect();
            plot::cdf_overlay(&spec, &series, targets)
        }));
    }
    let da = CdfChart {
        name: "detect_ack".into(),
        y_label: None,
        title: "Time to detect and time to acknowledge".into(),
        x_label: "minutes (detect: from the fault; acknowledge: from the alert)".into(),
        markers: Vec::new(),
    };
    jobs.push(Box::new(move || {
        plot::cdf_overlay(&da, &[("time to detect", &sum.detect), ("time to acknowledge", &sum.ack)], targets)
    }));
    jobs.push(Box::new(move || criticality(ctx, targets)));
    jobs.push(Box::new(move || utilization(ctx, targets)));
    if let Some(s) = ctx.sensitivity {
        jobs.push(Box::new(move || tornado(s, targets)));
    }
    if let Some(r) = ctx.representative {
        jobs.push(Box::new(move || plot::gantt(&timeline(sc, r), targets)));
    }
    jobs.par_iter().map(|job| job()).collect()
}

fn team_names(sc: &Scenario) -> Vec<String> {
    sc.teams.iter().map(|t| format!("team {}", t.name)).collect()
}

fn criticality(ctx: &Context<'_>, targets: Targets) -> Result<Chart, PlotError> {
    let (sc, sum) = (ctx.sc, ctx.sum);
    let mut idx = sum.steps_by_criticality();
    let mut subtitle = vec!["share of trials in which the step lay on the critical path (the chain that set recovery time)".to_string()];
    let rest = if idx.len() > MAX_BARS {
        subtitle.push(format!("the {MAX_BARS} highest of {} steps", idx.len()));
        idx.split_off(MAX_BARS)
    } else {
        Vec::new()
    };
    let mut bars: Vec<Bar> = idx
        .iter()
        .map(|&i| {
            let c = 100.0 * sum.criticality(i);
            Bar {
                label: sc.steps[i].id.clone(),
                value: c,
                text: format!("{c:.1}%"),
                group: sc.steps[i].team,
            }
        })
        .collect();
    if !rest.is_empty() {
        // Shares of different steps do not add up; the row shows the highest of the rest.
        let c = rest.iter().map(|&i| 100.0 * sum.criticality(i)).fold(0.0, f64::max);
        bars.push(others_bar(
            format!("{} other steps", rest.len()),
            c,
            format!("each {c:.1}% or less"),
        ));
    }
    plot::bars(
        &BarChart {
            name: "criticality".into(),
            title: "Criticality index of the plan's steps".into(),
            subtitle,
            x_label: "criticality index (% of trials), colour: owner team".into(),
            x_range: Some((0.0, 100.0)),
            groups: team_names(sc),
            bars,
        },
        targets,
    )
}

/// The last row of a capped bar chart, standing for every item left out.
fn others_bar(label: String, value: f64, text: String) -> Bar {
    Bar {
        label,
        value,
        text,
        group: plot::OTHERS_GROUP,
    }
}

fn utilization(ctx: &Context<'_>, targets: Targets) -> Result<Chart, PlotError> {
    let (sc, sum) = (ctx.sc, ctx.sum);
    let mut subtitle =
        vec!["busy share of each team's capacity, from acknowledgement to the plan's last step (mean over trials)".to_string()];
    let shown = sc.teams.len().min(MAX_BARS);
    let mut bars: Vec<Bar> = sc.teams[..shown]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let u = 100.0 * sum.utilization(i);
            Bar {
                label: format!("{} (capacity {})", t.name, t.capacity),
                value: u,
                text: format!("{u:.1}%"),
                group: i,
            }
        })
        .collect();
    let rest = sc.teams.len() - shown;
    if rest > 0 {
        // Their busy minutes over their summed capacity: the rest as one team.
        let cap: f64 = sc.teams[shown..].iter().map(|t| t.capacity as f64).sum();
        let busy: f64 = (shown..sc.teams.len())
            .map(|i| sum.utilization(i) * sc.teams[i].capacity as f64)
            .sum();
        let u = if cap > 0.0 { 100.0 * busy / cap } else { 0.0 };
        subtitle.push(format!("the first {MAX_BARS} of {} teams; the others as one", sc.teams.len()));
        bars.push(others_bar(format!("{rest} other teams (capacity {cap})"), u, format!("{u:.1}%")));
    }
    plot::bars(
        &BarChart {
            name: "utilization".into(),
            title: "Team utilization".into(),
            subtitle,
            x_label: "utilization (%)".into(),
            x_range: Some((0.0, 100.0)),
            groups: Vec::new(),
            bars,
        },
        targets,
    )
}

fn tornado(s: &crate::sensitivity::Sensitivity, targets: Targets) -> Result<Chart, PlotError> {
    let mut levers: Vec<&crate::sensitivity::Lever> = s.levers.iter().collect();
    // Largest effects (either way) first; the analysis sorted by signed effect already.
    levers.sort_by(|a, b| b.delta_p95.abs().total_cmp(&a.delta_p95.abs()));
    let mut subtitle = vec![
        format!(
            "change of p95 recovery time (base {} min) when one thing changes, on trials 0 to {} of seed {}",
            num(s.base.p95),
            s.trials - 1,
            s.seed
        ),
        format!(
            "with the base's random numbers; typical uncertainty of a bar: \u{b1}{:.1} min",
            s.noise_p95
        ),
    ];
    if levers.len() > MAX_LEVERS {
        let rest = levers[MAX_LEVERS..].iter().map(|l| l.delta_p95.abs()).fold(0.0, f64::max);
        subtitle.push(format!(
            "the {MAX_LEVERS} largest of {} levers; the others move p95 by {} min or less",
            levers.len(),
            num(rest)
        ));
        levers.truncate(MAX_LEVERS);
    }
    // One colour per kind of lever drawn, in the order the kinds are listed (steps, teams,
    // detection, acknowledgement, escalation), so the legend names only kinds on the chart.
    let rank = |k: LeverKind| match k {
        LeverKind::StepFaster(_) => 0,
        LeverKind::TeamPlusOne(_) => 1,
        LeverKind::DetectionFaster => 2,
        LeverKind::AckFaster(_) => 3,
        LeverKind::EscalationShorter(_) => 4,
    };
    let mut kinds: Vec<LeverKind> = Vec::new();
    for l in &levers {
        if !kinds.iter().any(|&k| rank(k) == rank(l.kind)) {
            kinds.push(l.kind);
        }
    }
    kinds.sort_by_key(|&k| rank(k));
    let groups: Vec<String> = kinds.iter().map(|k| k.group().to_string()).collect();
    let bars = levers
        .iter()
        .map(|l| Bar {
            label: l.label.clone(),
            value: l.delta_p95,
            text: format!("{:+.1} min", l.delta_p95),
            group: kinds.iter().position(|&k| rank(k) == rank(l.kind)).unwrap_or(0),
        })
        .collect();
    plot::tornado(
        &BarChart {
            name: "sensitivity".into(),
            title: "What moves p95 recovery time".into(),
            subtitle,
            x_label: "change of p95 recovery time (minutes; negative is faster)".into(),
            x_range: None,
            groups,
            bars,
        },
        targets,
    )
}

/// What the trial's events put on its timeline, in minutes from the first fault.
struct Marks {
    /// Per step: when it became ready (NaN if never).
    ready: Vec<f64>,
    /// Per step: when a failed attempt was started again.
    retries: Vec<Vec<f64>>,
    /// Faults, business services back up, the recovery.
    markers: Vec<Marker>,
}

fn marks(sc: &Scenario, r: &super::full::Representative) -> Marks {
    let t0 = r.trace.outcome.t0;
    let mut ready = vec![f64::NAN; sc.steps.len()];
    let mut retries: Vec<Vec<f64>> = vec![Vec::new(); sc.steps.len()];
    let mut markers = Vec::new();
    for (t, e) in &r.trace.events {
        let t = *t - t0;
        match e {
            Event::StepReady { step } => ready[*step] = t,
            Event::StepRetry { step, .. } => retries[*step].push(t),
            Event::Recovered => markers.push(Marker {
                at: t,
                label: format!("recovered {}", num(t)),
                kind: MarkerKind::Event,
            }),
            // What changed the world: faults, and business services coming back.
            Event::Fault { fault: Some(f) } => markers.push(Marker {
                at: t,
                label: format!("fault {}", sc.topology.faults[*f].id),
                kind: MarkerKind::Event,
            }),
            Event::Service { service, up: true } => markers.push(Marker {
                at: t,
                label: format!("{} up", sc.services[*service].name),
                kind: MarkerKind::Event,
            }),
            _ => {}
        }
    }
    Marks { ready, retries, markers }
}

/// The Gantt chart of the representative trial: detection, paging, then each step that ran
/// (in order of start) with its wait (for the team, a detected fault or a level), its work
/// and its failed attempts; the recovery and the RTO as markers. Times are from the first
/// fault, as the trial's measures are. At most [`timeline::MAX_ROWS`] steps get a row; the
/// work of the others is drawn merged in one last row.
pub fn timeline(sc: &Scenario, r: &super::full::Representative) -> Gantt {
    let o = &r.trace.outcome;
    let t0 = o.t0;
    let Marks {
        ready,
        retries,
        mut markers,
    } = marks(sc, r);
    markers.extend(rto_markers(sc));
    let first = sc.teams[sc.first_responder].name.as_str();
    let phase = |label: String, from: f64, to: f64| GanttRow {
        label,
        bars: vec![GanttBar {
            from,
            to,
            kind: SpanKind::Phase,
        }],
        ticks: Vec::new(),
        emphasis: false,
    };
    let mut rows = vec![
        phase("detection".into(), 0.0, o.detect),
        phase(format!("paging ({first})"), o.detect, o.detect + o.ack),
    ];
    // Steps that ran (skipped steps took no time and would be empty rows).
    let (shown, rest) = timeline::rows(sc, r, |i| o.attempts[i] > 0);
    let waits = timeline::waits(sc, r);
    let mut teams_seen = vec![false; sc.teams.len()];
    let mut waited: Vec<Vec<timeline::Wait>> = Vec::new();
    for i in shown {
        let s = &sc.steps[i];
        teams_seen[s.team] = true;
        let (start, finish) = (o.start[i] - t0, o.finish[i] - t0);
        let mut bars = Vec::new();
        if ready[i].is_finite() && start > ready[i] {
            waited.push(waits[i].clone());
            bars.push(GanttBar {
                from: ready[i],
                to: start,
                kind: SpanKind::Wait,
            });
        }
        bars.push(GanttBar {
            from: start,
            to: finish,
            kind: SpanKind::Work(s.team),
        });
        rows.push(GanttRow {
            label: format!("{} ({})", s.id, sc.teams[s.team].name),
            bars,
            ticks: retries[i].clone(),
            emphasis: o.critical[i],
        });
    }
    if !rest.is_empty() {
        rows.push(GanttRow {
            label: format!("{} other steps", rest.len()),
            bars: merged_work(rest.iter().map(|&i| (o.start[i] - t0, o.finish[i] - t0))),
            ticks: Vec::new(),
            emphasis: false,
        });
    }
    let mut legend: Vec<(String, SpanKind)> = vec![("detection, paging".into(), SpanKind::Phase)];
    legend.extend(
        sc.teams
            .iter()
            .enumerate()
            .filter(|(i, _)| teams_seen[*i])
            .map(|(i, t)| (format!("team {}", t.name), SpanKind::Work(i))),
    );
    if !waited.is_empty() {
        legend.push((timeline::wait_legend(&waited), SpanKind::Wait));
    }
    if !rest.is_empty() {
        legend.push(("work of the other steps".into(), SpanKind::Merged));
    }
    let mut subtitle = vec![format!(
        "trial {}: recovery {} min, the nearest to the median ({} min) among the first {} trials",
        r.trial,
        num(o.recovery),
        num(r.target),
        r.searched
    )];
    if retries.iter().any(|v| !v.is_empty()) {
        subtitle.push("a black tick across a bar marks a failed attempt that was started again".into());
    }
    if !rest.is_empty() {
        subtitle.push(format!(
            "{} steps on the critical path or earliest get a row; the last row merges the other {}",
            timeline::MAX_ROWS,
            rest.len()
        ));
    }
    Gantt {
        name: "timeline".into(),
        title: "Timeline of a representative trial".into(),
        subtitle,
        x_label: "minutes after the fault".into(),
        rows,
        markers,
        legend,
        emphasis_legend: Some("critical path".into()),
    }
}

/// The union of work intervals as disjoint bars, so that a row standing for thousands of
/// steps draws only as many bars as there are separate stretches of work.
fn merged_work(spans: impl Iterator<Item = (f64, f64)>) -> Vec<GanttBar> {
    let mut v: Vec<(f64, f64)> = spans.collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<GanttBar> = Vec::new();
    for (from, to) in v {
        match out.last_mut() {
            Some(last) if from <= last.to => last.to = last.to.max(to),
            _ => out.push(GanttBar {
                from,
                to,
                kind: SpanKind::Merged,
            }),
        }
    }
    out
}
