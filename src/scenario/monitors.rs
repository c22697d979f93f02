//! Monitors (what notices which kind of fault, or which symptom, after how long) and severity levels (the
//! impact that raises the incident, and whom each level pages).

use std::collections::HashMap;

use toml::Spanned;

use super::names::{FirstAt, defined_twice, distinct, fault_kind, lookup, name_ok, probability, too_many, unknown};
use super::raw::{RawSeverity, RawWatch};
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::{MAX_MONITORS, MAX_SEVERITY_LEVELS};
use crate::model::{Level, Monitor, StreamKey, Watch};

/// Every `[[monitor]]`, in file order; a name defined twice is an error naming both places.
pub(super) fn monitors(
    parts: &[Part],
    comps: &HashMap<String, usize>,
    services: &HashMap<String, usize>,
    stores: &HashMap<String, usize>,
) -> Result<Vec<Monitor>, ScenarioError> {
    let mut monitors = Vec::new();
    let mut seen: HashMap<&str, FirstAt<'_>> = HashMap::new();
    for p in parts {
        for m in p.raw.monitor.iter().flatten() {
            let (src, r) = (&p.src, m.get_ref());
            if monitors.len() >= MAX_MONITORS {
                return Err(too_many(
                    src,
                    Some(m.span()),
                    format!("more than {MAX_MONITORS} monitors"),
                    "model the monitors that see different kinds of fault; merge the rest",
                ));
            }
            name_ok(src, &r.name, "monitor")?;
            if let Some(first) = seen.get(r.name.get_ref().as_str()) {
                let label = format!("monitor \"{}\"", r.name.get_ref());
                return Err(defined_twice(src, r.name.span(), &label, "defined", first, "; keep one"));
            }
            seen.insert(r.name.get_ref(), (src, r.name.span()));
            let watches = match (&r.sees, &r.watches) {
                (Some(_), Some(w)) => {
                    return Err(src.error(
                        K::Rule,
                        w.span(),
                        format!("monitor \"{}\" has both `sees` and `watches`", r.name.get_ref()),
                        Some("a monitor sees fault kinds (`sees`) or watches a symptom (`watches`): split it into two monitors".into()),
                    ));
                }
                (None, None) => {
                    return Err(src.error(
                        K::Missing,
                        m.span(),
                        format!("monitor \"{}\" has neither `sees` nor `watches`", r.name.get_ref()),
                        Some(
                            "add sees = [\"failure\"] (fault kinds it notices) or watches = { service_down = \"NAME\" } (a symptom)".into(),
                        ),
                    ));
                }
                (None, Some(w)) => Some(watch(src, w, comps, services, stores)?),
                (Some(_), None) => None,
            };
            let mut sees = Vec::new();
            for k in r.sees.iter().flatten() {
                let kind = fault_kind(src, k)?;
                if sees.contains(&kind) {
                    return Err(src.error(
                        K::Duplicate,
                        k.span(),
                        format!("\"{}\" is listed twice in `sees`", k.get_ref()),
                        None,
                    ));
                }
                sees.push(kind);
            }
            monitors.push(Monitor {
                name: r.name.get_ref().clone(),
                sees,
                watches,
                delay: dist::distribution(src, &r.delay)?,
                miss: probability(src, r.miss.as_ref(), "miss")?,
                key: StreamKey::named(&format!("monitor:{}", r.name.get_ref())),
            });
        }
    }
    Ok(monitors)
}

/// The symptom of `watches = { ... }`: exactly one of `service_down`, `down`, `lost`, naming
/// a business service, a component or a store.
fn watch(
    src: &Source,
    w: &Spanned<RawWatch>,
    comps: &HashMap<String, usize>,
    services: &HashMap<String, usize>,
    stores: &HashMap<String, usize>,
) -> Result<Watch, ScenarioError> {
    match &w.get_ref() {
        RawWatch {
            service_down: Some(s),
            down: None,
            lost: None,
        } => Ok(Watch::ServiceDown(lookup(src, s, services, "service")?)),
        RawWatch {
            service_down: None,
            down: Some(c),
            lost: None,
        } => Ok(Watch::Down(lookup(src, c, comps, "component")?)),
        RawWatch {
            service_down: None,
            down: None,
            lost: Some(st),
        } => Ok(Watch::Lost(lookup(src, st, stores, "store")?)),
        _ => Err(src.error(
            K::Rule,
            w.span(),
            "`watches` takes exactly one symptom".into(),
            Some("write one of watches = { service_down = \"SERVICE\" }, { down = \"COMPONENT\" } or { lost = \"STORE\" }; use one monitor per symptom".into()),
        )),
    }
}

/// The severity levels, lowest first: one list, in one file.
pub(super) fn levels(parts: &[Part], services: &HashMap<String, usize>, teams: &HashMap<&str, usize>) -> Result<Vec<Level>, ScenarioError> {
    let mut level_part: Option<&Part> = None;
    for p in parts {
        if let Some(l) = &p.raw.level {
            if let Some(other) = level_part {
                return Err(p.src.error(
                    K::Rule,
                    l[0].span(),
                    "[[level]] entries are split over two files".into(),
                    Some(format!(
                        "keep every level in one file (they are also in {})",
                        other.src.path.display()
                    )),
                ));
            }
            level_part = Some(p);
        }
    }
    let Some(p) = level_part else { return Ok(Vec::new()) };
    let src = &p.src;
    let mut levels = Vec::new();
    let mut seen: HashMap<&str, FirstAt<'_>> = HashMap::new();
    for l in p.raw.level.iter().flatten() {
        if levels.len() >= MAX_SEVERITY_LEVELS {
            return Err(too_many(
                src,
                Some(l.span()),
                format!("more than {MAX_SEVERITY_LEVELS} severity levels"),
                "a severity scheme has a handful of levels (general, larger, major, especially major)",
            ));
        }
        let r = l.get_ref();
        name_ok(src, &r.name, "level")?;
        if let Some(first) = seen.get(r.name.get_ref().as_str()) {
            let label = format!("level \"{}\"", r.name.get_ref());
            return Err(defined_twice(src, r.name.span(), &label, "defined", first, "; keep one"));
        }
        seen.insert(r.name.get_ref(), (src, r.name.span()));
        let level = level(src, r, services, teams)?;
        if levels.is_empty() != level.is_unconditional() {
            let msg = if levels.is_empty() {
                "the first level applies to every incident and takes no rule"
            } else {
                "every level after the first needs a rule (services_down, service_down, leaked, data_loss or compromised)"
            };
            return Err(src.error(K::Rule, l.span(), msg.into(), None));
        }
        levels.push(level);
    }
    Ok(levels)
}

fn level(src: &Source, r: &RawSeverity, services: &HashMap<String, usize>, teams: &HashMap<&str, usize>) -> Result<Level, ScenarioError> {
    let count = |x: &Option<Spanned<i64>>, what: &str| -> Result<Option<usize>, ScenarioError> {
        match x {
            Some(n) if *n.get_ref() < 1 => Err(src.error(
                K::OutOfRange,
                n.span(),
                format!("{what} = {} must be at least 1", n.get_ref()),
                None,
            )),
            Some(n) => Ok(Some(*n.get_ref() as usize)),
            None => Ok(None),
        }
    };
    let any_down = distinct(src, r.service_down.iter().flatten(), "service_down", "", |s| {
        lookup(src, s, services, "service")
    })?;
    let page = distinct(src, r.page.iter().flatten(), "page", "team", |t| {
        teams.get(t.get_ref().as_str()).copied().ok_or_else(|| {
            let mut known: Vec<&str> = teams.keys().copied().collect();
            known.sort();
            unknown(src, t, "team", known.into_iter())
        })
    })?;
    let leaked = match &r.leaked {
        Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
            return Err(src.error(K::OutOfRange, x.span(), "leaked must be 0 or more".into(), None));
        }
        Some(x) => Some(*x.get_ref()),
        None => None,
    };
    Ok(Level {
        name: r.name.get_ref().clone(),
        services_down: count(&r.services_down, "services_down")?,
        any_down,
        leaked,
        data_loss: r.data_loss.as_ref().is_some_and(|b| *b.get_ref()),
        compromised: count(&r.compromised, "compromised")?,
        page,
    })
}
