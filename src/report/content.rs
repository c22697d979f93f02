//! What the report says, in order: the verdict first, then the evidence, then what to fix,
//! then how to rehearse it, then the run's parameters.

use super::doc::{Block, Doc, heads};
use super::findings;
use super::full::Context;
use super::timeline::{self, MAX_ROWS};
use super::verdict;
use crate::plot::Chart;
use crate::sensitivity;
use crate::sim::trace::wall_clock_at;
use crate::stats::Sketch;
use crate::text::{clock, human, share_pct, shell_command};

fn stat_row(label: &str, s: &Sketch) -> Vec<String> {
    horizon_row(label, s, 0)
}

/// A row of [`stat_head`]'s figures, where the quantiles (and the max) that fall among the
/// `beyond` trials not back within the horizon read "not recovered".
fn horizon_row(label: &str, s: &Sketch, beyond: u64) -> Vec<String> {
    vec![
        label.to_string(),
        human(s.mean()),
        horizon_quantile(s, 0.5, beyond),
        horizon_quantile(s, 0.95, beyond),
        horizon_quantile(s, 0.99, beyond),
        if beyond > 0 { "not recovered".into() } else { human(s.max()) },
    ]
}

/// Minutes, or "not recovered" where the quantile of rank `floor(p * trials)` falls among the
/// `beyond` trials that were not back within the horizon (they count as the horizon), as the
/// terminal summary prints it.
fn horizon_quantile(s: &Sketch, p: f64, beyond: u64) -> String {
    let n = s.count();
    let rank = ((p.clamp(0.0, 1.0) * n as f64) as u64).min(n.saturating_sub(1));
    if beyond > 0 && rank >= n - beyond.min(n) {
        "not recovered".into()
    } else {
        human(s.quantile(p))
    }
}

fn stat_head(first: &str) -> Vec<String> {
    [first, "mean", "p50", "p95", "p99", "max"].iter().map(|s| s.to_string()).collect()
}

/// A table whose columns of figures (durations, shares, counts, "-") are right-aligned.
fn table(head: Vec<String>, rows: Vec<Vec<String>>) -> Block {
    let figure = |c: &str| {
        let mut ch = c.chars();
        match ch.next() {
            Some('-') | Some('+') => c == "-" || ch.next().is_some_and(|d| d.is_ascii_digit()),
            Some(d) => d.is_ascii_digit() || c == "not recovered",
            None => true,
        }
    };
    let numeric = (0..head.len())
        .map(|i| i > 0 && rows.iter().all(|r| r.get(i).is_none_or(|c| figure(c))))
        .collect();
    Block::Table { head, rows, numeric }
}

fn chart_or_note(out: &mut Vec<Block>, charts: &[Chart], name: &str) {
    if let Some(c) = charts.iter().find(|c| c.name == name) {
        out.push(Block::Chart {
            name: c.name.clone(),
            title: c.title.clone(),
        });
    }
}

/// A section of the report: it appends its blocks, given the context and the drawn charts.
type Section = fn(&Context<'_>, &[Chart], &mut Vec<Block>);

/// The whole report: one function per section, in reading order.
pub fn doc(ctx: &Context<'_>, charts: &[Chart]) -> Doc {
    let mut b = Vec::new();
    if !ctx.sc.description.is_empty() {
        b.push(Block::Para(ctx.sc.description.clone()));
    }
    let sections: [Section; 11] = [
        verdict_section,
        recovery_section,
        drills_section,
        services_section,
        stores_section,
        levels_section,
        detection_section,
        critical_section,
        sensitivity_section,
        timeline_section,
        parameters_section,
    ];
    for section in sections {
        section(ctx, charts, &mut b);
    }
    Doc {
        title: format!("Drill report: {}", ctx.sc.name),
        blocks: b,
    }
}

fn verdict_section(ctx: &Context<'_>, _: &[Chart], b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "Verdict".into()));
    let (tone, text) = verdict::verdict(ctx);
    b.push(Block::Verdict {
        tone,
        word: verdict::verdict_word(ctx, tone).into(),
        text,
    });
    b.push(Block::Para(verdict::verdict_rule(ctx)));
    if let Some(c) = ctx.check {
        b.push(verdict::objectives_table(c));
    }
    b.push(Block::List(findings::findings(ctx)));
}

fn recovery_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    b.push(Block::Heading(2, "Recovery time".into()));
    let mut rows = vec![
        horizon_row("recovery time", &sum.recovery, sum.not_recovered),
        stat_row("time to close", &sum.close),
    ];
    if sc.services.is_empty() {
        rows.truncate(1);
        b.push(Block::Para(
            "Recovery time runs from the fault to the finish of the plan's final step (the scenario models no business services).".into(),
        ));
    } else {
        b.push(Block::Para(
            "Recovery time runs from the fault until every business service is up again; time to close, until the plan's last step is done."
                .into(),
        ));
    }
    b.push(table(stat_head("minutes after the fault"), rows));
    if sum.recovery.zero_share() > 0.0 {
        b.push(Block::Para(format!(
            "In {} of trials no business service went down (recovery time 0).",
            share_pct(sum.recovery.zero_share())
        )));
    }
    if sum.not_recovered > 0 {
        b.push(Block::Para(format!(
            "In {} of trials the exercise had not recovered within the horizon ({}): those trials count as the horizon, and a quantile among them reads \"not recovered\".",
            share_pct(sum.not_recovered_share()),
            human(sc.horizon)
        )));
    }
    chart_or_note(b, charts, "recovery_histogram");
    chart_or_note(b, charts, "recovery_cdf");
}

/// The real drills scored against this run, when there are any.
fn drills_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let Some(scores) = ctx.scores else { return };
    let coverage = crate::score::coverage(scores);
    let chart = charts
        .iter()
        .find(|c| c.name == super::charts::PERCENTILE_CHART)
        .map(|c| (c.name.as_str(), c.title.as_str()));
    b.extend(super::score::blocks(ctx.sc, scores, &coverage, chart));
    b.push(Block::Para(
        "The recovery charts above mark each drill's recovery time with a blue dash-dotted line.".into(),
    ));
}

fn services_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    b.push(Block::Heading(2, "Business services".into()));
    if sc.services.is_empty() {
        b.push(Block::Para(
            "This scenario models no business services: there is no downtime per service and no RTO to check.".into(),
        ));
        return;
    }
    let rows = sc
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d = &sum.downtime[i];
            let restored = |p| horizon_quantile(&sum.restored[i], p, sum.not_restored[i]);
            vec![
                s.name.clone(),
                s.rto.map(human).unwrap_or_else(|| "none".into()),
                if s.rto.is_some() {
                    share_pct(sum.rto_met_share(i))
                } else {
                    "-".into()
                },
                share_pct(d.zero_share()),
                human(d.mean()),
                human(d.quantile(0.95)),
                human(sum.longest_outage[i].quantile(0.95)),
                restored(0.5),
                restored(0.95),
                share_pct(sum.not_restored_share(i)),
            ]
        })
        .collect();
    let head = heads(&[
        "service",
        "RTO",
        "RTO met",
        "never down",
        "downtime mean",
        "downtime p95",
        "longest outage p95",
        "restored p50",
        "restored p95",
        "not recovered",
    ]);
    b.push(Block::Para(format!(
        "Per service: downtime is the minutes it was actually down (the sum of its outages); longest outage, its longest single outage; restored, the time from the fault until it was up for good; RTO met, the share of trials in which it came back within the horizon ({}) and no outage was longer than its RTO; not recovered, the share of trials in which it was not back within the horizon (those count as the horizon, and a quantile among them reads \"not recovered\").",
        human(sc.horizon)
    )));
    b.push(table(head, rows));
    chart_or_note(b, charts, "downtime");
}

fn stores_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    b.push(Block::Heading(2, "Data lost per store".into()));
    if sc.stores.is_empty() {
        b.push(Block::Para("This scenario models no data stores: no data loss is measured.".into()));
    } else {
        b.push(Block::Para(
            "Data lost is the minutes of writes since the newest good backup when a store is restored (the recovery point actually reached); RPO met, the share of trials in which a store lost at most its RPO."
                .into(),
        ));
        let rows = sc
            .stores
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let d = &sum.data_lost[i];
                vec![
                    s.name.clone(),
                    s.rpo.map(human).unwrap_or_else(|| "none".into()),
                    if s.rpo.is_some() {
                        share_pct(sum.rpo_met_share(i))
                    } else {
                        "-".into()
                    },
                    share_pct(d.zero_share()),
                    human(d.mean()),
                    human(d.quantile(0.5)),
                    human(d.quantile(0.95)),
                    human(d.quantile(0.99)),
                    human(d.max()),
                ]
            })
            .collect();
        b.push(table(
            heads(&["store", "RPO", "RPO met", "no loss", "mean", "p50", "p95", "p99", "max"]),
            rows,
        ));
        chart_or_note(b, charts, "data_lost");
    }
    if sum.leaked.count() > 0 && sum.leaked.max() > 0.0 {
        b.push(Block::Para(format!(
            "Data leaked by attacks: in {} of trials; mean {:.2}, p95 {:.2}, max {:.2} (the attack's unit).",
            share_pct(1.0 - sum.leaked.zero_share()),
            sum.leaked.mean(),
            sum.leaked.quantile(0.95),
            sum.leaked.max()
        )));
    }
}

fn levels_section(ctx: &Context<'_>, _: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    if sc.levels.is_empty() {
        return;
    }
    b.push(Block::Heading(2, "Severity levels".into()));
    let rows = sc
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| vec![l.clone(), share_pct(sum.level_share(i))])
        .collect();
    b.push(table(heads(&["highest level reached", "share of trials"]), rows));
}

fn detection_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let sum = ctx.sum;
    b.push(Block::Heading(2, "Detection and acknowledgement".into()));
    b.push(Block::Para(
        "Time to detect runs from the fault to the first alert; time to acknowledge, from that alert to the first acknowledgement (or the last resort).".into(),
    ));
    b.push(table(
        stat_head("minutes"),
        vec![stat_row("time to detect", &sum.detect), stat_row("time to acknowledge", &sum.ack)],
    ));
    chart_or_note(b, charts, "detect_ack");
}

fn critical_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    b.push(Block::Heading(2, "Critical path and teams".into()));
    b.push(Block::Para(
        "A step's criticality index is the share of trials in which it lay on the critical path, the chain of work and waiting that set the recovery time. Shortening a step with a high index shortens recovery most often.".into(),
    ));
    chart_or_note(b, charts, "criticality");
    let rows = sum
        .steps_by_criticality()
        .iter()
        .take(10)
        .map(|&i| {
            let s = &sc.steps[i];
            vec![
                s.id.clone(),
                sc.teams[s.team].name.clone(),
                share_pct(sum.criticality(i)),
                format!("{:.2}", sum.mean_attempts(i)),
            ]
        })
        .collect();
    b.push(table(heads(&["step", "team", "criticality", "mean attempts"]), rows));
    chart_or_note(b, charts, "utilization");
}

fn sensitivity_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "What to fix first".into()));
    let Some(s) = ctx.sensitivity else {
        b.push(Block::Para(
            "The sensitivity analysis was not run (`--sensitivity-trials 0`).".into(),
        ));
        return;
    };
    let budget = if s.levers.len() < s.candidates {
        format!(
            " To bound its cost, {} of the plan's {} levers were tried, chosen by criticality (detection and the first responder's paging, which every trial waits for, then the steps most often on the critical path and the teams that own them).",
            s.levers.len(),
            s.candidates
        )
    } else {
        String::new()
    };
    let cap = sensitivity::trials_per_lever(ctx.sc, u64::MAX, ctx.sum.trials);
    let held = if s.trials == cap && cap < ctx.sum.trials {
        format!(
            "; the analysis is held to at most {} times the run's trials in all, which sets this count",
            sensitivity::COST_SHARE
        )
    } else {
        String::new()
    };
    b.push(Block::Para(format!(
        "Each lever changes one thing: a step's duration cut by 20%, one more person in a team, every monitor's detection delay cut by 20%, a team's acknowledgement delays cut by 20%, or a team's escalation timeouts cut by 20%.{budget} Each variant was run on trials 0 to {} of seed {}, the same trials with the same random numbers as the base (p95 {} over those trials), so a bar shows the effect of the change, not sampling noise. {} trials per lever keep the report cheap (`--sensitivity-trials` sets it{held}); at that size an effect is uncertain by about \u{b1}{:.1} min (estimated from the agreement of the two halves of the trials), so levers closer than about {:.0} min are not reliably ordered.",
        s.trials - 1,
        s.seed,
        human(s.base.p95),
        s.trials,
        s.noise_p95,
        (2.0 * s.noise_p95).max(1.0)
    )));
    chart_or_note(b, charts, "sensitivity");
    let rto_cols = ctx.sc.services.iter().any(|x| x.rto.is_some());
    let mut head = heads(&["lever", "p95 recovery", "change of p95", "change of mean"]);
    if rto_cols {
        head.push("lowest share within RTO".into());
    }
    let lowest = |f: &crate::sensitivity::Figures| -> String {
        let v = ctx
            .sc
            .services
            .iter()
            .zip(&f.rto_met)
            .filter(|(svc, _)| svc.rto.is_some())
            .map(|(_, &x)| x)
            .fold(1.0, f64::min);
        share_pct(v)
    };
    let mut rows = vec![{
        let mut r = vec!["base plan".into(), human(s.base.p95), "-".into(), "-".into()];
        if rto_cols {
            r.push(lowest(&s.base));
        }
        r
    }];
    for l in s.levers.iter().take(10) {
        let mut r = vec![
            l.label.clone(),
            human(l.figures.p95),
            format!("{:+.1} min", l.delta_p95),
            format!("{:+.1} min", l.delta_mean),
        ];
        if rto_cols {
            r.push(lowest(&l.figures));
        }
        rows.push(r);
    }
    b.push(table(head, rows));
}

fn timeline_section(ctx: &Context<'_>, charts: &[Chart], b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "Timeline of a representative trial".into()));
    let Some(r) = ctx.representative else {
        b.push(Block::Para("No trial was searched for a timeline.".into()));
        return;
    };
    let o = &r.trace.outcome;
    b.push(Block::Para(format!(
        "Trial {} is the first among trials 0 to {} whose recovery time ({}) is nearest the median ({}). Use it to run the exercise: who is paged, which step starts when, and where steps wait for a busy team. Replay it, event by event, with:",
        r.trial,
        r.searched - 1,
        human(o.recovery),
        human(r.target)
    )));
    let file = ctx.source.unwrap_or("SCENARIO.toml");
    let (seed, trial) = (ctx.seed.to_string(), r.trial.to_string());
    b.push(Block::Code(shell_command(&[
        "drillsim", "trace", file, "--seed", &seed, "--trial", &trial,
    ])));
    chart_or_note(b, charts, "timeline");
    let mut times = "Times are h:mm:ss after the fault.".to_string();
    if let Some(w) = wall_clock_at(ctx.sc, o.t0) {
        times.push_str(&format!(
            " The exercise's clock is set: the first fault comes at {w} on the wall clock, and the last column gives each start as a wall-clock time."
        ));
    }
    b.push(Block::Para(times));
    b.push(activity_table(ctx.sc, r));
}

/// Detection, paging, then each step that ran, in order of start: when it was ready, started
/// and finished (from the first fault), how long it waited and for what.
fn activity_table(sc: &crate::model::Scenario, r: &super::full::Representative) -> Block {
    let o = &r.trace.outcome;
    let t0 = o.t0;
    let wall = |t: f64| wall_clock_at(sc, t);
    let with_wall = wall(0.0).is_some();
    let mut ready = vec![f64::NAN; sc.steps.len()];
    for (t, e) in &r.trace.events {
        if let crate::sim::Event::StepReady { step } = e {
            ready[*step] = *t;
        }
    }
    let waits = timeline::waits(sc, r);
    let phase = |name: &str, team: String, from: f64, to: f64| {
        let mut row = vec![
            name.into(),
            team,
            clock(from),
            clock(from),
            clock(to),
            "-".into(),
            "-".into(),
            "-".into(),
        ];
        if with_wall {
            row.push(wall(t0 + from).unwrap_or_default());
        }
        row
    };
    let mut rows = vec![
        phase("detection", "-".into(), 0.0, o.detect),
        phase("paging", sc.teams[sc.first_responder].name.clone(), o.detect, o.detect + o.ack),
    ];
    let (shown, rest) = timeline::rows(sc, r, |i| o.start[i].is_finite());
    for i in shown {
        let s = &sc.steps[i];
        let waited = if ready[i].is_finite() { o.start[i] - ready[i] } else { 0.0 };
        let mut row = vec![
            s.id.clone(),
            sc.teams[s.team].name.clone(),
            if ready[i].is_finite() { clock(ready[i] - t0) } else { "-".into() },
            clock(o.start[i] - t0),
            clock(o.finish[i] - t0),
            if waited > 0.0 { human(waited) } else { "-".into() },
            if waited > 0.0 && !waits[i].is_empty() {
                timeline::wait_text(sc, i, &waits[i])
            } else {
                "-".into()
            },
            o.attempts[i].to_string(),
        ];
        if with_wall {
            row.push(wall(o.start[i]).unwrap_or_default());
        }
        rows.push(row);
    }
    if !rest.is_empty() {
        let first = rest.iter().map(|&i| o.start[i]).fold(f64::INFINITY, f64::min);
        let last = rest.iter().map(|&i| o.finish[i]).fold(f64::NEG_INFINITY, f64::max);
        let mut row = vec![
            format!("{} other steps (at most {MAX_ROWS} get a row)", rest.len()),
            "-".into(),
            "-".into(),
            clock(first - t0),
            clock(last - t0),
            "-".into(),
            "-".into(),
            rest.iter().map(|&i| o.attempts[i] as u64).sum::<u64>().to_string(),
        ];
        if with_wall {
            row.push(wall(first).unwrap_or_default());
        }
        rows.push(row);
    }
    let mut head = heads(&["activity", "team", "ready", "start", "finish", "waited", "waited for", "attempts"]);
    if with_wall {
        head.push("start (wall clock)".into());
    }
    table(head, rows)
}

fn parameters_section(ctx: &Context<'_>, _: &[Chart], b: &mut Vec<Block>) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    b.push(Block::Heading(2, "Run parameters".into()));
    let mut rows = vec![
        vec!["scenario".into(), sc.name.clone()],
        vec!["scenario file".into(), ctx.source.unwrap_or("-").to_string()],
        vec!["seed".into(), ctx.seed.to_string()],
        vec!["trials".into(), sum.trials.to_string()],
        vec![
            "sensitivity trials per lever".into(),
            ctx.sensitivity.map(|s| s.trials.to_string()).unwrap_or_else(|| "not run".into()),
        ],
        vec!["drillsim version".into(), env!("CARGO_PKG_VERSION").into()],
    ];
    if let Some(t) = ctx.timing {
        rows.push(vec![
            "run time".into(),
            format!("{:.2} s on {} thread(s)", t.elapsed_seconds, t.threads),
        ]);
    }
    b.push(Block::Table {
        head: heads(&["parameter", "value"]),
        rows,
        numeric: vec![false, false],
    });
    b.push(Block::Para(
        "Quantiles are exact to within 0.05% of their value. Charts cut their x axis at the 99.9th percentile when the tail is long, and say so.".into(),
    ));
}
