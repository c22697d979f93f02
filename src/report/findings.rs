//! Where the plan loses time and what would help most: the findings under the verdict, and
//! "fix first", which ranks the sensitivity analysis's levers by the verdict's own measure.

use super::full::Context;
use crate::check::Verdict;
use crate::model::objective::Bound;
use crate::sensitivity::{self, Sensitivity};
use crate::text::{human, share_pct};

/// Where the plan loses time and what would help most, as short sentences.
pub fn findings(ctx: &Context<'_>) -> Vec<String> {
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
                share_pct(sum.rto_met_share(i)),
                human(sum.downtime[i].quantile(0.95))
            ));
        }
    }
    let top: Vec<String> = sum
        .steps_by_criticality()
        .iter()
        .take(3)
        .map(|&i| format!("{} ({})", sc.steps[i].id, share_pct(sum.criticality(i))))
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
            share_pct(sum.utilization(t)),
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
