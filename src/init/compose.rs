//! A Docker Compose file as an inventory.
//!
//! - Each entry of `services` becomes a component; its `image` (registry, path and tag
//!   dropped: `docker.io/library/postgres:16` is `postgres`) names the kind ([`super::kinds`]:
//!   postgres or mysql -> database, redis -> cache, nginx -> load_balancer, kafka -> queue,
//!   minio -> object_store), else the service's own name does, else it is a service.
//! - `depends_on`, as a list of names or as a map of names to `{ condition: ... }`, becomes
//!   `needs`; a name that is not a service of the file is an error at its line and column.
//! - `restart: always` or `unless-stopped` comes back by itself after a power loss
//!   (`restart = "auto"`); `no` and `on-failure` do not (the engine does not restart them
//!   when the host comes back).
//! - Compose names no owners: one team, `ops`, is a placeholder. `x-` extension fields,
//!   `networks`, `volumes`, `configs` and `secrets` are not read.

use std::collections::HashSet;
use std::path::Path;

use super::kinds::{holds_data, kind_of};
use super::yaml::{Here, Node, close_names, entries, get, is_mapping, items, scalar_text};
use super::{Inventory, Item};
use crate::error::{SourceError, SourceErrorKind as K};
use crate::model::ComponentKind;
use crate::model::limits::MAX_NAME_BYTES;

/// Longest name read: room for what init adds to it (`restore-`, `-resource`, `-fails`).
const MAX_SOURCE_NAME: usize = MAX_NAME_BYTES - 20;

/// The image's bare name: `ghcr.io/acme/postgres:16-alpine@sha256:...` is `postgres`.
fn image_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

pub(super) fn read(path: &Path, docs: &[Node<'_>]) -> Result<Inventory, SourceError> {
    let h = Here { path };
    let doc = &docs[0];
    if docs.len() > 1 {
        return Err(h.at(
            K::Format,
            &docs[1],
            "a Compose file is one YAML document; this file has more".into(),
            "remove the `---` and what follows, or give each project its own file",
        ));
    }
    let Some(services) = get(doc, "services").filter(|s| is_mapping(s)) else {
        return Err(h.at(
            K::WrongType,
            get(doc, "services").unwrap_or(doc),
            "`services` is not a mapping of service names".into(),
            "write services: followed by indented `name:` entries",
        ));
    };
    let all = entries(services);
    if all.is_empty() {
        return Err(h.at(K::Missing, services, "`services` is empty".into(), "add the project's services"));
    }
    let names: HashSet<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut inv = Inventory::default();
    for (name, key_node, svc) in &all {
        if name.is_empty() || name.len() > MAX_SOURCE_NAME || name.chars().any(char::is_control) {
            return Err(h.at(
                K::Rule,
                key_node,
                format!("service name {name:?} is empty, too long or has control characters"),
                "give the service a short plain name",
            ));
        }
        let (kind, why) = kind_and_why(&h, name, svc)?;
        let needs = depends_on(&h, &names, name, svc)?;
        let auto_restart = match h.text(svc, "restart", "a restart policy")?.as_deref() {
            Some("always" | "unless-stopped") => Some(true),
            Some(_) => Some(false),
            None => None,
        };
        inv.components.push(Item {
            name: name.clone(),
            kind,
            description: String::new(),
            needs,
            owner: None,
            origin: format!("Compose service {name}, {why}"),
            auto_restart,
            holds_data: holds_data(kind),
        });
    }
    for (k, _, _) in entries(doc) {
        if !matches!(k.as_str(), "services" | "version" | "name") {
            inv.passed_over.push(format!("top-level `{k}`: not read"));
        }
    }
    Ok(inv)
}

/// The component kind of a service, from its image or else its name, and why.
fn kind_and_why(h: &Here<'_>, name: &str, svc: &Node<'_>) -> Result<(ComponentKind, String), SourceError> {
    let image = h.text(svc, "image", "an image name such as postgres:16")?;
    let from_image = image.as_deref().map(image_name).and_then(|i| kind_of(&i).map(|k| (k, i)));
    let (kind, why) = match from_image {
        Some((k, i)) => (k, format!("image {i}")),
        None => match kind_of(name) {
            Some(k) => (k, format!("named {name}")),
            None => (
                ComponentKind::Service,
                match &image {
                    Some(i) => format!("image {}", image_name(i)),
                    None => "built from source".into(),
                },
            ),
        },
    };
    // A Compose service runs on a host; a cloud region or zone is not one.
    Ok(if kind.is_power() {
        (ComponentKind::Service, format!("{why}, read as a service"))
    } else {
        (kind, why)
    })
}

/// The services `depends_on` names (a list or a map), each checked to be a service of the file.
fn depends_on(h: &Here<'_>, names: &HashSet<&str>, name: &str, svc: &Node<'_>) -> Result<Vec<String>, SourceError> {
    let mut needs = Vec::new();
    let Some(dep) = get(svc, "depends_on") else {
        return Ok(needs);
    };
    let listed: Vec<(String, &Node<'_>)> = if let Some(list) = items(dep) {
        list.iter()
            .map(|n| {
                scalar_text(n).map(|t| (t, n)).ok_or_else(|| {
                    h.at(
                        K::WrongType,
                        n,
                        "an entry of `depends_on` is not a service name".into(),
                        "write `- name`",
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else if is_mapping(dep) {
        entries(dep).into_iter().map(|(n, k, _)| (n, k)).collect()
    } else {
        return Err(h.at(
            K::WrongType,
            dep,
            "`depends_on` is neither a list of services nor a map of them".into(),
            "write `depends_on: [db]`, or `depends_on:` with `db: { condition: service_healthy }`",
        ));
    };
    for (d, at) in listed {
        if !names.contains(d.as_str()) {
            let hint = close_names(names.iter().copied(), &d);
            return Err(h.at(
                K::UnknownReference,
                at,
                format!("service {name} depends on {d}, which is not a service of this file{hint}"),
                "add the service under `services`, fix the name, or remove the entry",
            ));
        }
        if d == name {
            return Err(h.at(K::Rule, at, format!("service {name} depends on itself"), "remove this entry"));
        }
        if !needs.contains(&d) {
            needs.push(d);
        }
    }
    Ok(needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_drop_registry_path_and_tag() {
        assert_eq!(image_name("postgres:16"), "postgres");
        assert_eq!(image_name("docker.io/library/redis:7-alpine"), "redis");
        assert_eq!(image_name("ghcr.io/acme/shop-api@sha256:abc"), "shop-api");
        assert_eq!(image_name("localhost:5000/nginx"), "nginx");
    }
}
