//! Names and small values shared by every section: collecting named entries (a name defined
//! twice names both places), checking user-given names and text, resolving references with a
//! "did you mean", probabilities, fixed durations and fault kinds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;

use super::raw::{RawDist, RawFile};
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K, line_col, similar};
use crate::model::limits::MAX_NAME_BYTES;
use crate::model::{Dist, FaultKindTag};

/// A named entry and the file it came from.
pub(super) type Named<'a, T> = (&'a Source, &'a Spanned<String>, &'a Spanned<T>);

/// Where something was first defined, to name it in a "defined twice" error.
pub(super) type FirstAt<'a> = (&'a Source, Range<usize>);

/// `what` defined again at `span` of `src` after `first`: the one error for every kind of
/// duplicate. `verb` is "defined" or "used" (for ids); `tail` ends the help ("keep one").
pub(super) fn defined_twice(src: &Source, span: Range<usize>, what: &str, verb: &str, first: &FirstAt<'_>, tail: &str) -> ScenarioError {
    let (other, other_span) = first;
    let (l, c) = line_col(&other.text, other_span.start);
    src.error(
        K::Duplicate,
        span,
        format!("{what} is {verb} twice"),
        Some(format!("it is also {verb} at {}:{l}:{c}{tail}", other.path.display())),
    )
}

/// Entries of a named section (`[teams.x]`, `[components.x]`, ...) from every part, sorted by
/// name; a name defined twice is an error naming both places.
pub(super) fn collect_named<'a, T>(
    parts: &'a [Part],
    get: impl Fn(&'a RawFile) -> Option<&'a BTreeMap<Spanned<String>, Spanned<T>>>,
    what: &str,
) -> Result<Vec<Named<'a, T>>, ScenarioError> {
    let mut seen: HashMap<&str, FirstAt<'a>> = HashMap::new();
    let mut out = Vec::new();
    for p in parts {
        for (name, v) in get(&p.raw).into_iter().flatten() {
            if let Some(first) = seen.get(name.get_ref().as_str()) {
                let label = format!("{what} \"{}\"", name.get_ref());
                return Err(defined_twice(&p.src, name.span(), &label, "defined", first, "; keep one"));
            }
            name_ok(&p.src, name, what)?;
            seen.insert(name.get_ref(), (&p.src, name.span()));
            out.push((&p.src, name, v));
        }
    }
    out.sort_by(|a, b| a.1.get_ref().cmp(b.1.get_ref()));
    Ok(out)
}

/// A user-given name is short, not empty, and has no control characters (names reach
/// terminals, traces and reports).
pub(super) fn name_ok(src: &Source, name: &Spanned<String>, what: &str) -> Result<(), ScenarioError> {
    let n = name.get_ref();
    if n.is_empty() || n.len() > MAX_NAME_BYTES || n.chars().any(|c| c.is_control()) {
        return Err(src.error(
            K::BadName,
            name.span(),
            format!("{what} name {n:?} is empty, too long or has control characters"),
            Some("use a short name such as \"ops\" or \"restore-db\"".into()),
        ));
    }
    Ok(())
}

/// Free text (a title, a description, a status update) has no control characters, so that no
/// terminal escape reaches a terminal.
pub(super) fn text_ok(src: &Source, text: Option<&Spanned<String>>, what: &str) -> Result<String, ScenarioError> {
    let Some(t) = text else { return Ok(String::new()) };
    if let Some(c) = t.get_ref().chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        return Err(src.error(
            K::BadName,
            t.span(),
            format!("{what} has a control character ({})", c.escape_unicode()),
            Some("write plain text; line breaks and tabs are the only control characters allowed".into()),
        ));
    }
    Ok(t.get_ref().clone())
}

/// An unknown name of `what`, with the closest known name or the list of them.
pub(super) fn unknown<'a>(src: &Source, name: &Spanned<String>, what: &str, known: impl Iterator<Item = &'a str>) -> ScenarioError {
    let known: Vec<&str> = known.collect();
    let close = known.iter().find(|k| similar(k, name.get_ref()));
    let help = match close {
        Some(k) => format!("did you mean \"{k}\"?"),
        None if known.len() <= 12 => format!("known {what}s: {}", known.join(", ")),
        None => format!("{} {what}s are defined; check the spelling", known.len()),
    };
    src.error(
        K::UnknownName,
        name.span(),
        format!("unknown {what} \"{}\"", name.get_ref()),
        Some(help),
    )
}

/// The index of `name` in `map`, or an unknown-name error.
pub(super) fn lookup(src: &Source, name: &Spanned<String>, map: &HashMap<String, usize>, what: &str) -> Result<usize, ScenarioError> {
    map.get(name.get_ref())
        .copied()
        .ok_or_else(|| unknown(src, name, what, sorted_keys(map).into_iter()))
}

fn sorted_keys(map: &HashMap<String, usize>) -> Vec<&str> {
    let mut v: Vec<&str> = map.keys().map(String::as_str).collect();
    v.sort();
    v
}

/// The indices of a list of references (`needs`, `after`, `page`, ...), each resolved by
/// `resolve`; a name listed twice is an error (the second mention would change nothing).
/// `what` names the kind of thing in the message ("step", or "" for just the name).
pub(super) fn distinct<'a>(
    src: &Source,
    list: impl IntoIterator<Item = &'a Spanned<String>>,
    field: &str,
    what: &str,
    mut resolve: impl FnMut(&Spanned<String>) -> Result<usize, ScenarioError>,
) -> Result<Vec<usize>, ScenarioError> {
    let mut out = Vec::new();
    let mut listed = HashSet::new();
    for n in list {
        let j = resolve(n)?;
        if !listed.insert(j) {
            let label = if what.is_empty() { String::new() } else { format!("{what} ") };
            return Err(src.error(
                K::Duplicate,
                n.span(),
                format!("{label}\"{}\" is listed twice in `{field}`", n.get_ref()),
                None,
            ));
        }
        out.push(j);
    }
    Ok(out)
}

/// A fault kind as written in `kind`, `sees` or `when.fault`.
pub(super) fn fault_kind(src: &Source, k: &Spanned<String>) -> Result<FaultKindTag, ScenarioError> {
    FaultKindTag::parse(k.get_ref()).ok_or_else(|| {
        src.error(
            K::UnknownName,
            k.span(),
            format!("unknown fault kind \"{}\"", k.get_ref()),
            Some(format!("use one of: {}", FaultKindTag::names())),
        )
    })
}

/// A probability (0 when not given).
pub(super) fn probability(src: &Source, p: Option<&Spanned<f64>>, what: &str) -> Result<f64, ScenarioError> {
    let Some(p) = p else { return Ok(0.0) };
    let x = *p.get_ref();
    if !(0.0..=1.0).contains(&x) {
        return Err(src.error(
            K::OutOfRange,
            p.span(),
            format!("`{what}` = {x} is not a probability"),
            Some("a probability is between 0 and 1, e.g. 0.8".into()),
        ));
    }
    Ok(x)
}

/// A duration that must be fixed (not a distribution).
pub(super) fn fixed(src: &Source, d: &Spanned<RawDist>, what: &str) -> Result<f64, ScenarioError> {
    match dist::distribution(src, d)? {
        Dist::Fixed(x) => Ok(x),
        _ => Err(src.error(K::Rule, d.span(), format!("{what} is a fixed duration such as \"15m\""), None)),
    }
}

/// A field set where it has no effect: an error saying so and what to do.
pub(super) fn no_effect(src: &Source, span: Range<usize>, message: String, help: &str) -> ScenarioError {
    src.error(K::NoEffect, span, message, Some(help.to_string()))
}

/// A cap of `model::limits` exceeded.
pub(super) fn too_many(src: &Source, span: Option<Range<usize>>, message: String, help: &str) -> ScenarioError {
    match span {
        Some(span) => src.error(K::TooMany, span, message, Some(help.to_string())),
        None => src.whole(K::TooMany, message, Some(help.to_string())),
    }
}
