//! What the report says, in order: the verdict first, then the evidence, then what to fix,
//! then how to rehearse it, then the run's parameters.

use super::doc::{Block, Doc, Tone};
use super::full::{Context, VERDICT_TARGET};
use super::timeline::{self, MAX_ROWS};
use super::verdict;
use crate::check::results;
use crate::check::{ScenarioCheck, Verdict};
use crate::model::objective::Bound;
use crate::plot::Chart;
use crate::sensitivity::{self, Sensitivity};
use crate::sim::trace::wall_clock_at;
use crate::stats::Sketch;
use crate::text::{clock, human, shell_command};

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

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

/// The verdict: its tone and sentence. By the scenario's `[expect]` objectives when
/// [`Context::check`] holds them, else by the RTO rule ([`rto_verdict`]).
pub fn verdict(ctx: &Context<'_>) -> (Tone, String) {
    match ctx.check {
        Some(c) => objectives_verdict(c),
        None => rto_verdict(ctx),
    }
}

/// The headline word of the verdict, after the rule it follows.
pub fn verdict_word(ctx: &Context<'_>, tone: Tone) -> &'static str {
    if ctx.check.is_some() { tone.objectives_word() } else { tone.word() }
}

/// The sentence that says which rule the verdict follows.
pub fn verdict_rule(ctx: &Context<'_>) -> String {
    match ctx.check {
        Some(c) => format!(
            "Verdict by the scenario's {} objective{} (as `drillsim check`): seed {}, {}% intervals over all of the check's looks, {} trials in all.",
            c.results.len(),
            if c.results.len() == 1 { "" } else { "s" },
            c.seed,
            100.0 * verdict::CONFIDENCE,
            c.trials
        ),
        None if ctx.sc.services.iter().all(|s| s.rto.is_none()) => {
            "No objectives in `[expect]` and no RTO set: nothing to judge against.".into()
        }
        None => format!(
            "No objectives in `[expect]`: verdict by RTO met in \u{2265}{:.0}% of trials (every business service with an RTO).",
            100.0 * VERDICT_TARGET
        ),
    }
}

/// The objectives' table, as `drillsim check` prints it: objective, estimate, interval,
/// trials, verdict.
pub fn objectives_table(c: &ScenarioCheck) -> Block {
    let rows = c
        .results
        .iter()
        .map(|r| {
            vec![
                r.objective.text.clone(),
                results::value(r.estimate, r.objective.is_share()),
                results::interval_text(r),
                r.trials.to_string(),
                r.verdict.as_str().to_string(),
            ]
        })
        .collect();
    let ci = format!("{}% interval", 100.0 * verdict::CONFIDENCE);
    Block::Table {
        head: heads(&["objective", "estimate", &ci, "trials", "verdict"]),
        rows,
        numeric: vec![false, true, false, true, false],
    }
}

fn objectives_verdict(c: &ScenarioCheck) -> (Tone, String) {
    let (missed, uncertain) = verdict::counts(c);
    let n = c.results.len();
    let names = |v: Verdict| {
        c.results
            .iter()
            .filter(|r| r.verdict == v)
            .map(|r| {
                format!(
                    "`{}` (estimate {})",
                    r.objective.text,
                    results::value(r.estimate, r.objective.is_share())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if missed > 0 {
        let also = if uncertain > 0 {
            format!("; {uncertain} not certain")
        } else {
            String::new()
        };
        (
            Tone::Bad,
            format!("The plan misses {missed} of its {n} objectives: {}{also}.", names(Verdict::Missed)),
        )
    } else if uncertain > 0 {
        (
            Tone::Warn,
            format!(
                "No objective is missed, but {uncertain} of {n} are not certain after {} trials: {}.",
                c.trials,
                names(Verdict::NotCertain)
            ),
        )
    } else {
        (
            Tone::Good,
            format!("The plan meets all {n} of its objectives, each with its whole interval on the promised side."),
        )
    }
}

/// The verdict by the RTO rule: every business service back within its RTO in at least
/// [`VERDICT_TARGET`] of trials.
pub fn rto_verdict(ctx: &Context<'_>) -> (Tone, String) {
    let (sc, sum) = (ctx.sc, ctx.sum);
    let r = &sum.recovery;
    let typical = format!(
        "recovery takes {} at the median and {} or less in 95% of trials",
        human(r.quantile(0.5)),
        human(r.quantile(0.95))
    );
    if sc.services.is_empty() {
        return (
            Tone::Info,
            format!(
                "No RTO to judge against: this scenario models no business services, so recovery is measured at the finish of the plan's final step; {typical}."
            ),
        );
    }
    let with: Vec<(usize, f64)> = sc
        .services
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.rto.map(|rto| (i, rto)))
        .collect();
    if with.is_empty() {
        return (Tone::Info, format!("No RTO is set for any business service; {typical}."));
    }
    let (worst, rto) = with
        .iter()
        .copied()
        .min_by(|a, b| sum.rto_met_share(a.0).total_cmp(&sum.rto_met_share(b.0)).then(a.0.cmp(&b.0)))
        .unwrap_or(with[0]);
    let share = sum.rto_met_share(worst);
    let name = &sc.services[worst].name;
    let target = pct(VERDICT_TARGET);
    if share >= VERDICT_TARGET {
        (
            Tone::Good,
            format!(
                "The plan meets its RTOs: every business service is back within its RTO in at least {target} of trials (lowest: {name}, {} within {}).",
                pct(share),
                human(rto)
            ),
        )
    } else {
        let missing = with.iter().filter(|(i, _)| sum.rto_met_share(*i) < VERDICT_TARGET).count();
        let others = if missing > 1 {
            format!(" {} of {} services with an RTO fall short of {target}.", missing, with.len())
        } else {
            String::new()
        };
        let tone = if share >= 0.5 { Tone::Warn } else { Tone::Bad };
        let lead = if tone == Tone::Warn {
            "The plan is at risk"
        } else {
            "The plan misses its RTO"
        };
        (
            tone,
            format!(
                "{lead}: {name} is back within its RTO of {} in only {} of trials (the target is {target}); its p95 downtime is {}.{others}",
                human(rto),
                pct(share),
                human(sum.downtime[worst].quantile(0.95))
            ),
        )
    }
}

/// Where the plan loses time and what would help most, as short sentences.
fn findings(ctx: &Context<'_>) -> Vec<String> {
    let (sc, sum) = (ctx.sc, ctx.sum);
    let r = &sum.recovery;
    let mut out = vec![format!(
        "Recovery time over {} trials: p50 {}, p95 {}, p99 {} (mean {}).",
        sum.trials,
        human(r.quantile(0.5)),
        human(r.quantile(0.95)),
        human(r.quantile(0.99)),
        human(r.mean())
    )];
    for (i, s) in sc.services.iter().enumerate() {
        if let Some(rto) = s.rto {
            out.push(format!(
                "{}: back within its RTO of {} in {} of trials (p95 downtime {}).",
                s.name,
                human(rto),
                pct(sum.rto_met_share(i)),
                human(sum.downtime[i].quantile(0.95))
            ));
        }
    }
    let top: Vec<String> = sum
        .steps_by_criticality()
        .iter()
        .take(3)
        .map(|&i| format!("{} ({})", sc.steps[i].id, pct(sum.criticality(i))))
        .collect();
    if !top.is_empty() {
        out.push(format!("Steps most often on the critical path: {}.", top.join(", ")));
    }
    if let Some((t, team)) = sc
        .teams
        .iter()
        .enumerate()
        .max_by(|a, b| sum.utilization(a.0).total_cmp(&sum.utilization(b.0)).then(b.0.cmp(&a.0)))
    {
        out.push(format!(
            "Busiest team: {} ({} of its capacity of {} from acknowledgement to close).",
            team.name,
            pct(sum.utilization(t)),
            team.capacity
        ));
    }
    if let Some(s) = ctx.sensitivity {
        out.push(fix_first(ctx, s));
    }
    out
}

/// The measure "fix first" ranks levers by: the verdict's own.
enum FixMeasure {
    /// The objective (by index) that is missed, or else closest to failing.
    Objective(usize),
    /// The share of trials in which this business service (the weakest) is back within its RTO.
    Rto(usize),
    /// p95 recovery (nothing else to judge against).
    P95,
}

fn fix_measure(ctx: &Context<'_>) -> FixMeasure {
    if let Some(c) = ctx.check {
        // Relative margin: how far the estimate sits on the promised side of the threshold.
        let margin = |r: &crate::check::ObjectiveResult| {
            let o = &r.objective;
            let m = match o.bound {
                Bound::AtMost => o.threshold - r.estimate,
                Bound::AtLeast => r.estimate - o.threshold,
            };
            m / o.threshold.abs().max(1e-9)
        };
        let pick = c
            .results
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (a.1.verdict != Verdict::Missed)
                    .cmp(&(b.1.verdict != Verdict::Missed))
                    .then(margin(a.1).total_cmp(&margin(b.1)))
                    .then(a.0.cmp(&b.0))
            })
            .map(|(i, _)| i);
        if let Some(i) = pick {
            return FixMeasure::Objective(i);
        }
    }
    let sum = ctx.sum;
    ctx.sc
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.rto.is_some())
        .min_by(|a, b| sum.rto_met_share(a.0).total_cmp(&sum.rto_met_share(b.0)).then(a.0.cmp(&b.0)))
        .map(|(i, _)| FixMeasure::Rto(i))
        .unwrap_or(FixMeasure::P95)
}

fn fix_first(ctx: &Context<'_>, s: &Sensitivity) -> String {
    let measure = fix_measure(ctx);
    // Gain on the measure (positive: better), and how it is printed.
    let gain = |l: &sensitivity::Lever| -> f64 {
        match measure {
            FixMeasure::Objective(i) => {
                let d = l.figures.objectives[i] - s.base.objectives[i];
                match ctx.sc.objectives[i].bound {
                    Bound::AtMost => -d,
                    Bound::AtLeast => d,
                }
            }
            FixMeasure::Rto(i) => l.figures.rto_met[i] - s.base.rto_met[i],
            FixMeasure::P95 => -l.delta_p95,
        }
    };
    let share = match measure {
        FixMeasure::Objective(i) => ctx.sc.objectives[i].is_share(),
        FixMeasure::Rto(_) => true,
        FixMeasure::P95 => false,
    };
    let min_gain = if share { 0.001 } else { 1.0 };
    let mut ranked: Vec<&sensitivity::Lever> = s.levers.iter().filter(|l| gain(l) >= min_gain).collect();
    // Stable: equal gains keep the analysis's order (by p95, then mean).
    ranked.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
    let helpful: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|l| {
            let g = gain(l);
            let fig = if share {
                format!("{:+.1} points", 100.0 * g)
            } else {
                format!("{:+.1} min", -g)
            };
            format!("{} ({fig})", l.label)
        })
        .collect();
    let by = match measure {
        FixMeasure::Objective(i) => format!("by effect on the objective closest to failing, `{}`", ctx.sc.objectives[i].text),
        FixMeasure::Rto(i) => format!(
            "by effect on the share of trials {} is back within its RTO",
            ctx.sc.services[i].name
        ),
        FixMeasure::P95 => "by effect on p95 recovery".into(),
    };
    if helpful.is_empty() {
        format!(
            "Fix first ({by}): no single lever tried (a step 20% faster, one more person in a team, detection or acknowledgement 20% faster, escalation timeouts 20% shorter) improves it noticeably."
        )
    } else {
        format!("Fix first, {by}: {}.", helpful.join("; "))
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
    let (tone, text) = verdict(ctx);
    b.push(Block::Verdict {
        tone,
        word: verdict_word(ctx, tone).into(),
        text,
    });
    b.push(Block::Para(verdict_rule(ctx)));
    if let Some(c) = ctx.check {
        b.push(objectives_table(c));
    }
    b.push(Block::List(findings(ctx)));
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
            pct(sum.recovery.zero_share())
        )));
    }
    if sum.not_recovered > 0 {
        b.push(Block::Para(format!(
            "In {} of trials the exercise had not recovered within the horizon ({}): those trials count as the horizon, and a quantile among them reads \"not recovered\".",
            pct(sum.not_recovered_share()),
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

fn heads(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
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
                if s.rto.is_some() { pct(sum.rto_met_share(i)) } else { "-".into() },
                pct(d.zero_share()),
                human(d.mean()),
                human(d.quantile(0.95)),
                human(sum.longest_outage[i].quantile(0.95)),
                restored(0.5),
                restored(0.95),
                pct(sum.not_restored_share(i)),
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
                    if s.rpo.is_some() { pct(sum.rpo_met_share(i)) } else { "-".into() },
                    pct(d.zero_share()),
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
            pct(1.0 - sum.leaked.zero_share()),
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
        .map(|(i, l)| vec![l.clone(), pct(sum.level_share(i))])
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
                pct(sum.criticality(i)),
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
        pct(v)
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
