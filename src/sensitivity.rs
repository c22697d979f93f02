//! Sensitivity of recovery time to the plan's levers: what moves p95 recovery most.
//!
//! Each lever is one change to the scenario: a step's duration cut by 20% (every draw of its
//! duration multiplied by 0.8, see [`Dist::scaled`](crate::model::Dist::scaled)), one more
//! person in a team (capacity + 1), detection 20% faster (every monitor's delay draw × 0.8), a
//! team acknowledging 20% faster (every level's acknowledgement delay draw × 0.8) or a team's
//! escalation timeouts 20% shorter (every level's timeout × 0.8). Every variant is run with the
//! same seed and the same trial indices as the base, so each trial draws the same random
//! numbers from its named streams (common random numbers): a scaled distribution turns the
//! same random numbers into values 0.8 times as long, so the difference between a variant and
//! the base is the effect of the change, not sampling noise. That is why a few thousand trials
//! per lever are enough where comparing two independent runs would need far more.
//!
//! The cost is bounded: at most [`LEVER_BUDGET`] levers are tried, chosen by criticality (see
//! [`chosen`]), so a plan of 1,000 steps costs a few dozen variants, not a thousand.

use rayon::prelude::*;

use crate::batch::summarize_range;
use crate::model::{Scenario, StepId, TeamId};
use crate::stats::Summary;
use crate::stats::interval;

/// Trials per lever by default (and for the base they are compared with): with common random
/// numbers a lever's effect on p95 is stable to well under a minute at this size, and all
/// levers of ref20 (27) cost about a tenth of a 1,000,000-trial run.
pub const DEFAULT_TRIALS: u64 = 4000;

/// Most levers tried in one analysis (every shipped plan has fewer, so all of theirs are
/// tried); a larger plan's levers are chosen by criticality, see [`chosen`].
pub const LEVER_BUDGET: usize = 32;

/// The analysis runs at most this many times the run's own trials in all (the base and every
/// lever together), so that a report costs a small multiple of its run whatever the plan.
pub const COST_SHARE: u64 = 4;

/// Fewest trials per lever the cost share may leave (a tiny run still gets an analysis).
pub const MIN_TRIALS: u64 = 100;

/// Trials per lever for a run of `run_trials` trials of `sc` when `requested` are asked for:
/// at most the run's trials, and at most [`COST_SHARE`] times the run's trials shared by the
/// base and the levers tried (but not below [`MIN_TRIALS`]).
pub fn trials_per_lever(sc: &Scenario, requested: u64, run_trials: u64) -> u64 {
    let variants = 1 + levers(sc).len().min(LEVER_BUDGET) as u64;
    let share = (COST_SHARE * run_trials.max(1) / variants).max(MIN_TRIALS);
    requested.min(run_trials.max(1)).min(share)
}

/// The factor applied to a step's duration, to monitors' delays, to acknowledgement delays
/// and to escalation timeouts ("20% faster", "20% shorter").
pub const STEP_FACTOR: f64 = 0.8;

/// One change to the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeverKind {
    /// The step's duration multiplied by [`STEP_FACTOR`].
    StepFaster(StepId),
    /// The team's capacity plus one.
    TeamPlusOne(TeamId),
    /// Every monitor's delay multiplied by [`STEP_FACTOR`] (customer reports, the fallback,
    /// are not the plan's to speed up and stay as they are).
    DetectionFaster,
    /// Every acknowledgement delay of the team's escalation levels multiplied by
    /// [`STEP_FACTOR`].
    AckFaster(TeamId),
    /// Every timeout of the team's escalation levels multiplied by [`STEP_FACTOR`].
    EscalationShorter(TeamId),
}

impl LeverKind {
    /// What kind of lever this is, as the tornado's legend names it.
    pub fn group(self) -> &'static str {
        match self {
            LeverKind::StepFaster(_) => "a step 20% faster",
            LeverKind::TeamPlusOne(_) => "one more person in a team",
            LeverKind::DetectionFaster => "detection 20% faster",
            LeverKind::AckFaster(_) => "a team acknowledges 20% faster",
            LeverKind::EscalationShorter(_) => "escalation timeouts 20% shorter",
        }
    }
}

/// Recovery-time figures of one variant (or of the base), in minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Mean recovery time.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Per business service: share of trials back within its RTO.
    pub rto_met: Vec<f64>,
    /// Per `[expect]` objective of the scenario, its point estimate (as `drillsim check`
    /// estimates it), so a lever can be ranked by its effect on the verdict's own measure.
    pub objectives: Vec<f64>,
}

impl Figures {
    /// The figures of a summary of `sc`.
    pub fn of(sc: &Scenario, sum: &Summary) -> Figures {
        Figures {
            mean: sum.recovery.mean(),
            p50: sum.recovery.quantile(0.5),
            p95: sum.recovery.quantile(0.95),
            p99: sum.recovery.quantile(0.99),
            rto_met: (0..sum.rto_met.len()).map(|i| sum.rto_met_share(i)).collect(),
            objectives: sc.objectives.iter().map(|o| interval::estimate(o, sum, 1.0).0).collect(),
        }
    }
}

/// One lever and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Lever {
    /// The change.
    pub kind: LeverKind,
    /// Human label, e.g. `step s3 20% faster`, `team t0 +1 person (1 to 2)`, `detection 20%
    /// faster`, `team t0 acknowledges 20% faster`, `team t0 escalation timeouts 20% shorter`.
    pub label: String,
    /// The variant's figures.
    pub figures: Figures,
    /// Change of p95 recovery against the base (negative: faster).
    pub delta_p95: f64,
    /// Change of mean recovery against the base.
    pub delta_mean: f64,
}

/// The sensitivity analysis of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Seed shared by the base and every variant.
    pub seed: u64,
    /// Trials of the base and of each variant (indices `0..trials`).
    pub trials: u64,
    /// The base's figures over the same trials.
    pub base: Figures,
    /// Levers tried, most helpful first (by p95, then mean, then in the order of [`levers`]).
    pub levers: Vec<Lever>,
    /// Levers the plan has (more than were tried when over [`LEVER_BUDGET`]).
    pub candidates: usize,
    /// Typical uncertainty of a lever's p95 effect, in minutes: half the difference between
    /// the effects measured on the two halves of the trials (root mean square over levers),
    /// which estimates the standard deviation of an effect measured on all of them.
    pub noise_p95: f64,
}

/// Whether team `t` is ever paged: the first responder, or a team a severity level pages.
fn paged(sc: &Scenario, t: TeamId) -> bool {
    t == sc.first_responder || sc.topology.levels.iter().any(|l| l.page.contains(&t))
}

/// Whether shortening team `t`'s escalation timeouts can change anything: some level is
/// reached that may time out (a level that always acknowledges ends the escalation).
fn times_out(sc: &Scenario, t: TeamId) -> bool {
    for lv in &sc.teams[t].escalation.levels {
        if lv.ack >= 1.0 {
            return false;
        }
        if lv.timeout > 0.0 {
            return true;
        }
    }
    false
}

/// Every lever of `sc`: each step 20% faster, each team with one more person, detection 20%
/// faster (when a monitor has a delay), then per team that is paged, its acknowledgement 20%
/// faster (when some level acknowledges after a delay) and its escalation timeouts 20%
/// shorter (when a level may time out). A lever that cannot change a trial is left out.
pub fn levers(sc: &Scenario) -> Vec<LeverKind> {
    let mut out: Vec<LeverKind> = (0..sc.steps.len())
        .map(LeverKind::StepFaster)
        .chain((0..sc.teams.len()).map(LeverKind::TeamPlusOne))
        .collect();
    if sc.detection.monitors.iter().any(|m| m.delay.mean() > 0.0) {
        out.push(LeverKind::DetectionFaster);
    }
    for t in (0..sc.teams.len()).filter(|&t| paged(sc, t)) {
        let esc = &sc.teams[t].escalation;
        if esc.levels.iter().any(|lv| lv.ack > 0.0 && lv.ack_delay.mean() > 0.0) {
            out.push(LeverKind::AckFaster(t));
        }
        if times_out(sc, t) {
            out.push(LeverKind::EscalationShorter(t));
        }
    }
    out
}

/// At most `budget` of `sc`'s levers, those that matter most by the base's criticality: a
/// step scores the trials in which it lay on the critical path; a team's capacity, its
/// acknowledgement and its escalation score as its most critical step; detection and the
/// first responder's acknowledgement and escalation score as every trial (the plan starts
/// only once they are done), so they are always tried. Ties go in the order of [`levers`];
/// the chosen levers keep that order.
pub fn chosen(sc: &Scenario, base: &Summary, budget: usize) -> Vec<LeverKind> {
    let all = levers(sc);
    if all.len() <= budget {
        return all;
    }
    let mut team_score = vec![0u64; sc.teams.len()];
    for (i, s) in sc.steps.iter().enumerate() {
        team_score[s.team] = team_score[s.team].max(base.critical[i]);
    }
    let every = base.trials.max(1);
    let response = |t: TeamId| if t == sc.first_responder { every } else { team_score[t] };
    let score = |k: LeverKind| match k {
        LeverKind::StepFaster(i) => base.critical[i],
        LeverKind::TeamPlusOne(t) => team_score[t],
        LeverKind::DetectionFaster => every,
        LeverKind::AckFaster(t) | LeverKind::EscalationShorter(t) => response(t),
    };
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| score(all[b]).cmp(&score(all[a])).then(a.cmp(&b)));
    order.truncate(budget);
    order.sort_unstable();
    order.into_iter().map(|i| all[i]).collect()
}

/// The scenario with one lever applied.
pub fn apply(sc: &Scenario, lever: LeverKind) -> Scenario {
    let mut v = sc.clone();
    match lever {
        LeverKind::StepFaster(i) => v.steps[i].duration = v.steps[i].duration.scaled(STEP_FACTOR),
        LeverKind::TeamPlusOne(t) => v.teams[t].capacity += 1,
        LeverKind::DetectionFaster => {
            for m in &mut v.detection.monitors {
                m.delay = m.delay.scaled(STEP_FACTOR);
            }
        }
        LeverKind::AckFaster(t) => {
            for lv in &mut v.teams[t].escalation.levels {
                lv.ack_delay = lv.ack_delay.scaled(STEP_FACTOR);
            }
        }
        LeverKind::EscalationShorter(t) => {
            for lv in &mut v.teams[t].escalation.levels {
                lv.timeout *= STEP_FACTOR;
            }
        }
    }
    v
}

/// A lever's label.
pub fn label(sc: &Scenario, lever: LeverKind) -> String {
    match lever {
        LeverKind::StepFaster(i) => format!("step {} 20% faster", sc.steps[i].id),
        LeverKind::TeamPlusOne(t) => {
            let c = sc.teams[t].capacity;
            format!("team {} +1 person ({c} to {})", sc.teams[t].name, c + 1)
        }
        LeverKind::DetectionFaster => "detection 20% faster".into(),
        LeverKind::AckFaster(t) => format!("team {} acknowledges 20% faster", sc.teams[t].name),
        LeverKind::EscalationShorter(t) => format!("team {} escalation timeouts 20% shorter", sc.teams[t].name),
    }
}

/// Run the base and every lever over trials `0..trials` with `seed` (on the current rayon
/// pool). Deterministic: the same inputs give the same result at any thread count.
///
/// Each variant is run as two halves that are then merged (exactly), so the agreement of the
/// halves' effects estimates how much a bar would move with other trials: see
/// [`Sensitivity::noise_p95`].
pub fn analyse(sc: &Scenario, seed: u64, trials: u64) -> Sensitivity {
    let trials = trials.max(2);
    let mid = trials / 2;
    let run = |k: Option<LeverKind>, range: std::ops::Range<u64>| match k {
        None => summarize_range(sc, seed, range, None),
        Some(k) => summarize_range(&apply(sc, k), seed, range, None),
    };
    let (b0, b1) = rayon::join(|| run(None, 0..mid), || run(None, mid..trials));
    let mut base_sum = b0.clone();
    base_sum.merge(&b1);
    let kinds = chosen(sc, &base_sum, LEVER_BUDGET);
    let jobs: Vec<(LeverKind, std::ops::Range<u64>)> = kinds.iter().flat_map(|&k| [(k, 0..mid), (k, mid..trials)]).collect();
    let mut halves: Vec<Summary> = vec![b0, b1];
    halves.extend(jobs.into_par_iter().map(|(k, range)| run(Some(k), range)).collect::<Vec<_>>());
    let whole = |a: &Summary, b: &Summary| {
        let mut s = a.clone();
        s.merge(b);
        s
    };
    let p95 = |s: &Summary| s.recovery.quantile(0.95);
    let base = Figures::of(sc, &base_sum);
    let mut sq = 0.0;
    let mut levers: Vec<Lever> = kinds
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            let (a, b) = (&halves[2 * i + 2], &halves[2 * i + 3]);
            let figures = Figures::of(sc, &whole(a, b));
            let half_gap = 0.5 * ((p95(a) - p95(&halves[0])) - (p95(b) - p95(&halves[1])));
            sq += half_gap * half_gap;
            Lever {
                kind,
                label: label(sc, kind),
                delta_p95: figures.p95 - base.p95,
                delta_mean: figures.mean - base.mean,
                figures,
            }
        })
        .collect();
    // Stable sort: equal effects keep the order of `levers` (steps, teams, then the response).
    levers.sort_by(|a, b| a.delta_p95.total_cmp(&b.delta_p95).then(a.delta_mean.total_cmp(&b.delta_mean)));
    Sensitivity {
        seed,
        trials,
        base,
        noise_p95: if kinds.is_empty() { 0.0 } else { (sq / kinds.len() as f64).sqrt() },
        levers,
        candidates: self::levers(sc).len(),
    }
}
