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
use super::yaml::{Here, Node, close_names, get, is_mapping};
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

/// What the first pass gathers from the catalog's documents, and the passes after it.
struct Catalog<'n, 'a, 'p> {
    h: Here<'p>,
    inv: Inventory,
    entities: Vec<Entity<'n, 'a>>,
    /// (kind, name) -> index in `entities`.
    by_ref: HashMap<(String, String), usize>,
    /// name -> indices in `entities`, for references without a kind.
    by_name: HashMap<String, Vec<usize>>,
    /// Entities passed over, by (kind, name), so a dependency on one is dropped, not an error.
    skipped: HashMap<(String, String), String>,
    groups: Vec<String>,
    /// (name, description) of each system, in the order first named.
    systems: Vec<(String, String)>,
}

pub(super) fn read(path: &Path, docs: &[Node<'_>]) -> Result<Inventory, SourceError> {
    let mut c = Catalog {
        h: Here { path },
        inv: Inventory::default(),
        entities: Vec::new(),
        by_ref: HashMap::new(),
        by_name: HashMap::new(),
        skipped: HashMap::new(),
        groups: Vec::new(),
        systems: Vec::new(),
    };
    for doc in docs {
        c.document(doc)?;
    }
    if c.entities.is_empty() {
        return Err(SourceError {
            kind: K::Missing,
            path: path.to_path_buf(),
            position: None,
            message: "the catalog has no Component or Resource entity".into(),
            help: Some("a topology is made of components: add the catalog's Component and Resource documents".into()),
        });
    }
    c.rename_clashes();
    let needs = c.dependencies()?;
    c.business_services();
    Ok(c.finish(needs))
}

impl<'n, 'a> Catalog<'n, 'a, '_> {
    /// First pass over one document: an entity that becomes a component, a group, a system, or
    /// something passed over.
    fn document(&mut self, doc: &'n Node<'a>) -> Result<(), SourceError> {
        let h = &self.h;
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
        let name_at = meta.and_then(|m| get(m, "name")).unwrap_or(doc);
        name_ok(h, name_at, &name)?;
        let description = match meta {
            Some(m) => h.text(m, "description", "a description")?.or(h.text(m, "title", "a title")?),
            None => None,
        }
        .unwrap_or_default();
        let lower = kind.to_ascii_lowercase();
        match lower.as_str() {
            "component" | "resource" => self.component(doc, name_at, &kind, name, description)?,
            "group" => self.groups.push(name),
            "system" => match self.systems.iter_mut().find(|s| s.0 == name) {
                Some(s) => s.1 = description,
                None => self.systems.push((name, description)),
            },
            _ => self.inv.passed_over.push(format!("{kind} {name}: not a running component")),
        }
        Ok(())
    }

    /// A Component or Resource: its kind from `spec.type`, its owner (a team) and its system.
    fn component(
        &mut self,
        doc: &'n Node<'a>,
        name_at: &Node<'_>,
        kind: &str,
        name: String,
        description: String,
    ) -> Result<(), SourceError> {
        let h = &self.h;
        let lower = kind.to_ascii_lowercase();
        let spec = get(doc, "spec");
        let text = |key: &str| -> Result<Option<String>, SourceError> {
            match spec {
                Some(s) => h.text(s, key, "a name"),
                None => Ok(None),
            }
        };
        let ty = text("type")?.unwrap_or_default();
        if lower == "component" && matches!(ty.to_ascii_lowercase().as_str(), "library" | "documentation" | "docs") {
            self.inv
                .passed_over
                .push(format!("{kind} {name} (type {ty}): it runs inside what uses it"));
            let what = format!("{kind} {name} (type {ty})");
            self.skipped.insert((lower, name), what);
            return Ok(());
        }
        let (ck, why) = match kind_of(&ty) {
            Some(k) if !matches!(k, ComponentKind::Region | ComponentKind::Zone) || lower == "resource" => (k, format!("type {ty}")),
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
            name_ok(h, at, o)?;
        }
        if let Some(o) = &owner
            && !self.inv.teams.contains(o)
        {
            self.inv.teams.push(o.clone());
        }
        if let Some(sys) = text("system")? {
            let sys = parse_ref(&sys).1;
            if let Some(at) = spec.and_then(|s| get(s, "system")) {
                name_ok(h, at, &sys)?;
            }
            if !self.systems.iter().any(|s| s.0 == sys) {
                self.systems.push((sys, String::new()));
            }
        }
        let i = self.entities.len();
        if self.by_ref.insert((lower.clone(), name.clone()), i).is_some() {
            return Err(h.at(
                K::Duplicate,
                name_at,
                format!("{kind} {name} is defined twice"),
                "give each entity of a kind its own name, or remove one",
            ));
        }
        self.by_name.entry(name.clone()).or_default().push(i);
        self.entities.push(Entity {
            kind: lower,
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
        Ok(())
    }

    /// A component and a resource of the same name: the resource's name gets its kind.
    fn rename_clashes(&mut self) {
        let entities = &mut self.entities;
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
    }

    /// The entity a reference names: `None` for one passed over, an error for one the file
    /// does not define.
    fn resolve(&self, r: &str, at: &Node<'_>, key: &str) -> Result<Option<usize>, SourceError> {
        let (kind, name) = parse_ref(r);
        let found = match &kind {
            Some(k) => self.by_ref.get(&(k.clone(), name.clone())).copied(),
            None => self.by_name.get(&name).and_then(|v| v.first().copied()),
        };
        if found.is_some() {
            return Ok(found);
        }
        let skipped_as = match &kind {
            Some(k) => self.skipped.contains_key(&(k.clone(), name.clone())),
            None => self.skipped.keys().any(|(_, n)| *n == name),
        };
        if skipped_as {
            return Ok(None);
        }
        let hint = close_names(self.by_name.keys().map(String::as_str), &name);
        Err(self.h.at(
            K::UnknownReference,
            at,
            format!("`{key}` names {r}, which this file does not define{hint}"),
            "add a document for it (kind: Component or Resource), fix the reference, or remove the entry; a catalog split over several files can be given as one, documents separated by ---",
        ))
    }

    /// Second pass: what each entity needs, by index, from `dependsOn` and `dependencyOf`.
    fn dependencies(&self) -> Result<Vec<Vec<usize>>, SourceError> {
        let mut needs: Vec<Vec<usize>> = vec![Vec::new(); self.entities.len()];
        for (i, e) in self.entities.iter().enumerate() {
            let Some(spec) = get(e.doc, "spec") else { continue };
            for (r, at) in self.h.names(spec, "dependsOn")? {
                if let Some(j) = self.resolve(&r, at, "dependsOn")? {
                    if j == i {
                        return Err(self.h.at(K::Rule, at, format!("{} depends on itself", e.name), "remove this entry"));
                    }
                    if !needs[i].contains(&j) {
                        needs[i].push(j);
                    }
                }
            }
            for (r, at) in self.h.names(spec, "dependencyOf")? {
                if let Some(j) = self.resolve(&r, at, "dependencyOf")?
                    && j != i
                    && !needs[j].contains(&i)
                {
                    needs[j].push(i);
                }
            }
        }
        Ok(needs)
    }

    /// Business services: systems, made of their Components (or, without any, their Resources).
    fn business_services(&mut self) {
        let h = &self.h;
        for (sys, desc) in std::mem::take(&mut self.systems) {
            let member = |e: &&Entity<'_, '_>| {
                get(e.doc, "spec")
                    .and_then(|s| h.text(s, "system", "").ok().flatten())
                    .is_some_and(|s| parse_ref(&s).1 == sys)
            };
            let mut members: Vec<String> = self
                .entities
                .iter()
                .filter(|e| e.kind == "component")
                .filter(member)
                .map(|e| e.item.name.clone())
                .collect();
            if members.is_empty() {
                members = self.entities.iter().filter(member).map(|e| e.item.name.clone()).collect();
            }
            if members.is_empty() {
                self.inv
                    .passed_over
                    .push(format!("System {sys}: no component of the file is part of it"));
                continue;
            }
            self.inv.services.push(Business {
                name: sys.clone(),
                description: desc,
                needs: members,
                origin: format!("System {sys}: up while all its components serve"),
            });
        }
    }

    /// The inventory: groups that own nothing listed as passed over, components with their needs
    /// by name.
    fn finish(mut self, needs: Vec<Vec<usize>>) -> Inventory {
        for g in std::mem::take(&mut self.groups) {
            if !self.inv.teams.contains(&g) {
                self.inv.passed_over.push(format!("Group {g}: owns no component of the file"));
            }
        }
        let names: Vec<String> = self.entities.iter().map(|e| e.item.name.clone()).collect();
        for (e, n) in self.entities.into_iter().zip(needs) {
            let mut item = e.item;
            item.needs = n.into_iter().map(|j| names[j].clone()).collect();
            self.inv.components.push(item);
        }
        self.inv
    }
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
