//! YAML read with positions ([`saphyr`]'s `MarkedYaml`), and the few questions both formats
//! ask of a node: a field, a name, a list of names, where it is.
//!
//! saphyr rejects duplicate keys and caps alias expansion (a "billion laughs" file is an error,
//! not an exhausted memory), so neither is handled here.

use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::Format;
use crate::error::{SourceError, SourceErrorKind as K};

/// A node of a loaded document.
pub(super) type Node<'a> = MarkedYaml<'a>;

/// Every document of `text`.
pub(super) fn load<'a>(path: &Path, text: &'a str) -> Result<Vec<Node<'a>>, SourceError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let m = e.marker();
        let info = crate::error::escape_controls(e.info());
        let help = if info.contains("duplicate") || info.contains("already") {
            "a key is given once in a mapping; remove or rename one of them"
        } else {
            "this is not valid YAML: check the indentation, the `key: value` form and the quotes on this line and the one before"
        };
        SourceError {
            kind: K::Syntax,
            path: path.to_path_buf(),
            position: Some((m.line(), m.col() + 1)),
            message: info,
            help: Some(help.into()),
        }
    })?;
    Ok(docs.into_iter().filter(|d| !is_null(d)).collect())
}

/// Which format the documents are: every document with `apiVersion` and `kind` is a
/// Backstage catalog; one mapping with `services` is a Compose file.
pub(super) fn format_of(path: &Path, docs: &[Node<'_>]) -> Result<Format, SourceError> {
    let Some(first) = docs.first() else {
        return Err(SourceError {
            kind: K::Format,
            path: path.to_path_buf(),
            position: None,
            message: "the file has no YAML document".into(),
            help: Some("name a Backstage catalog (catalog-info.yaml) or a Docker Compose file".into()),
        });
    };
    if get(first, "kind").is_some() && get(first, "apiVersion").is_some() {
        return Ok(Format::Backstage);
    }
    if get(first, "services").is_some() {
        return Ok(Format::Compose);
    }
    Err(SourceError {
        kind: K::Format,
        path: path.to_path_buf(),
        position: Some(position(first)),
        message: "this is neither a Backstage catalog nor a Docker Compose file".into(),
        help: Some(
            "a Backstage catalog's documents have `apiVersion` and `kind` (Component, Resource, System, Group); a Compose file has `services`"
                .into(),
        ),
    })
}

/// 1-based line and column of a node.
pub(super) fn position(n: &Node<'_>) -> (usize, usize) {
    (n.span.start.line(), n.span.start.col() + 1)
}

fn is_null(n: &Node<'_>) -> bool {
    matches!(n.data, YamlData::Value(Scalar::Null))
}

/// The node under the tags.
fn untagged<'n, 'a>(n: &'n Node<'a>) -> &'n Node<'a> {
    match &n.data {
        YamlData::Tagged(_, inner) => untagged(inner),
        _ => n,
    }
}

/// Field `key` of a mapping (None if `n` is not a mapping, or has no such key).
pub(super) fn get<'n, 'a>(n: &'n Node<'a>, key: &str) -> Option<&'n Node<'a>> {
    let YamlData::Mapping(m) = &untagged(n).data else { return None };
    m.iter().find(|(k, _)| scalar_text(k).as_deref() == Some(key)).map(|(_, v)| v)
}

/// Entries of a mapping with their key's text (empty if `n` is not a mapping).
pub(super) fn entries<'n, 'a>(n: &'n Node<'a>) -> Vec<(String, &'n Node<'a>, &'n Node<'a>)> {
    let YamlData::Mapping(m) = &untagged(n).data else {
        return Vec::new();
    };
    m.iter().filter_map(|(k, v)| scalar_text(k).map(|t| (t, k, v))).collect()
}

/// Whether the node is a mapping.
pub(super) fn is_mapping(n: &Node<'_>) -> bool {
    matches!(untagged(n).data, YamlData::Mapping(_))
}

/// The items of a sequence, None if `n` is not one.
pub(super) fn items<'n, 'a>(n: &'n Node<'a>) -> Option<&'n [Node<'a>]> {
    match &untagged(n).data {
        YamlData::Sequence(s) => Some(s),
        _ => None,
    }
}

/// A scalar's text (a number or a boolean as written); None for a mapping, a list or null.
pub(super) fn scalar_text(n: &Node<'_>) -> Option<String> {
    match &untagged(n).data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

/// Errors at a place in one file.
/// ` (did you mean a, b?)` for the names close to `name`, sorted so the message is the same on
/// every run; empty when none is.
pub(super) fn close_names<'a>(names: impl IntoIterator<Item = &'a str>, name: &str) -> String {
    let mut close: Vec<&str> = names.into_iter().filter(|n| crate::error::similar(n, name)).collect();
    if close.is_empty() {
        return String::new();
    }
    close.sort_unstable();
    format!(" (did you mean {}?)", close.join(", "))
}

pub(super) struct Here<'p> {
    pub path: &'p Path,
}

impl Here<'_> {
    /// An error of `kind` at node `n`.
    pub fn at(&self, kind: K, n: &Node<'_>, message: String, help: &str) -> SourceError {
        SourceError {
            kind,
            path: self.path.to_path_buf(),
            position: Some(position(n)),
            message,
            help: Some(help.to_string()),
        }
    }

    /// Field `key` of `n` as text, if present; an error if it is there but not text.
    pub fn text(&self, n: &Node<'_>, key: &str, what: &str) -> Result<Option<String>, SourceError> {
        match get(n, key) {
            None => Ok(None),
            Some(v) if is_null(v) => Ok(None),
            Some(v) => scalar_text(v)
                .map(Some)
                .ok_or_else(|| self.at(K::WrongType, v, format!("`{key}` is not text"), &format!("write {what}"))),
        }
    }

    /// Field `key` of `n`: a list of names (a single name counts as a list of one).
    pub fn names<'n, 'a>(&self, n: &'n Node<'a>, key: &str) -> Result<Vec<(String, &'n Node<'a>)>, SourceError> {
        let Some(v) = get(n, key) else { return Ok(Vec::new()) };
        if is_null(v) {
            return Ok(Vec::new());
        }
        if let Some(t) = scalar_text(v) {
            return Ok(vec![(t, v)]);
        }
        let Some(list) = items(v) else {
            return Err(self.at(
                K::WrongType,
                v,
                format!("`{key}` is not a list of names"),
                &format!("write `{key}:` followed by lines `- name`"),
            ));
        };
        list.iter()
            .map(|item| {
                scalar_text(item).map(|t| (t, item)).ok_or_else(|| {
                    self.at(
                        K::WrongType,
                        item,
                        format!("an entry of `{key}` is not a name"),
                        "write each entry as `- name`",
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_keys_found() {
        let text = "a: 1\nb:\n  c: [x, y]\n";
        let docs = load(Path::new("t.yaml"), text).unwrap();
        let b = get(&docs[0], "b").unwrap();
        let c = get(b, "c").unwrap();
        assert_eq!(position(c), (3, 6));
        let h = Here { path: Path::new("t.yaml") };
        let names: Vec<String> = h.names(b, "c").unwrap().into_iter().map(|x| x.0).collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(h.text(&docs[0], "a", "a number").unwrap().as_deref(), Some("1"));
    }

    #[test]
    fn bad_yaml_says_where() {
        let e = load(Path::new("t.yaml"), "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.kind, K::Syntax);
        assert!(e.position.is_some());
        let e = load(Path::new("t.yaml"), "a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.kind, K::Syntax, "{e}");
    }
}
