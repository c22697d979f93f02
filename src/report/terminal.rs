//! The terminal summary.

use std::fmt::Write as _;

use super::json::Timing;
use crate::model::Scenario;
use crate::stats::{Sketch, Summary};
use crate::text::printable;

/// A statistic in minutes, or "not recovered" where it falls at the horizon (a trial that
/// did not recover counts as the horizon).
fn minutes(x: f64, horizon: Option<f64>) -> String {
    match horizon {
        Some(h) if x >= h => "not recovered".into(),
        _ => format!("{x:.1}"),
    }
}

fn row(out: &mut String, label: &str, s: &Sketch, horizon: Option<f64>) {
    let cells: Vec<String> = [
        s.mean(),
        s.quantile(0.5),
        s.quantile(0.9),
        s.quantile(0.95),
        s.quantile(0.99),
        s.min(),
        s.max(),
    ]
    .iter()
    .map(|&x| format!(" {:>8}", minutes(x, horizon)))
    .collect();
    let _ = writeln!(out, "  {label:<20}{}", cells.concat());
}

/// A few dozen lines a person reads at the end of a run. Names from the scenario are shown
/// with control characters escaped, so nothing in a file can drive the terminal.
pub fn summary(sc: &Scenario, seed: u64, sum: &Summary, timing: Option<&Timing>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "drillsim {}: {}", env!("CARGO_PKG_VERSION"), printable(&sc.name));
    if !sc.description.is_empty() {
        let _ = writeln!(out, "  {}", printable(&sc.description));
    }
    let _ = writeln!(out, "  trials {}   seed {seed}", sum.trials);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<20} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "minutes", "mean", "p50", "p90", "p95", "p99", "min", "max"
    );
    let h = Some(sc.horizon);
    row(&mut out, "recovery time", &sum.recovery, h);
    row(&mut out, "time to detect", &sum.detect, None);
    row(&mut out, "time to acknowledge", &sum.ack, None);
    row(&mut out, "time to close", &sum.close, None);
    if sum.not_recovered > 0 {
        let _ = writeln!(
            out,
            "  not recovered within the horizon ({}): {:.1}% of trials (counted as the horizon)",
            crate::text::human(sc.horizon),
            100.0 * sum.not_recovered_share()
        );
    }
    if sum.clamped_draws > 0 {
        let _ = writeln!(
            out,
            "  note: {} draw(s) in {} trial(s) were longer than ten years and count as ten years; check the distributions' parameters",
            sum.clamped_draws, sum.clamped_trials
        );
    }
    services(&mut out, sc, sum);
    stores(&mut out, sc, sum);
    let _ = writeln!(out);
    steps_and_teams(&mut out, sc, sum);
    if let Some(t) = timing {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:.2} s on {} thread(s), {:.0} trials/s",
            t.elapsed_seconds,
            t.threads,
            if t.elapsed_seconds > 0.0 {
                sum.trials as f64 / t.elapsed_seconds
            } else {
                0.0
            }
        );
    }
    out
}

/// Per business service: minutes actually down, the longest outage, the time until up for
/// good, and the share that met its RTO.
fn services(out: &mut String, sc: &Scenario, sum: &Summary) {
    if sc.services.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<20} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  RTO met",
        "services (minutes)", "down", "down", "longest", "restored", "restored", "RTO"
    );
    let _ = writeln!(
        out,
        "  {:<20} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "", "mean", "p95", "p95", "p50", "p95", ""
    );
    let h = Some(sc.horizon);
    for (i, svc) in sc.services.iter().enumerate() {
        let rto = svc.rto.map_or("-".to_string(), |r| format!("{r:.0}"));
        let met = if svc.rto.is_some() {
            format!("{:.1}% of trials", 100.0 * sum.rto_met_share(i))
        } else {
            "-".into()
        };
        let _ = writeln!(
            out,
            "  {:<20} {:>8.1} {:>8.1} {:>8.1} {:>8} {:>8} {:>8}  {met}",
            printable(&svc.name),
            sum.downtime[i].mean(),
            sum.downtime[i].quantile(0.95),
            sum.longest_outage[i].quantile(0.95),
            minutes(sum.restored[i].quantile(0.5), h),
            minutes(sum.restored[i].quantile(0.95), h),
            rto
        );
        if sum.not_restored[i] > 0 {
            let _ = writeln!(
                out,
                "    not back within the horizon in {:.1}% of trials",
                100.0 * sum.not_restored_share(i)
            );
        }
    }
    let _ = writeln!(
        out,
        "  no business service went down in {:.1}% of trials",
        100.0 * sum.recovery.zero_share()
    );
    let _ = writeln!(
        out,
        "  down: minutes actually unavailable; longest: longest outage; restored: fault until up for good"
    );
}

/// Data lost per store, data leaked, and the severity levels reached.
fn stores(out: &mut String, sc: &Scenario, sum: &Summary) {
    if !sc.stores.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:<20} {:>8} {:>8} {:>8} {:>8} {:>8}  RPO met",
            "data lost (minutes)", "mean", "p50", "p95", "p99", "RPO"
        );
        for (i, st) in sc.stores.iter().enumerate() {
            let d = &sum.data_lost[i];
            let (rpo, met) = match st.rpo {
                Some(r) => (format!("{r:.0}"), format!("{:.1}% of trials", 100.0 * sum.rpo_met_share(i))),
                None => ("-".into(), "-".into()),
            };
            let _ = writeln!(
                out,
                "  {:<20} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8}  {met}",
                printable(&st.name),
                d.mean(),
                d.quantile(0.5),
                d.quantile(0.95),
                d.quantile(0.99),
                rpo
            );
        }
    }
    if sum.leaked.count() > 0 && sum.leaked.max() > 0.0 {
        let unit = sc.topology.leak_unit().map(|u| format!(" {}", printable(&u))).unwrap_or_default();
        let _ = writeln!(
            out,
            "  data leaked: mean {:.1}{unit}, p95 {:.1}{unit}",
            sum.leaked.mean(),
            sum.leaked.quantile(0.95)
        );
    }
    if !sc.levels.is_empty() {
        let shares: Vec<String> = sc
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{} {:.1}%", printable(l), 100.0 * sum.level_share(i)))
            .collect();
        let _ = writeln!(out, "  highest level reached: {}", shares.join(", "));
    }
}

/// The steps most often on the critical path, and every team's utilization.
fn steps_and_teams(out: &mut String, sc: &Scenario, sum: &Summary) {
    let _ = writeln!(out, "  steps most often on the critical path:");
    for &i in sum.steps_by_criticality().iter().take(5) {
        let s = &sc.steps[i];
        let _ = writeln!(
            out,
            "    {:<24} {:>5.1}%  (team {})",
            printable(&s.id),
            100.0 * sum.criticality(i),
            printable(&sc.teams[s.team].name)
        );
    }
    let _ = writeln!(out, "  team utilization (busy share of capacity, acknowledgement to close):");
    for (i, t) in sc.teams.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {:<24} {:>5.1}%  (capacity {})",
            printable(&t.name),
            100.0 * sum.utilization(i),
            t.capacity
        );
    }
}
