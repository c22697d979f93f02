//! The revised files: each fitted duration replaced where it is written, everything else as
//! it was.
//!
//! The files are edited with `toml_edit`, which keeps comments, blank lines, key order and
//! spacing; a file with no fitted duration is returned byte for byte. A fitted value becomes
//! `{ dist = "lognormal", median = "41.23m", sigma = 0.312 }` on the same line, followed by a
//! comment saying what it rests on (`# calibrated: 12 drill observations (2 censored), prior
//! weight 8`); a comment already on the line is kept in front of it, and an earlier
//! calibration's note is replaced, not repeated. So a diff of the revision shows exactly the
//! fitted lines.
//!
//! Where a duration is written: a step's `duration` in the `[[step]]` whose `id` it is; a
//! level's `ack_delay` in the n-th `[[teams.<team>.escalation.level]]`; a monitor's `delay` in
//! the `[[monitor]]` of its name, or `[detection] delay` for the one monitor of a scenario
//! without `[[monitor]]`s. Inline tables and arrays of inline tables are found as well.

use std::path::PathBuf;

use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

use super::{Calibration, Estimate, Target};
use crate::model::Scenario;
use crate::scenario::Source;

/// A fitted duration that cannot be written back (the file does not say it where the
/// scenario's rules put it; a bug, since the file was just read).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ReviseError {
    /// The duration's key.
    pub key: String,
    /// What went wrong.
    pub message: String,
}

/// The marker that starts calibration's comment on a line.
const MARK: &str = "calibrated:";

/// The new text of each of `sources` (same order), and which of them changed.
pub fn revise(sources: &[Source], sc: &Scenario, cal: &Calibration) -> Result<Vec<(PathBuf, String, bool)>, ReviseError> {
    let mut docs: Vec<Option<DocumentMut>> = sources.iter().map(|s| s.text.parse::<DocumentMut>().ok()).collect();
    let mut changed = vec![false; sources.len()];
    for est in &cal.estimates {
        let mut done = false;
        for (i, doc) in docs.iter_mut().enumerate() {
            let Some(doc) = doc else { continue };
            if let Some(item) = locate(doc, sc, est.target) {
                set(item, est, cal.options.prior_weight);
                changed[i] = true;
                done = true;
                break;
            }
        }
        if !done {
            return Err(ReviseError {
                key: est.key.clone(),
                message: "not found in the scenario's files".into(),
            });
        }
    }
    Ok(sources
        .iter()
        .zip(docs)
        .zip(changed)
        .map(|((s, d), c)| {
            let text = match d {
                Some(d) if c => d.to_string(),
                _ => s.text.clone(),
            };
            (s.path.clone(), text, c)
        })
        .collect())
}

/// The element of an array of tables (or an array of inline tables) that `pick` chooses.
fn element<'a>(item: &'a mut Item, pick: &dyn Fn(usize, &dyn TableLike) -> bool) -> Option<&'a mut dyn TableLike> {
    match item {
        Item::ArrayOfTables(a) => a
            .iter_mut()
            .enumerate()
            .find(|(i, t)| pick(*i, *t as &dyn TableLike))
            .map(|(_, t)| t as &mut dyn TableLike),
        Item::Value(Value::Array(a)) => a
            .iter_mut()
            .enumerate()
            .filter_map(|(i, v)| v.as_inline_table_mut().map(|t| (i, t)))
            .find(|(i, t)| pick(*i, *t as &dyn TableLike))
            .map(|(_, t)| t as &mut dyn TableLike),
        _ => None,
    }
}

fn named<'n>(key: &'static str, name: &'n str) -> impl Fn(usize, &dyn TableLike) -> bool + 'n {
    move |_, t| t.get(key).and_then(Item::as_str) == Some(name)
}

fn child<'a>(t: &'a mut dyn TableLike, key: &str) -> Option<&'a mut dyn TableLike> {
    t.get_mut(key)?.as_table_like_mut()
}

/// Where `target`'s distribution is written in `doc`, if in this file.
fn locate<'a>(doc: &'a mut DocumentMut, sc: &Scenario, target: Target) -> Option<&'a mut Item> {
    let root: &mut dyn TableLike = doc.as_table_mut();
    match target {
        Target::Step(s) => {
            let id = sc.steps[s].id.as_str();
            element(root.get_mut("step")?, &named("id", id))?.get_mut("duration")
        }
        Target::Ack { team, level } => {
            let teams = child(root, "teams")?;
            let esc = child(child(teams, &sc.teams[team].name)?, "escalation")?;
            element(esc.get_mut("level")?, &|i, _| i == level)?.get_mut("ack_delay")
        }
        Target::Detect(m) => {
            let name = sc.detection.monitors[m].name.as_str();
            if root.contains_key("monitor") {
                return element(root.get_mut("monitor")?, &named("name", name))?.get_mut("delay");
            }
            // A scenario without [[monitor]]s has one monitor, "monitoring", from
            // [detection] delay (which a scenario with monitors may not have).
            if name == "monitoring" {
                return child(root, "detection")?.get_mut("delay");
            }
            None
        }
    }
}

/// The comment after a fitted value: what it rests on.
fn note(est: &Estimate, weight: f64) -> String {
    let n = est.observations();
    let mut s = format!("{MARK} {n} drill observation{}", if n == 1 { "" } else { "s" });
    let mut bounds = Vec::new();
    if est.censored > 0 {
        bounds.push(format!("{} censored", est.censored));
    }
    if est.at_most > 0 {
        bounds.push(format!("{} under {}m", est.at_most, super::observe::RESOLUTION));
    }
    if !bounds.is_empty() {
        s.push_str(&format!(" ({})", bounds.join(", ")));
    }
    match est.prior {
        Some(_) => s.push_str(&format!(", prior weight {}", trim(weight))),
        None if weight > 0.0 => s.push_str(", no prior (the old median is 0)"),
        None => s.push_str(", no prior"),
    }
    s
}

fn trim(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }
}

/// The line's comment with calibration's note: a user's comment kept, an earlier note replaced.
fn suffix(old: &str, ours: &str) -> String {
    let Some(hash) = old.find('#') else {
        return format!("  # {ours}");
    };
    let (space, comment) = old.split_at(hash);
    let text = comment.trim_start_matches('#').trim();
    let user = match text.find(MARK) {
        Some(at) => text[..at].trim_end().trim_end_matches(';').trim_end(),
        None => text,
    };
    let space = if space.is_empty() { "  " } else { space };
    if user.is_empty() {
        format!("{space}# {ours}")
    } else {
        format!("{space}# {user}; {ours}")
    }
}

fn lognormal(est: &Estimate) -> InlineTable {
    let mut t = InlineTable::new();
    t.insert("dist", "lognormal".into());
    t.insert("median", est.median_text().into());
    t.insert("sigma", est.sigma.into());
    t.fmt();
    t
}

/// Write `est` into `item`, keeping the line's place and comment.
fn set(item: &mut Item, est: &Estimate, weight: f64) {
    let ours = note(est, weight);
    match item {
        Item::Value(v) => {
            let prefix = v.decor().prefix().and_then(|p| p.as_str()).unwrap_or(" ").to_string();
            let old = v.decor().suffix().and_then(|p| p.as_str()).unwrap_or("").to_string();
            let mut new = Value::InlineTable(lognormal(est));
            new.decor_mut().set_prefix(prefix);
            new.decor_mut().set_suffix(suffix(&old, &ours));
            *v = new;
        }
        Item::Table(t) => {
            // `[step.duration]` written as a table of its own: its keys are replaced.
            t.clear();
            for (k, v) in lognormal(est).iter() {
                t.insert(k, Item::Value(v.clone()));
            }
            if let Some(Item::Value(v)) = t.get_mut("sigma") {
                v.decor_mut().set_suffix(format!("  # {ours}"));
            }
        }
        other => *other = Item::Value(Value::InlineTable(lognormal(est))),
    }
}

#[cfg(test)]
mod tests {
    use super::suffix;

    #[test]
    fn a_users_comment_is_kept_and_an_old_note_replaced() {
        assert_eq!(suffix("", "calibrated: 3"), "  # calibrated: 3");
        assert_eq!(
            suffix("   # customer complaints", "calibrated: 3"),
            "   # customer complaints; calibrated: 3"
        );
        assert_eq!(
            suffix("   # customer complaints; calibrated: 9 drill observations", "calibrated: 3"),
            "   # customer complaints; calibrated: 3"
        );
        assert_eq!(suffix("  # calibrated: 9", "calibrated: 3"), "  # calibrated: 3");
    }
}
