//! Business services (what is down for the customer) and data stores (what data is lost,
//! with their backups and replication).

use std::collections::HashMap;

use super::dist;
use super::names::{Named, distinct, fixed, lookup, no_effect, probability, text_ok};
use super::raw::{RawService, RawStore};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::{BusinessService, Component, DataStore, Dist, StreamKey};

/// The checked business services, in name order.
pub(super) fn services(raw: &[Named<'_, RawService>], comp_index: &HashMap<String, usize>) -> Result<Vec<BusinessService>, ScenarioError> {
    let mut services = Vec::with_capacity(raw.len());
    for (src, name, s) in raw {
        let r = s.get_ref();
        if r.needs.is_empty() {
            return Err(src.error(
                K::Missing,
                s.span(),
                format!("service \"{}\" needs no component", name.get_ref()),
                Some("list what it runs on: needs = [\"web\", \"db\"]".into()),
            ));
        }
        let needs = distinct(src, &r.needs, "needs", "", |n| lookup(src, n, comp_index, "component"))?;
        let rto = match &r.rto {
            Some(d) => Some(fixed(src, d, "an RTO")?),
            None => None,
        };
        services.push(BusinessService {
            name: name.get_ref().clone(),
            description: text_ok(src, r.description.as_ref(), "the description")?,
            needs,
            rto,
            reopen: r.reopen.as_ref().is_some_and(|b| *b.get_ref()),
        });
    }
    Ok(services)
}

/// The checked data stores, in name order, and for each component the stores it holds.
pub(super) fn stores(
    raw: &[Named<'_, RawStore>],
    comp_index: &HashMap<String, usize>,
    components: &[Component],
) -> Result<(Vec<DataStore>, Vec<Vec<usize>>), ScenarioError> {
    let mut stores = Vec::with_capacity(raw.len());
    let mut stores_on = vec![Vec::new(); components.len()];
    for (i, entry) in raw.iter().enumerate() {
        let store = store(entry, comp_index, components)?;
        if let Some(j) = store.component {
            stores_on[j].push(i);
        }
        stores.push(store);
    }
    Ok((stores, stores_on))
}

fn store(
    (src, name, s): &Named<'_, RawStore>,
    comp_index: &HashMap<String, usize>,
    components: &[Component],
) -> Result<DataStore, ScenarioError> {
    let r = s.get_ref();
    let component = match &r.component {
        Some(c) => Some(lookup(src, c, comp_index, "component")?),
        None => None,
    };
    let keep = match &r.keep {
        Some(k) if *k.get_ref() < 1 => {
            return Err(src.error(
                K::OutOfRange,
                k.span(),
                format!("keep = {}: keep at least 1 backup", k.get_ref()),
                None,
            ));
        }
        Some(k) => Some((*k.get_ref()).min(u32::MAX as i64) as u32),
        None => None,
    };
    let backup_interval = match &r.backup_interval {
        Some(d) => {
            let x = fixed(src, d, "a backup interval")?;
            if x <= 0.0 {
                return Err(src.error(K::OutOfRange, d.span(), "a backup interval must be above 0".into(), None));
            }
            Some(x)
        }
        None => None,
    };
    if backup_interval.is_none() {
        // Without backups there is nothing to keep, to find bad, or to restore from.
        let backup_only = [
            ("keep", r.keep.as_ref().map(|k| k.span())),
            ("bad_backup", r.bad_backup.as_ref().map(|b| b.span())),
            ("restore", r.restore.as_ref().map(|d| d.span())),
        ];
        if let Some((field, Some(span))) = backup_only.into_iter().find(|f| f.1.is_some()) {
            return Err(no_effect(
                src,
                span,
                format!("store \"{}\" has `{field}` but no backups", name.get_ref()),
                "add backup_interval = \"1h\" (how often a backup is taken), or remove the backup settings",
            ));
        }
    }
    if let Some(lag) = &r.replication_lag {
        let replicated = component.is_some_and(|c| components[c].standby.is_some());
        if !replicated {
            return Err(no_effect(
                src,
                lag.span(),
                format!(
                    "store \"{}\" has a `replication_lag` but {}",
                    name.get_ref(),
                    if component.is_some() {
                        "its component has no standby to replicate to"
                    } else {
                        "no component"
                    }
                ),
                "the lag is lost when the store's component fails over to its standby: give the component a `standby`, or remove `replication_lag`",
            ));
        }
    }
    Ok(DataStore {
        name: name.get_ref().clone(),
        description: text_ok(src, r.description.as_ref(), "the description")?,
        component,
        backup_interval,
        restore: match &r.restore {
            Some(d) => dist::distribution(src, d)?,
            None => Dist::Fixed(0.0),
        },
        bad_backup: probability(src, r.bad_backup.as_ref(), "bad_backup")?,
        keep,
        replication_lag: match &r.replication_lag {
            Some(d) => Some(dist::distribution(src, d)?),
            None => None,
        },
        rpo: match &r.rpo {
            Some(d) => Some(fixed(src, d, "an RPO")?),
            None => None,
        },
        key: StreamKey::named(&format!("store:{}", name.get_ref())),
    })
}
