//! The pull-request comment `compare` writes (`summary.md`): the verdict and what changed
//! first, everything else folded into `<details>`, and the whole kept well under a comment's
//! size limit however many exercises a plan set has.
//!
//! Why this shape: a reviewer reads the first screen only. A table of every statistic of every
//! exercise (13 rows for one seed-plan exercise, so 650 rows for 50) buries the one row that
//! matters and outgrows GitHub's 65,536-character comment limit. So the head holds the
//! counts and only the statistics that changed beyond their tolerance; the folded parts hold
//! each changed exercise's full table, one line per unchanged exercise, and how the trials
//! were paired. The folded parts are filled up to [`BUDGET`] bytes in all and say what they
//! left out (`compare.json` has every figure).

use std::fmt::Write as _;

use super::Change;
use super::summary::{Entry, Report, change_text, interval_text, md_escape, value};
use super::{Comparison, Row};

/// The most bytes a comment takes (GitHub refuses comments over 65,536 characters; this leaves
/// room for a CI job's own header and footer).
pub const BUDGET: usize = 40_000;

/// The most changed statistics listed at the head; the rest are in the folded tables.
pub const HEAD_ROWS: usize = 30;

/// The comment for a whole compare run.
pub fn render(r: &Report) -> String {
    let compared: Vec<(&str, &Comparison)> = r
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Compared { name, comparison } => Some((name.as_str(), &**comparison)),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    head(&mut out, r, &compared);
    changed_rows(&mut out, &compared);
    listed(&mut out, r);

    let changed: Vec<&(&str, &Comparison)> = compared.iter().filter(|(_, c)| c.verdict != Change::NoSignificantChange).collect();
    let unchanged: Vec<&(&str, &Comparison)> = compared.iter().filter(|(_, c)| c.verdict == Change::NoSignificantChange).collect();
    // The short folds are written first so that the long one cannot crowd them out.
    let mut tail = String::new();
    if !unchanged.is_empty() {
        let mut lines = vec![
            "| exercise | recovery p95, base | candidate | statistics compared |".to_string(),
            "|---|--:|--:|--:|".to_string(),
        ];
        for (name, c) in &unchanged {
            let p95 = c.rows.iter().find(|row| row.label == "recovery p95");
            let (b, k) = p95.map_or(("-".into(), "-".into()), |row| {
                (value(row.base, false), value(row.candidate, false))
            });
            lines.push(format!("| {} | {b} | {k} | {} |", md_escape(name), c.rows.len()));
        }
        let title = format!("{} without a significant change", capital(&exercises(unchanged.len())));
        folded(&mut tail, &title, &lines, 2, BUDGET / 4);
    }
    if let Some((_, c)) = compared.first() {
        let o = &c.options;
        let text = format!(
            "Each candidate trial is paired with the base trial of the same index (same seed, same named random streams): seed {}, {} paired trials per exercise; {}% paired-bootstrap intervals ({} resamples), simultaneous over each exercise's statistics; changes within max({} min, {}%) of the base do not count.",
            o.seed,
            o.trials,
            100.0 * o.confidence,
            o.resamples,
            o.tolerance_minutes,
            o.tolerance_percent
        );
        folded(&mut tail, "How the trials were paired", &[text], 0, BUDGET / 8);
    }
    if !changed.is_empty() {
        let mut lines = vec![header_row(changed[0].1), "|---|---|--:|--:|--:|--:|---|".to_string()];
        for (name, c) in &changed {
            lines.extend(c.rows.iter().map(|row| row_line(name, row)));
        }
        let title = format!("Every statistic of the {} that changed", exercises(changed.len()));
        let room = BUDGET.saturating_sub(out.len() + tail.len());
        folded(&mut out, &title, &lines, 2, room);
    }
    out.push_str(&tail);
    // Names come from file names, which may hold control characters: none reach the page.
    crate::text::terminal_lines(&out)
}

fn exercises(n: usize) -> String {
    if n == 1 { "1 exercise".into() } else { format!("{n} exercises") }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The verdict and the counts, in one sentence.
fn head(out: &mut String, r: &Report, compared: &[(&str, &Comparison)]) {
    let _ = writeln!(out, "### drillsim compare: **{}**\n", r.overall().as_str());
    let count = |v: Change| compared.iter().filter(|(_, c)| c.verdict == v).count();
    let (worse, better) = (count(Change::Worse), count(Change::Better));
    let mut parts = vec![
        if worse > 0 {
            format!("**{worse} worse**")
        } else {
            "0 worse".into()
        },
        format!("{better} better"),
        format!("{} without a significant change", count(Change::NoSignificantChange)),
    ];
    let others = [
        (r.entries.iter().filter(|e| matches!(e, Entry::Bad { .. })).count(), "with an error"),
        (r.entries.iter().filter(|e| matches!(e, Entry::OnlyCandidate { .. })).count(), "new"),
        (r.entries.iter().filter(|e| matches!(e, Entry::OnlyBase { .. })).count(), "removed"),
        (
            r.entries.iter().filter(|e| matches!(e, Entry::BaseInvalid { .. })).count(),
            "with an invalid base",
        ),
    ];
    parts.extend(others.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")));
    let _ = writeln!(
        out,
        "{} of {}. Base `{}`, candidate `{}`.\n",
        parts.join(", "),
        exercises(r.entries.len()),
        md_escape(&r.base),
        md_escape(&r.candidate)
    );
}

fn header_row(c: &Comparison) -> String {
    format!(
        "| exercise | statistic | base | candidate | change | {}% interval | verdict |",
        100.0 * c.options.confidence
    )
}

fn row_line(name: &str, row: &Row) -> String {
    let v = match row.verdict {
        Change::NoSignificantChange => row.verdict.as_str().to_string(),
        v => format!("**{}**", v.as_str()),
    };
    format!(
        "| {} | {} | {} | {} | {} | {} | {v} |",
        md_escape(name),
        md_escape(&row.label),
        value(row.base, row.share),
        value(row.candidate, row.share),
        change_text(row),
        interval_text(row),
    )
}

/// What changed: the statistics beyond their tolerance, worse ones first.
fn changed_rows(out: &mut String, compared: &[(&str, &Comparison)]) {
    let mut rows: Vec<(&str, &Comparison, &Row)> = compared
        .iter()
        .flat_map(|(name, c)| c.rows.iter().map(move |row| (*name, *c, row)))
        .filter(|(_, _, row)| row.verdict != Change::NoSignificantChange)
        .collect();
    if compared.is_empty() {
        return;
    }
    if rows.is_empty() {
        let _ = writeln!(out, "No statistic changed beyond its tolerance.\n");
        return;
    }
    rows.sort_by_key(|(_, _, row)| row.verdict != Change::Worse); // stable: worse first
    let _ = writeln!(out, "{}", header_row(rows[0].1));
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|---|");
    for (name, _, row) in rows.iter().take(HEAD_ROWS) {
        let _ = writeln!(out, "{}", row_line(name, row));
    }
    if rows.len() > HEAD_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more changed statistics, in the folded table below and in `compare.json`.",
            rows.len() - HEAD_ROWS
        );
    }
    let _ = writeln!(out);
}

/// Errors, new and removed exercises, and the comparisons' notes: one line each.
fn listed(out: &mut String, r: &Report) {
    let mut any = false;
    for e in &r.entries {
        let line = match e {
            Entry::Bad { name, error } => vec![format!("- `{}`: **error**: {}", md_escape(name), md_escape(error))],
            Entry::OnlyBase { name } => vec![format!("- `{}`: removed in the candidate; not compared", md_escape(name))],
            Entry::BaseInvalid { name, error } => vec![format!(
                "- `{}`: the base is not a valid scenario; not compared: {}",
                md_escape(name),
                md_escape(error)
            )],
            Entry::OnlyCandidate { name } => vec![format!("- `{}`: new in the candidate; not compared", md_escape(name))],
            Entry::Compared { name, comparison } => comparison
                .notes
                .iter()
                .map(|n| format!("- `{}`: {}", md_escape(name), md_escape(n)))
                .collect(),
        };
        for l in line {
            let _ = writeln!(out, "{l}");
            any = true;
        }
    }
    if any {
        let _ = writeln!(out);
    }
}

/// A `<details>` block of `lines` taking at most about `room` bytes, cut with a note where
/// they do not fit; the first `keep` lines (a table's header) always go in.
fn folded(out: &mut String, title: &str, lines: &[String], keep: usize, room: usize) {
    const CLOSE: &str = "\n</details>\n\n";
    let open = format!("<details><summary>{title}</summary>\n\n");
    let room = room.saturating_sub(open.len() + CLOSE.len() + 120);
    let mut body = String::new();
    let mut shown = 0;
    for (i, l) in lines.iter().enumerate() {
        if i >= keep && body.len() + l.len() + 1 > room {
            break;
        }
        body.push_str(l);
        body.push('\n');
        shown = i + 1;
    }
    if shown <= keep && lines.len() > keep {
        let _ = writeln!(
            out,
            "{title}: left out to keep this comment short; every figure is in `compare.json`.\n"
        );
        return;
    }
    out.push_str(&open);
    out.push_str(&body);
    if shown < lines.len() {
        let _ = writeln!(
            out,
            "\n… {} more rows left out to keep this comment short; every figure is in `compare.json`.",
            lines.len() - shown
        );
    }
    out.push_str(CLOSE);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{CompareOptions, compare};
    use std::path::Path;

    const PLAN: &str = r#"
[detection]
delay = { dist = "exponential", mean = "10m" }
page = "ops"
[teams.ops]
capacity = 1
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 1.0
ack_delay = "5m"
timeout = "15m"
[[step]]
id = "fix"
team = "ops"
duration = { dist = "lognormal", median = "MEDIAN", sigma = 0.3 }
"#;

    fn comparison(base: &str, cand: &str) -> Comparison {
        let load = |m: &str| crate::scenario::load_str(Path::new("x.toml"), &PLAN.replace("MEDIAN", m)).unwrap();
        let opt = CompareOptions {
            trials: 400,
            resamples: 200,
            ..CompareOptions::new(1)
        };
        compare(&load(base), &load(cand), &opt)
    }

    fn report(n: usize, worse: &[usize]) -> Report {
        let same = comparison("30m", "30m");
        let slower = comparison("30m", "45m");
        assert_eq!((same.verdict, slower.verdict), (Change::NoSignificantChange, Change::Worse));
        let entries = (0..n)
            .map(|i| Entry::Compared {
                name: format!("plan{}/exercise-{i:02}.toml", i % 3),
                comparison: Box::new(if worse.contains(&i) { slower.clone() } else { same.clone() }),
            })
            .chain([Entry::OnlyCandidate { name: "new.toml".into() }])
            .collect();
        Report {
            base: "origin/main".into(),
            candidate: "scenarios".into(),
            entries,
        }
    }

    #[test]
    fn the_verdict_and_what_changed_come_first_the_rest_is_folded() {
        let md = render(&report(50, &[7]));
        let first_fold = md.find("<details>").unwrap();
        let head = &md[..first_fold];
        assert!(
            head.starts_with(
                "### drillsim compare: **worse**\n\n**1 worse**, 0 better, 49 without a significant change, 1 new of 51 exercises."
            ),
            "{head}"
        );
        // Only the changed statistics are in the head, and the worse ones are bold.
        let rows: Vec<&str> = head.lines().filter(|l| l.starts_with("| plan")).collect();
        assert!(
            !rows.is_empty() && rows.iter().all(|l| l.starts_with("| plan1/exercise-07.toml |")),
            "{head}"
        );
        assert!(rows.iter().any(|l| l.contains("| **worse** |")), "{head}");
        assert!(head.contains("- `new.toml`: new in the candidate; not compared"), "{head}");
        // The folded parts: the changed exercise in full, one line per unchanged one.
        assert!(
            md.contains("<details><summary>Every statistic of the 1 exercise that changed</summary>\n\n| exercise |"),
            "{md}"
        );
        assert!(
            md.contains("<details><summary>49 exercises without a significant change</summary>"),
            "{md}"
        );
        assert_eq!(md.matches("| plan0/exercise-00.toml |").count(), 1, "{md}");
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
        assert!(md.contains("How the trials were paired"));
    }

    #[test]
    fn fifty_exercises_all_worse_stay_well_under_a_comment_limit() {
        let all: Vec<usize> = (0..50).collect();
        for worse in [&all[..], &[3, 9][..], &[][..]] {
            let md = render(&report(50, worse));
            assert!(md.len() <= BUDGET + 400, "{} bytes", md.len());
            assert!(md.len() < 65_536 / 2 + BUDGET / 2, "{} bytes", md.len());
            assert_eq!(md.matches("<details>").count(), md.matches("</details>").count(), "{md}");
            assert!(md.contains("<details><summary>How the trials were paired</summary>"), "{md}");
            assert_eq!(md.contains("without a significant change</summary>"), worse.len() < 50, "{md}");
        }
        let md = render(&report(50, &all));
        let head = &md[..md.find("<details>").unwrap()];
        assert_eq!(head.lines().filter(|l| l.starts_with("| plan")).count(), HEAD_ROWS, "{head}");
        assert!(head.contains("more changed statistics, in the folded table below"), "{head}");
    }

    #[test]
    fn nothing_changed_says_so_in_one_line() {
        let md = render(&report(3, &[]));
        assert!(md.contains("No statistic changed beyond its tolerance.\n"), "{md}");
        assert!(!md.contains("Every statistic of the"), "{md}");
    }

    #[test]
    fn a_huge_fold_is_cut_with_a_pointer_to_the_json() {
        let lines: Vec<String> = (0..10_000).map(|i| format!("| row {i} |")).collect();
        let mut out = String::new();
        folded(&mut out, "Many", &lines, 2, BUDGET);
        assert!(out.len() <= BUDGET, "{}", out.len());
        assert!(out.contains("more rows left out to keep this comment short; every figure is in `compare.json`."));
        assert!(out.ends_with("</details>\n\n"));
    }
}
