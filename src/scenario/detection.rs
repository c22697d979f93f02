//! How the incident is noticed: `[detection]` (one per scenario), with the monitors of the
//! topology or, without them, one monitor seeing every fault; and who is paged first.

use std::collections::HashMap;

use toml::Spanned;

use super::names::{no_effect, probability, unknown};
use super::raw::RawDetection;
use super::teams::Teams;
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::{Detection, FaultKindTag, Monitor, StreamKey};

/// The one `[detection]` section of the scenario and the file it is in.
pub(super) fn detection_section(parts: &[Part]) -> Result<(&Source, &Spanned<RawDetection>), ScenarioError> {
    let mut det: Option<(&Part, &Spanned<RawDetection>)> = None;
    for p in parts {
        if let Some(d) = &p.raw.detection {
            if let Some((other, _)) = &det {
                return Err(p.src.error(
                    K::Duplicate,
                    d.span(),
                    "[detection] is defined twice".into(),
                    Some(format!("it is also in {}; keep one", other.src.path.display())),
                ));
            }
            det = Some((p, d));
        }
    }
    let main = &parts.last().expect("the exercise file is the last part").src;
    let Some((dp, d)) = det else {
        return Err(main.whole(
            K::Missing,
            "missing [detection]: how the fault is noticed and which team is paged".into(),
            Some("add [detection] with delay = \"10m\" and page = \"<team>\"".into()),
        ));
    };
    Ok((&dp.src, d))
}

/// The checked detection: the topology's monitors (or the default one) and the fallback.
/// `injected` are the kinds of fault the scenario injects (empty: no topology faults).
pub(super) fn detection(
    src: &Source,
    section: &Spanned<RawDetection>,
    mut monitors: Vec<Monitor>,
    injected: &[FaultKindTag],
) -> Result<Detection, ScenarioError> {
    let (at, d) = (section.span(), section.get_ref());
    let miss = probability(src, d.miss.as_ref(), "miss")?;
    match (&d.delay, monitors.is_empty()) {
        (Some(delay), true) => {
            monitors.push(Monitor {
                name: "monitoring".into(),
                sees: FaultKindTag::ALL.to_vec(),
                watches: None,
                delay: dist::distribution(src, delay)?,
                miss,
                key: StreamKey::named("monitor:monitoring"),
            });
        }
        (Some(delay), false) => {
            return Err(src.error(
                K::NoEffect,
                delay.span(),
                "[detection] delay is for scenarios without [[monitor]]s; this one has monitors".into(),
                Some("move the delay into a [[monitor]] (or remove the monitors)".into()),
            ));
        }
        (None, true) => {
            return Err(src.error(
                K::Missing,
                at,
                "nothing detects the fault: [detection] has no delay and there is no [[monitor]]".into(),
                Some("add delay = \"10m\" to [detection], or [[monitor]] entries".into()),
            ));
        }
        (None, false) => {
            if let Some(m) = &d.miss {
                return Err(no_effect(
                    src,
                    m.span(),
                    "[detection] miss is for scenarios without [[monitor]]s; this one has monitors".into(),
                    "give each [[monitor]] its own `miss` (and remove this one)",
                ));
            }
        }
    }
    let fallback = match &d.fallback {
        Some(f) => Some(dist::distribution(src, f)?),
        None => None,
    };
    if fallback.is_none() {
        let kinds: &[FaultKindTag] = if injected.is_empty() { &FaultKindTag::ALL } else { injected };
        let unseen = kinds.iter().find(|k| !monitors.iter().any(|m| m.sees.contains(k)));
        if let Some(m) = monitors.iter().find(|m| m.miss > 0.0) {
            return Err(src.error(
                K::Missing,
                at,
                format!("monitor \"{}\" can miss the fault but [detection] has no `fallback`", m.name),
                Some("add fallback = \"2h\" to [detection] (when customer reports raise the alarm instead)".into()),
            ));
        }
        if let Some(k) = unseen {
            return Err(src.error(
                K::Missing,
                at,
                format!("no monitor sees {} faults and [detection] has no `fallback`", k.name()),
                Some("add fallback = \"2h\" to [detection] (customer reports), or a monitor that sees them".into()),
            ));
        }
    }
    Ok(Detection { monitors, fallback })
}

/// The team `[detection] page` names, which must have an escalation policy.
pub(super) fn first_responder(
    src: &Source,
    d: &RawDetection,
    teams: &Teams<'_>,
    index: &HashMap<&str, usize>,
) -> Result<usize, ScenarioError> {
    let Some(&first) = index.get(d.page.get_ref().as_str()) else {
        return Err(unknown(src, &d.page, "team", teams.teams.iter().map(|t| t.name.as_str())));
    };
    if !teams.has_escalation[first] {
        return Err(src.error(
            K::Missing,
            d.page.span(),
            format!("team \"{}\" is paged but has no escalation policy", d.page.get_ref()),
            Some(format!(
                "add [teams.{}.escalation] with at least one [[teams.{}.escalation.level]]",
                d.page.get_ref(),
                d.page.get_ref()
            )),
        ));
    }
    Ok(first)
}
