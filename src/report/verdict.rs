//! Which rule the report's verdict follows, and the objectives it judges.
//!
//! One verdict everywhere: a scenario with `[expect]` objectives is judged in its report by
//! [`check::check_scenario`] itself, with the options `drillsim check` uses when given no flags
//! (the file's trials as the first look, else 10,000; at most 1,000,000 trials; 95%
//! confidence over all looks) and the run's seed, so the report prints the very estimates,
//! intervals and verdicts that `drillsim check` prints. Only a scenario without objectives
//! falls back to the report's own rule: every business service back within its RTO in at
//! least [`VERDICT_TARGET`] of trials.

use super::doc::{Block, Tone, heads};
use super::full::{Context, VERDICT_TARGET};
use crate::check::results;
use crate::check::{self, CheckOptions, DEFAULT_MAX_TRIALS, DEFAULT_START_TRIALS, ScenarioCheck, Verdict};
use crate::model::Scenario;
use crate::text::{human, share_pct};

/// Confidence level of the report's objective intervals (`drillsim check`'s default).
pub const CONFIDENCE: f64 = 0.95;

/// The options `drillsim check` uses for `sc` when given no flags.
pub fn check_options(sc: &Scenario) -> CheckOptions {
    CheckOptions {
        start_trials: sc.trials.unwrap_or(DEFAULT_START_TRIALS).min(DEFAULT_MAX_TRIALS),
        max_trials: DEFAULT_MAX_TRIALS,
        confidence: CONFIDENCE,
    }
}

/// The scenario's objectives judged as `drillsim check` judges them with `seed` (on the
/// current rayon pool); `None` when it states none (the report then uses the RTO rule).
pub fn judge(sc: &Scenario, seed: u64) -> Option<ScenarioCheck> {
    (!sc.objectives.is_empty()).then(|| check::check_scenario(sc, seed, &check_options(sc)))
}

/// Objectives missed and not certain, in that order of counts.
pub fn counts(c: &ScenarioCheck) -> (usize, usize) {
    let n = |v: Verdict| c.results.iter().filter(|r| r.verdict == v).count();
    (n(Verdict::Missed), n(Verdict::NotCertain))
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
            100.0 * CONFIDENCE,
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
    let ci = format!("{}% interval", 100.0 * CONFIDENCE);
    Block::Table {
        head: heads(&["objective", "estimate", &ci, "trials", "verdict"]),
        rows,
        numeric: vec![false, true, false, true, false],
    }
}

fn objectives_verdict(c: &ScenarioCheck) -> (Tone, String) {
    let (missed, uncertain) = counts(c);
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
    let target = share_pct(VERDICT_TARGET);
    if share >= VERDICT_TARGET {
        (
            Tone::Good,
            format!(
                "The plan meets its RTOs: every business service is back within its RTO in at least {target} of trials (lowest: {name}, {} within {}).",
                share_pct(share),
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
                share_pct(share),
                human(sum.downtime[worst].quantile(0.95))
            ),
        )
    }
}
