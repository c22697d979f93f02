//! A Backstage software catalog (`catalog-info.yaml`, one or many documents) as an inventory.
//!
//! - `Component` and `Resource` entities become components; `spec.type` names the kind
//!   ([`super::kinds`]: `database` -> database, `s3` -> object_store, `kafka` -> queue, ...;
//!   a Component of another type is a service). A `library` or `documentation` component runs
//!   inside what uses it and is passed over.
//! - `spec.dependsOn` (`component:default/db`, `resource:orders-db`, `db`) becomes `needs`;
//!   `spec.dependencyOf` the same, the other way round. A reference to an entity the file does
//!   not define is an error at its line and column.
//! - `spec.owner` (`group:default/payments`, `payments`) names the team; `Group` entities that
//!   own something are the teams.
//! - `spec.system` and `System` entities become business services, made of their components.
//! - Other kinds (`API`, `User`, `Domain`, `Location`, `Template`) are passed over and listed.

use std::collections::HashMap;
use std::path::Path;

use super::kinds::{holds_data, kind_of};
use super::yaml::{Here, Node, get, is_mapping};
use super::{Business, Inventory, Item};
use crate::error::{SourceError, SourceErrorKind as K};
use crate::model::ComponentKind;
use crate::model::limits::MAX_NAME_BYTES;

/// Longest name read: room for what init adds to it (`restore-`, `-resource`, `-fails`).
const MAX_SOURCE_NAME: usize = MAX_NAME_BYTES - 20;

/// `[kind:][namespace/]name`: the kind (lower case, if given) and the name.
fn parse_ref(r: &str) -> (Option<String>, String) {
    let (kind, rest) = match r.split_once(':') {
        Some((k, rest)) if !k.contains('/') => (Some(k.trim().to_ascii_lowercase()), rest),
        _ => (None, r),
    };
    let name = rest.rsplit_once('/').map_or(rest, |(_, n)| n);
    (kind, name.trim().to_string())
}

/// One entity that becomes a component, as read in the first pass.
struct Entity<'n, 'a> {
    kind: String,
    name: String,
    doc: &'n Node<'a>,
    item: Item,
}

/// A checked name: not empty, short, no control characters.
fn name_ok(h: &Here<'_>, n: &Node<'_>, name: &str) -> Result<(), SourceError> {
    if name.is_empty() || name.len() > MAX_SOURCE_NAME || name.chars().any(char::is_control) {
        return Err(h.at(
            K::Rule,
            n,
            format!("name {name:?} is empty, longer than {MAX_SOURCE_NAME} bytes or has control characters"),
            "give the entity a short plain name",
        ));
    }
    Ok(())
}

pub(super) fn read(path: &Path, docs: &[Node<'_>]) -> Result<Inventory, SourceError> {
    let h = Here { path };
    let mut inv = Inventory::default();
    let mut entities: Vec<Entity<'_, '_>> = Vec::new();
    // (kind, name) -> index in `entities`; name -> indices (for references without a kind).
    let mut by_ref: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    // Entities passed over, by (kind, name), so a dependency on one is dropped, not an error.
    let mut skipped: HashMap<(String, String), String> = HashMap::new();
    let mut groups: Vec<String> = Vec::new();
    let mut systems: Vec<(String, String)> = Vec::new();
    for doc in docs {
        if !is_mapping(doc) {
            return Err(h.at(
                K::WrongType,
                doc,
                "this document is not a mapping".into(),
                "each document of a catalog is an entity with apiVersion, kind, metadata and spec",
            ));
        }
        let Some(kind) = h.text(doc, "kind", "the entity's kind, e.g. Component")? else {
            return Err(h.at(
                K::Missing,
                doc,
                "this document has no `kind`".into(),
                "add kind: Component (or Resource, System, Group)",
            ));
        };
        let meta = get(doc, "metadata").filter(|m| is_mapping(m));
        let name = match meta.map(|m| h.text(m, "name", "the entity's name")).transpose()?.flatten() {
            Some(n) => n,
            None => {
                return Err(h.at(
                    K::Missing,
                    meta.unwrap_or(doc),
                    format!("this {kind} has no `metadata.name`"),
                    "add metadata: followed by an indented name: <name>",
                ));
            }
        };
        name_ok(&h, meta.and_then(|m| get(m, "name")).unwrap_or(doc), &name)?;
        let description = match meta {
            Some(m) => h.text(m, "description", "a description")?.or(h.text(m, "title", "a title")?),
            None => None,
        }
        .unwrap_or_default();
        let spec = get(doc, "spec");
        let text = |key: &str| -> Result<Option<String>, SourceError> {
            match spec {
                Some(s) => h.text(s, key, "a name"),
                None => Ok(None),
            }
        };
        let lower = kind.to_ascii_lowercase();
        match lower.as_str() {
            "component" | "resource" => {
                let ty = text("type")?.unwrap_or_default();
                if lower == "component" && matches!(ty.to_ascii_lowercase().as_str(), "library" | "documentation" | "docs") {
                    inv.passed_over
                        .push(format!("{kind} {name} (type {ty}): it runs inside what uses it"));
                    let what = format!("{kind} {name} (type {ty})");
                    skipped.insert((lower, name), what);
                    continue;
                }
                let (ck, why) = match kind_of(&ty) {
                    Some(k) if !matches!(k, ComponentKind::Region | ComponentKind::Zone) || lower == "resource" => {
                        (k, format!("type {ty}"))
                    }
                    _ if lower == "component" => (
                        ComponentKind::Service,
                        format!("type {}", if ty.is_empty() { "not given" } else { &ty }),
                    ),
                    _ => (
                        ComponentKind::Service,
                        format!(
                            "type {}: not a kind drillsim knows, read as a service",
                            if ty.is_empty() { "not given" } else { &ty }
                        ),
                    ),
                };
                let owner = text("owner")?.map(|o| parse_ref(&o).1);
                if let (Some(o), Some(at)) = (&owner, spec.and_then(|s| get(s, "owner"))) {
                    name_ok(&h, at, o)?;
                }
                if let Some(o) = &owner
                    && !inv.teams.contains(o)
                {
                    inv.teams.push(o.clone());
                }
                if let Some(sys) = text("system")? {
                    let sys = parse_ref(&sys).1;
                    if let Some(at) = spec.and_then(|s| get(s, "system")) {
                        name_ok(&h, at, &sys)?;
                    }
                    if !systems.iter().any(|s| s.0 == sys) {
                        systems.push((sys, String::new()));
                    }
                }
                let i = entities.len();
                if by_ref.insert((lower.clone(), name.clone()), i).is_some() {
                    return Err(h.at(
                        K::Duplicate,
                        meta.and_then(|m| get(m, "name")).unwrap_or(doc),
                        format!("{kind} {name} is defined twice"),
                        "give each entity of a kind its own name, or remove one",
                    ));
                }
                by_name.entry(name.clone()).or_default().push(i);
                entities.push(Entity {
                    kind: lower.clone(),
                    name: name.clone(),
                    doc,
                    item: Item {
                        name: name.clone(),
                        kind: ck,
                        description,
                        needs: Vec::new(),
                        owner,
                        origin: format!("{kind} {name}, {why}"),
                        auto_restart: None,
                        holds_data: holds_data(ck),
                    },
                });
            }
            "group" => groups.push(name),
            "system" => match systems.iter_mut().find(|s| s.0 == name) {
                Some(s) => s.1 = description,
                None => systems.push((name, description)),
            },
            _ => inv.passed_over.push(format!("{kind} {name}: not a running component")),
        }
    }
    if entities.is_empty() {
        return Err(SourceError {
            kind: K::Missing,
            path: path.to_path_buf(),
            position: None,
            message: "the catalog has no Component or Resource entity".into(),
            help: Some("a topology is made of components: add the catalog's Component and Resource documents".into()),
        });
    }
    // A component and a resource of the same name: the resource's name gets its kind.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for i in 0..entities.len() {
        let n = entities[i].name.clone();
        if taken.contains_key(&n) {
            let renamed = format!("{n}-{}", entities[i].kind);
            let other = entities[taken[&n]].kind.clone();
            entities[i]
                .item
                .origin
                .push_str(&format!(" (renamed {renamed}: a {other} has the name too)"));
            entities[i].item.name = renamed;
        }
        taken.insert(n, i);
    }
    // Second pass: dependencies.
    let resolve = |r: &str, at: &Node<'_>, key: &str| -> Result<Option<usize>, SourceError> {
        let (kind, name) = parse_ref(r);
        let found = match &kind {
            Some(k) => by_ref.get(&(k.clone(), name.clone())).copied(),
            None => by_name.get(&name).and_then(|v| v.first().copied()),
        };
        if found.is_some() {
            return Ok(found);
        }
        let skipped_as = match &kind {
            Some(k) => skipped.contains_key(&(k.clone(), name.clone())),
            None => skipped.keys().any(|(_, n)| *n == name),
        };
        if skipped_as {
            return Ok(None);
        }
        let close: Vec<&str> = by_name
            .keys()
            .filter(|n| crate::error::similar(n, &name))
            .map(String::as_str)
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", close.join(", "))
        };
        Err(h.at(
            K::UnknownReference,
            at,
            format!("`{key}` names {r}, which this file does not define{hint}"),
            "add a document for it (kind: Component or Resource), fix the reference, or remove the entry; a catalog split over several files can be given as one, documents separated by ---",
        ))
    };
    let mut needs: Vec<Vec<usize>> = vec![Vec::new(); entities.len()];
    for (i, e) in entities.iter().enumerate() {
        let Some(spec) = get(e.doc, "spec") else { continue };
        for (r, at) in h.names(spec, "dependsOn")? {
            if let Some(j) = resolve(&r, at, "dependsOn")? {
                if j == i {
                    return Err(h.at(K::Rule, at, format!("{} depends on itself", e.name), "remove this entry"));
                }
                if !needs[i].contains(&j) {
                    needs[i].push(j);
                }
            }
        }
        for (r, at) in h.names(spec, "dependencyOf")? {
            if let Some(j) = resolve(&r, at, "dependencyOf")?
                && j != i
                && !needs[j].contains(&i)
            {
                needs[j].push(i);
            }
        }
    }
    let names: Vec<String> = entities.iter().map(|e| e.item.name.clone()).collect();
    // Business services: systems, made of their Components (or, without any, their Resources).
    for (sys, desc) in systems {
        let member = |e: &&Entity<'_, '_>| {
            get(e.doc, "spec")
                .and_then(|s| h.text(s, "system", "").ok().flatten())
                .is_some_and(|s| parse_ref(&s).1 == sys)
        };
        let mut members: Vec<String> = entities
            .iter()
            .filter(|e| e.kind == "component")
            .filter(member)
            .map(|e| e.item.name.clone())
            .collect();
        if members.is_empty() {
            members = entities.iter().filter(member).map(|e| e.item.name.clone()).collect();
        }
        if members.is_empty() {
            inv.passed_over
                .push(format!("System {sys}: no component of the file is part of it"));
            continue;
        }
        inv.services.push(Business {
            name: sys.clone(),
            description: desc,
            needs: members,
            origin: format!("System {sys}: up while all its components serve"),
        });
    }
    for g in groups {
        if !inv.teams.contains(&g) {
            inv.passed_over.push(format!("Group {g}: owns no component of the file"));
        }
    }
    for (e, n) in entities.into_iter().zip(needs) {
        let mut item = e.item;
        item.needs = n.into_iter().map(|j| names[j].clone()).collect();
        inv.components.push(item);
    }
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_references_read_kind_and_name() {
        assert_eq!(parse_ref("component:default/db"), (Some("component".into()), "db".into()));
        assert_eq!(parse_ref("resource:orders-db"), (Some("resource".into()), "orders-db".into()));
        assert_eq!(parse_ref("db"), (None, "db".into()));
        assert_eq!(parse_ref("group:payments"), (Some("group".into()), "payments".into()));
    }
}
