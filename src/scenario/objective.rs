//! What a plan promises: the `[expect]` section of a scenario, parsed and resolved into
//! [`Objective`]s that `drillsim check` verifies.
//!
//! ```toml
//! [expect]
//! objectives = [
//!   "recovery p95 <= 8h",
//!   "recovery mean <= 6h",
//!   "ack p90 <= 20m",
//!   "services.payment rto_met >= 95%",
//!   "services.payment p99 <= 4h",
//!   "stores.orders data_lost p99 <= 15m",
//! ]
//! ```
//!
//! Each objective is one sentence: a *measure* (`recovery`, `detect`, `ack`, `close`,
//! `services.<name>` for a business service's minutes down, optionally followed by
//! `downtime` (the default), `longest_outage` or `restored` (fault until up for good),
//! `stores.<name>` for a data store's data lost), a *statistic* (`mean`, `median`,
//! `p<percent>` such as `p95` or `p99.9`; for a service `rto_met`, the share of trials that
//! met its RTO; for a store `rpo_met`; for `recovery` or a service `not_recovered`, the share
//! of trials not back within the horizon), a comparison (`<=`, `>=`, `at most`, `at least`)
//! and a threshold (a duration such as `4h` or `15m`; a share such as `95%` or `0.95` for the
//! share statistics). The sentence is also the objective's name in every report.
//!
//! Service and store names are resolved against the scenario's topology
//! ([`Scenario::services`], [`Scenario::stores`]), so a misspelt name is an error at its line
//! and column, like every other mistake in a scenario file.

use toml::Spanned;

use super::Source;
use super::duration::parse_minutes;
use super::raw::RawExpect;
use crate::error::{ScenarioError, ScenarioErrorKind as K, similar};
use crate::model::Scenario;
use crate::model::limits::MAX_OBJECTIVES;
use crate::model::objective::{Bound, Measure, Objective, Statistic};

/// A mistake in one objective: byte range within the sentence, message, help.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveError {
    /// Byte range of the offending words within the sentence.
    pub at: std::ops::Range<usize>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
}

const MEASURES: &str = "recovery, detect, ack, close, services.<name>, stores.<name>";

/// Resolve every `[expect]` section of a scenario's files against the scenario (its services
/// and stores must be known by now). Called once by the scenario builder.
pub(super) fn objectives<'a>(
    sections: impl Iterator<Item = (&'a Source, &'a Spanned<RawExpect>)>,
    sc: &Scenario,
) -> Result<Vec<Objective>, ScenarioError> {
    let mut out: Vec<Objective> = Vec::new();
    for (src, section) in sections {
        if section.get_ref().objectives.is_empty() {
            return Err(src.error(
                K::NoEffect,
                section.span(),
                "[expect] lists no objectives, so nothing would be checked".to_string(),
                Some("write what the plan promises, e.g. objectives = [\"recovery p95 <= 4h\"], or remove [expect]".into()),
            ));
        }
        for sentence in &section.get_ref().objectives {
            if out.len() >= MAX_OBJECTIVES {
                return Err(src.error(
                    K::TooMany,
                    sentence.span(),
                    format!("more than {MAX_OBJECTIVES} objectives"),
                    Some("state the few promises the plan makes".into()),
                ));
            }
            let text = sentence.get_ref();
            let (line, col) = crate::error::line_col(&src.text, sentence.span().start);
            match parse(text, sc) {
                Ok(mut o) => {
                    o.at = format!("{}:{line}:{col}", src.path.display());
                    if let Some(prev) = out.iter().find(|p| p.text == o.text) {
                        return Err(src.error(
                            K::Duplicate,
                            sentence.span(),
                            format!("objective \"{}\" is stated twice", o.text),
                            Some(format!("it is also stated at {}; keep one", prev.at)),
                        ));
                    }
                    out.push(o);
                }
                Err(e) => {
                    let span = inner_span(src, sentence, text, e.at);
                    return Err(src.error(K::Objective, span, e.message, e.help));
                }
            }
        }
    }
    Ok(out)
}

/// The file position of bytes `at` of the sentence: exact when the string is written plainly
/// between quotes (no escapes), else the string's start.
fn inner_span(src: &Source, sentence: &Spanned<String>, text: &str, at: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let span = sentence.span();
    let written = src.text.get(span.clone()).unwrap_or("");
    let plain = written.len() == text.len() + 2 && written.get(1..written.len() - 1) == Some(text);
    if plain {
        span.start + 1 + at.start..span.start + 1 + at.end
    } else {
        span
    }
}

/// Words of a sentence with their byte ranges.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn err(at: std::ops::Range<usize>, message: String, help: Option<String>) -> ObjectiveError {
    ObjectiveError { at, message, help }
}

/// Parse one objective sentence and resolve its names against `sc`. The returned objective's
/// `at` is empty (the caller knows the file position).
pub fn parse(text: &str, sc: &Scenario) -> Result<Objective, ObjectiveError> {
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let whole = lead..lead + trimmed.len();
    if trimmed.is_empty() {
        return Err(err(
            whole,
            "empty objective".into(),
            Some("write e.g. \"recovery p95 <= 4h\"".into()),
        ));
    }
    let (measure, stat, ws) = subject(text, lead, trimmed, sc)?;
    let (si, sw) = ws[0];
    // The comparison.
    let Some(&(oi, ow)) = ws.get(1) else {
        return Err(err(
            si..si + sw.len(),
            format!("objective \"{trimmed}\" has no comparison"),
            Some("add `<= <threshold>` or `>= <threshold>`, e.g. \"recovery p95 <= 4h\"".into()),
        ));
    };
    let (bound, n_op) = match (ow, ws.get(2).map(|w| w.1)) {
        ("<=", _) => (Bound::AtMost, 1),
        (">=", _) => (Bound::AtLeast, 1),
        ("at", Some("most")) => (Bound::AtMost, 2),
        ("at", Some("least")) => (Bound::AtLeast, 2),
        ("<" | ">" | "=" | "==" | "=<" | "=>", _) => {
            return Err(err(
                oi..oi + ow.len(),
                format!("comparison `{ow}` is not supported"),
                Some("write `<=` (at most) or `>=` (at least)".into()),
            ));
        }
        _ => {
            return Err(err(
                oi..oi + ow.len(),
                format!("expected a comparison (`<=` or `>=`) after `{sw}`, found `{ow}`"),
                Some("write e.g. \"recovery p95 <= 4h\"".into()),
            ));
        }
    };
    let Some(&(ti, _)) = ws.get(1 + n_op) else {
        return Err(err(
            oi..oi + ow.len(),
            format!("objective \"{trimmed}\" has no threshold after `{ow}`"),
            Some(threshold_help(stat)),
        ));
    };
    let tend = lead + trimmed.len();
    let ttext = &text[ti..tend];
    let threshold = threshold(ttext, stat).map_err(|(m, h)| err(ti..tend, m, Some(h)))?;
    Ok(Objective {
        text: trimmed.to_string(),
        measure,
        stat,
        bound,
        threshold,
        at: String::new(),
    })
}

/// A sentence's measure, statistic and words from the statistic on.
type Subject<'t> = (Measure, Statistic, Vec<(usize, &'t str)>);

/// The measure and statistic at the start of a sentence, and the words from the statistic on
/// (the statistic's word first).
fn subject<'t>(text: &'t str, lead: usize, trimmed: &str, sc: &Scenario) -> Result<Subject<'t>, ObjectiveError> {
    // The measure: a fixed name, or services.<name> / stores.<name>, where a name may contain
    // spaces (the longest known name that fits wins).
    let (measure, mut rest_at) = measure(text, lead, sc)?;
    let mut ws: Vec<(usize, &str)> = words(&text[rest_at..]).into_iter().map(|(i, w)| (i + rest_at, w)).collect();
    // Optional measure word after a service ("downtime", the default; "longest_outage";
    // "restored") or a store ("data_lost").
    let mut measure = measure;
    if let Some(&(i, w)) = ws.first() {
        let word = match (measure, w.replace('-', "_").as_str()) {
            (Measure::Downtime(s), "downtime") => Some(Measure::Downtime(s)),
            (Measure::Downtime(s), "longest_outage") => Some(Measure::LongestOutage(s)),
            (Measure::Downtime(s), "restored") => Some(Measure::Restored(s)),
            (Measure::DataLost(s), "data_lost") => Some(Measure::DataLost(s)),
            _ => None,
        };
        if let Some(m) = word {
            measure = m;
            ws.remove(0);
            rest_at = i + w.len();
        }
    }
    let Some(&(si, sw)) = ws.first() else {
        return Err(err(
            rest_at..rest_at,
            format!("objective \"{trimmed}\" has no statistic"),
            Some(stat_help(measure)),
        ));
    };
    let stat = stat(sw, si, measure, sc)?;
    Ok((measure, stat, ws))
}

/// A measure and its statistic as an objective names them, without a comparison
/// (`recovery p95`, `services.payment rto_met`, `stores.orders data_lost mean`): what
/// `drillsim sweep --by` ranks variants by. Names are resolved against `sc`.
pub fn parse_measure(text: &str, sc: &Scenario) -> Result<(Measure, Statistic), ObjectiveError> {
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err(
            lead..lead,
            "empty measure".into(),
            Some("write e.g. \"recovery p95\" or \"services.payment rto_met\"".into()),
        ));
    }
    let (measure, stat, ws) = subject(text, lead, trimmed, sc)?;
    if let Some(&(i, w)) = ws.get(1) {
        return Err(err(
            i..lead + trimmed.len(),
            format!("unexpected `{w}` after the statistic"),
            Some("name a measure and a statistic only, e.g. \"recovery p95\"; no comparison or threshold".into()),
        ));
    }
    Ok((measure, stat))
}

/// The measure at the start of the sentence; returns it and the byte offset after it.
fn measure(text: &str, lead: usize, sc: &Scenario) -> Result<(Measure, usize), ObjectiveError> {
    let first_end = text[lead..].find(char::is_whitespace).map(|e| lead + e).unwrap_or(text.len());
    let first = &text[lead..first_end];
    let fixed = match first {
        "recovery" => Some(Measure::Recovery),
        "detect" => Some(Measure::Detect),
        "ack" => Some(Measure::Ack),
        "close" => Some(Measure::Close),
        _ => None,
    };
    if let Some(m) = fixed {
        return Ok((m, first_end));
    }
    for (prefix, what, names) in [
        (
            "services.",
            "service",
            sc.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ),
        ("stores.", "store", sc.stores.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()),
    ] {
        let Some(after) = text[lead..].strip_prefix(prefix) else { continue };
        let name_at = lead + prefix.len();
        // Longest known name followed by whitespace or the end.
        let found = names
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty() && after.starts_with(**n) && after[n.len()..].chars().next().is_none_or(char::is_whitespace))
            .max_by_key(|(_, n)| n.len());
        if let Some((i, n)) = found {
            let m = if what == "service" {
                Measure::Downtime(i)
            } else {
                Measure::DataLost(i)
            };
            return Ok((m, name_at + n.len()));
        }
        let written = &text[name_at..first_end];
        let help = if names.is_empty() {
            format!(
                "this scenario defines no {what}s; {}",
                if what == "service" {
                    "define the business service in the topology first, or use `recovery`"
                } else {
                    "define the data store in the topology first"
                }
            )
        } else if let Some(close) = names.iter().find(|n| similar(n, written)) {
            format!("did you mean \"{prefix}{close}\"?")
        } else if names.len() <= 12 {
            format!("known {what}s: {}", names.join(", "))
        } else {
            format!("{} {what}s are defined; check the spelling", names.len())
        };
        return Err(err(
            name_at..first_end.max(name_at),
            format!("unknown {what} \"{written}\""),
            Some(help),
        ));
    }
    let help = match ["recovery", "detect", "ack", "close"].iter().find(|m| similar(m, first)) {
        Some(m) => format!("did you mean `{m}`? measures: {MEASURES}"),
        None if first.starts_with("service") || first.starts_with("store") => {
            format!("name a service or store after a dot, e.g. `services.payment`; measures: {MEASURES}")
        }
        None => format!("measures: {MEASURES}"),
    };
    Err(err(lead..first_end, format!("unknown measure `{first}`"), Some(help)))
}

fn stat(w: &str, at: usize, measure: Measure, sc: &Scenario) -> Result<Statistic, ObjectiveError> {
    let span = at..at + w.len();
    match w {
        "mean" => return Ok(Statistic::Mean),
        "median" => return Ok(Statistic::Quantile(0.5)),
        "rto_met" | "rto-met" => {
            let Some(i) = measure.service() else {
                return Err(err(
                    span,
                    "`rto_met` is a statistic of a business service".into(),
                    Some("write e.g. \"services.payment rto_met >= 95%\"".into()),
                ));
            };
            if sc.services[i].rto.is_none() {
                return Err(err(
                    span,
                    format!("service \"{}\" has no RTO, so `rto_met` is undefined", sc.services[i].name),
                    Some("give the service an RTO in the topology, or state a downtime quantile instead".into()),
                ));
            }
            return Ok(Statistic::RtoMet);
        }
        "rpo_met" | "rpo-met" => {
            let Measure::DataLost(i) = measure else {
                return Err(err(
                    span,
                    "`rpo_met` is a statistic of a data store".into(),
                    Some("write e.g. \"stores.orders rpo_met >= 95%\"".into()),
                ));
            };
            if sc.stores[i].rpo.is_none() {
                return Err(err(
                    span,
                    format!("store \"{}\" has no RPO, so `rpo_met` is undefined", sc.stores[i].name),
                    Some("give the store an `rpo` in the topology (e.g. rpo = \"15m\"), or state a data_lost quantile instead".into()),
                ));
            }
            return Ok(Statistic::RpoMet);
        }
        "not_recovered" | "not-recovered" => {
            if measure != Measure::Recovery && measure.service().is_none() {
                return Err(err(
                    span,
                    "`not_recovered` is a statistic of `recovery` or of a business service".into(),
                    Some("write e.g. \"recovery not_recovered <= 1%\"".into()),
                ));
            }
            return Ok(Statistic::NotRecovered);
        }
        _ => {}
    }
    if let Some(num) = w.strip_prefix('p')
        && !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        let pct: f64 = num.parse().map_err(|_| {
            err(
                span.clone(),
                format!("`{w}` is not a percentile"),
                Some("write e.g. p50, p95 or p99.9".into()),
            )
        })?;
        if !(pct > 0.0 && pct < 100.0) {
            return Err(err(
                span,
                format!("percentile `{w}` is out of range"),
                Some(
                    "a percentile is above p0 and below p100, e.g. p95 or p99.9; for the extremes no number of trials gives a bound".into(),
                ),
            ));
        }
        return Ok(Statistic::Quantile(pct / 100.0));
    }
    Err(err(span, format!("unknown statistic `{w}`"), Some(stat_help(measure))))
}

fn stat_help(m: Measure) -> String {
    match m {
        Measure::Downtime(_) | Measure::LongestOutage(_) | Measure::Restored(_) => {
            "statistics: mean, median, p<percent> (e.g. p95, p99.9) of the measure (downtime, longest_outage or restored), rto_met (share of trials that met the RTO) or not_recovered (share not back within the horizon)".into()
        }
        Measure::DataLost(_) => "statistics: mean, median, p<percent> (e.g. p95, p99.9) of data_lost, or rpo_met (share of trials within the RPO)".into(),
        Measure::Recovery => "statistics: mean, median, p<percent> (e.g. p95, p99.9), or not_recovered (share of trials not recovered within the horizon)".into(),
        _ => "statistics: mean, median, p<percent> (e.g. p95, p99.9)".into(),
    }
}

fn threshold_help(stat: Statistic) -> String {
    match stat {
        s if s.is_share() => "a share such as 95% or 0.95".into(),
        _ => "a duration such as 4h, 15m or 1h30m".into(),
    }
}

fn threshold(t: &str, stat: Statistic) -> Result<f64, (String, String)> {
    if stat.is_share() {
        let (num, pct) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (t, false),
        };
        let x: f64 = num.parse().map_err(|_| (format!("`{t}` is not a share"), threshold_help(stat)))?;
        let share = if pct { x / 100.0 } else { x };
        if !pct && x > 1.0 {
            return Err((
                format!("share `{t}` is above 1"),
                format!("write {t}% for a percentage, or a fraction such as 0.95"),
            ));
        }
        if !(0.0..=1.0).contains(&share) || !share.is_finite() {
            return Err((format!("share `{t}` is out of range"), "a share is from 0% to 100%".into()));
        }
        return Ok(share);
    }
    if t.ends_with('%') {
        return Err((format!("`{t}` is a share, but this statistic is a duration"), threshold_help(stat)));
    }
    parse_minutes(t).map_err(|m| (format!("bad threshold: {m}"), threshold_help(stat)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc() -> Scenario {
        let text = "[detection]\ndelay = \"1m\"\npage = \"ops\"\n[teams.ops]\ncapacity = 1\n[teams.ops.escalation]\nlast_resort = \"1h\"\n[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"1m\"\ntimeout = \"5m\"\n[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"1m\"\n\
            [components.feed]\nkind = \"power_feed\"\n[components.db]\nkind = \"database\"\npower = \"feed\"\n\
            [services.payment]\nneeds = [\"db\"]\nrto = \"1h\"\n[services.\"customer service\"]\nneeds = [\"db\"]\n\
            [stores.orders]\ncomponent = \"db\"\nbackup_interval = \"1h\"\n";
        crate::scenario::load_str(std::path::Path::new("t.toml"), text).unwrap()
    }

    #[test]
    fn sentences() {
        let sc = sc();
        let o = parse("recovery p95 <= 4h", &sc).unwrap();
        assert_eq!(
            (o.measure, o.stat, o.bound, o.threshold),
            (Measure::Recovery, Statistic::Quantile(0.95), Bound::AtMost, 240.0)
        );
        let o = parse("  ack mean at most 1h30m ", &sc).unwrap();
        assert_eq!(
            (o.measure, o.stat, o.threshold, o.text.as_str()),
            (Measure::Ack, Statistic::Mean, 90.0, "ack mean at most 1h30m")
        );
        let o = parse("services.payment rto_met >= 95%", &sc).unwrap();
        assert_eq!(
            (o.measure, o.stat, o.bound, o.threshold),
            (Measure::Downtime(1), Statistic::RtoMet, Bound::AtLeast, 0.95)
        );
        let o = parse("services.customer service downtime p99.9 <= 1d", &sc).unwrap();
        assert_eq!((o.measure, o.threshold), (Measure::Downtime(0), 1440.0));
        assert!(matches!(o.stat, Statistic::Quantile(p) if (p - 0.999).abs() < 1e-12));
        let o = parse("stores.orders data_lost p99 <= 15m", &sc).unwrap();
        assert_eq!(
            (o.measure, o.stat, o.threshold),
            (Measure::DataLost(0), Statistic::Quantile(0.99), 15.0)
        );
        let o = parse("close median at least 0.5 h", &sc).unwrap();
        assert_eq!(
            (o.measure, o.stat, o.bound, o.threshold),
            (Measure::Close, Statistic::Quantile(0.5), Bound::AtLeast, 30.0)
        );
    }

    #[test]
    fn mistakes_point_at_the_word() {
        let sc = sc();
        let e = parse("recovry p95 <= 4h", &sc).unwrap_err();
        assert_eq!(e.at, 0..7);
        assert!(e.help.unwrap().contains("did you mean `recovery`"));
        let e = parse("services.paymnet p95 <= 4h", &sc).unwrap_err();
        assert_eq!((e.at.clone(), e.message.as_str()), (9..16, "unknown service \"paymnet\""));
        assert!(e.help.unwrap().contains("services.payment"));
        let e = parse("recovery p95 <= 4", &sc).unwrap_err();
        assert_eq!(e.at, 16..17);
        assert!(e.message.contains("no unit"), "{}", e.message);
        assert!(parse("recovery p100 <= 4h", &sc).is_err());
        assert!(parse("recovery p95 < 4h", &sc).unwrap_err().message.contains("not supported"));
        assert!(parse("recovery rto_met >= 95%", &sc).is_err());
        assert!(
            parse("services.customer service rto_met >= 95%", &sc)
                .unwrap_err()
                .message
                .contains("no RTO")
        );
        assert!(
            parse("services.payment rto_met >= 95", &sc)
                .unwrap_err()
                .message
                .contains("above 1")
        );
        assert!(parse("recovery p95 <= 95%", &sc).is_err());
        assert!(parse("recovery p95", &sc).unwrap_err().message.contains("no comparison"));
        assert!(parse("recovery p95 <=", &sc).unwrap_err().message.contains("no threshold"));
        assert!(parse("recovery", &sc).unwrap_err().message.contains("no statistic"));
        assert!(parse("stores.ordres p95 <= 1m", &sc).unwrap_err().message.contains("unknown store"));
        assert!(similar("payment", "paymnet") && similar("ack", "ACK") && !similar("recovery", "close"));
    }
}
