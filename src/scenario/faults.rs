//! Faults to inject: failures, attacks, power losses and data losses, each with only the
//! fields its kind uses.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::names::{FirstAt, defined_twice, distinct, fault_kind, lookup, name_ok, no_effect, text_ok};
use super::raw::RawFault;
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::{Component, Dist, Fault, FaultKind, FaultKindTag, StreamKey};

/// What a fault may refer to.
pub(super) struct FaultContext<'a> {
    pub comp_index: &'a HashMap<String, usize>,
    pub store_index: &'a HashMap<String, usize>,
    pub components: &'a [Component],
}

/// Every fault, in file order; an id used twice is an error naming both places.
pub(super) fn faults(parts: &[Part], cx: &FaultContext<'_>) -> Result<Vec<Fault>, ScenarioError> {
    let mut faults = Vec::new();
    let mut ids: HashMap<&str, FirstAt<'_>> = HashMap::new();
    for p in parts {
        for f in p.raw.fault.iter().flatten() {
            let (src, r) = (&p.src, f.get_ref());
            name_ok(src, &r.id, "fault")?;
            if let Some(first) = ids.get(r.id.get_ref().as_str()) {
                let label = format!("fault id \"{}\"", r.id.get_ref());
                return Err(defined_twice(src, r.id.span(), &label, "used", first, ""));
            }
            ids.insert(r.id.get_ref(), (src, r.id.span()));
            let kind = fault_kind_of(src, f, cx)?;
            faults.push(Fault {
                id: r.id.get_ref().clone(),
                kind,
                at: match &r.at {
                    Some(d) => dist::distribution(src, d)?,
                    None => Dist::Fixed(0.0),
                },
                key: StreamKey::named(&format!("fault:{}", r.id.get_ref())),
            });
        }
    }
    Ok(faults)
}

/// The fields each kind of fault uses, beyond `id`, `kind`, `target` and `at`.
fn fields_of(kind: FaultKindTag) -> &'static [&'static str] {
    match kind {
        FaultKindTag::Failure => &["mode"],
        FaultKindTag::Attack => &["spread", "leak_rate", "leak_unit", "encrypt", "disrupt"],
        FaultKindTag::PowerLoss => &["outage"],
        FaultKindTag::DataLoss => &["mode"],
    }
}

/// The optional kind-specific fields that are set, with where.
fn set_fields(r: &RawFault) -> [(&'static str, Option<Range<usize>>); 7] {
    [
        ("spread", r.spread.as_ref().map(|x| x.span())),
        ("outage", r.outage.as_ref().map(|x| x.span())),
        ("encrypt", r.encrypt.as_ref().and_then(|x| x.first()).map(|x| x.span())),
        ("leak_rate", r.leak_rate.as_ref().map(|x| x.span())),
        ("leak_unit", r.leak_unit.as_ref().map(|x| x.span())),
        ("disrupt", r.disrupt.as_ref().map(|x| x.span())),
        ("mode", r.mode.as_ref().map(|x| x.span())),
    ]
}

fn fault_kind_of(src: &Source, f: &Spanned<RawFault>, cx: &FaultContext<'_>) -> Result<FaultKind, ScenarioError> {
    let r = f.get_ref();
    let tag = fault_kind(src, &r.kind)?;
    // A field another kind uses is an error here, never silently ignored.
    let uses = fields_of(tag);
    for (field, span) in set_fields(r) {
        if uses.contains(&field) {
            continue;
        }
        if let Some(span) = span {
            let users: Vec<&str> = FaultKindTag::ALL
                .iter()
                .filter(|k| fields_of(**k).contains(&field))
                .map(|k| k.name())
                .collect();
            // The first three keep the place they always had (the whole fault).
            let place = if matches!(field, "spread" | "outage" | "encrypt") {
                f.span()
            } else {
                span
            };
            return Err(no_effect(
                src,
                place,
                format!("`{field}` does not apply to a {} fault", tag.name()),
                &format!("`{field}` is for {} faults; remove it here", users.join(" and ")),
            ));
        }
    }
    let comp_target = || lookup(src, &r.target, cx.comp_index, "component");
    Ok(match tag {
        FaultKindTag::Failure => FaultKind::Failure {
            target: comp_target()?,
            mode: mode(src, r, "crash")?,
        },
        FaultKindTag::Attack => attack(src, f, cx)?,
        FaultKindTag::PowerLoss => {
            let feed = comp_target()?;
            if !cx.components[feed].kind.is_feed() {
                return Err(src.error(
                    K::Rule,
                    r.target.span(),
                    format!("\"{}\" is not a power feed, region or zone", r.target.get_ref()),
                    Some("a power_loss targets a component of kind \"power_feed\", \"region\" or \"zone\"".into()),
                ));
            }
            let Some(outage) = &r.outage else {
                return Err(src.error(
                    K::Missing,
                    f.span(),
                    format!("power loss \"{}\" has no `outage`", r.id.get_ref()),
                    Some("add outage = \"2h\" (until utility power returns), or a distribution".into()),
                ));
            };
            FaultKind::PowerLoss {
                feed,
                outage: dist::distribution(src, outage)?,
            }
        }
        FaultKindTag::DataLoss => FaultKind::DataLoss {
            store: lookup(src, &r.target, cx.store_index, "store")?,
            mode: mode(src, r, "corrupted")?,
        },
    })
}

fn mode(src: &Source, r: &RawFault, default: &str) -> Result<String, ScenarioError> {
    match &r.mode {
        Some(m) => text_ok(src, Some(m), "the fault's mode"),
        None => Ok(default.to_string()),
    }
}

fn attack(src: &Source, f: &Spanned<RawFault>, cx: &FaultContext<'_>) -> Result<FaultKind, ScenarioError> {
    let r = f.get_ref();
    let target = lookup(src, &r.target, cx.comp_index, "component")?;
    if cx.components[target].kind.is_power() {
        return Err(src.error(
            K::Rule,
            r.target.span(),
            "an attack lands on a service, database, cache, network or site, not on power equipment, a region or a zone".into(),
            None,
        ));
    }
    let Some(spread) = &r.spread else {
        return Err(src.error(
            K::Missing,
            f.span(),
            format!("attack \"{}\" has no `spread`", r.id.get_ref()),
            Some("add spread = \"30m\" (time to cross one dependency), or a distribution".into()),
        ));
    };
    let leak_rate = match &r.leak_rate {
        Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
            return Err(src.error(
                K::OutOfRange,
                x.span(),
                format!("leak_rate = {} must be 0 or more (volume per hour)", x.get_ref()),
                None,
            ));
        }
        Some(x) => *x.get_ref() / 60.0,
        None => 0.0,
    };
    let encrypt = distinct(src, r.encrypt.iter().flatten(), "encrypt", "store", |s| {
        lookup(src, s, cx.store_index, "store")
    })?;
    let leak_unit = match &r.leak_unit {
        Some(u) => text_ok(src, Some(u), "the leak unit")?,
        None => "GB".into(),
    };
    Ok(FaultKind::Attack {
        target,
        spread: dist::distribution(src, spread)?,
        leak_rate,
        leak_unit,
        encrypt,
        disrupt: r.disrupt.as_ref().is_some_and(|d| *d.get_ref()),
    })
}
