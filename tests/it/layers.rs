//! The shape of the code: no module imports one above it, and the files of `sim/` import each
//! other without a cycle. The layers, lowest first, are written in `src/lib.rs`'s guide; this
//! test reads every `crate::…` and `super::…` path in `src/` and fails on an upward arrow, so
//! the shape stays as the code grows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::common::repo;

/// Modules that may import fewer modules than their layer allows: the checked model stands on
/// errors alone, so that reading files (scenario) and playing trials (sim) both stand on it.
const ONLY: &[(&str, &[&str])] = &[("model", &["error"])];

/// Folders whose files must not import each other in a cycle.
const ACYCLIC: &[&str] = &["sim"];

/// The layers as `src/lib.rs`'s guide draws them: each line of its `text` block that begins
/// with a number is a layer, and the module names after it (up to the first word that is no
/// module) are the modules of that layer. The guide is the one place the picture is written.
fn layers() -> BTreeMap<String, u32> {
    let lib = std::fs::read_to_string(repo("src/lib.rs")).unwrap();
    let mods = declared_modules(&lib);
    let guide = lib.split("```text").nth(1).and_then(|g| g.split("```").next()).unwrap_or("");
    let mut out = BTreeMap::new();
    for line in guide.lines() {
        let mut words = line.trim_start_matches("//!").split_whitespace();
        let Some(Ok(rank)) = words.next().map(str::parse::<u32>) else {
            continue;
        };
        for w in words.take_while(|w| mods.contains(*w)) {
            assert!(out.insert(w.to_string(), rank).is_none(), "src/lib.rs's guide lists `{w}` twice");
        }
    }
    out
}

/// The `pub mod` names `src/lib.rs` declares.
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .collect()
}

#[test]
fn the_guide_draws_every_module_of_the_library_once() {
    let lib = std::fs::read_to_string(repo("src/lib.rs")).unwrap();
    let declared = declared_modules(&lib);
    let drawn: BTreeSet<String> = layers().into_keys().collect();
    assert!(declared.len() > 10, "the lib.rs reader found only {declared:?}");
    assert_eq!(drawn, declared, "src/lib.rs's layer picture and its `pub mod` list differ");
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The text without comments, string and character literals (so a doc comment's example or a
/// message that mentions `crate::x` is not an import).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && (i == 0 || !is_ident(b[i - 1])) {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            i = j + close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The first segment of every path that starts with `prefix` (e.g. `crate::`), with braces
/// expanded: `crate::{a::x, b}` gives `a` and `b`. With `deep`, also the second segment
/// (`a::x` gives `a x`), which the sibling check needs.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    paths_at(code, prefix).into_iter().map(|(_, p)| p).collect()
}

/// [`paths_after`] with the byte offset where each path begins.
fn paths_at(code: &str, prefix: &str) -> Vec<(usize, Vec<String>)> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = code[from..].find(prefix) {
        let start = from + pos;
        from = start + prefix.len();
        // `x::crate` is no path from the root, and the second `super` of `super::super::`
        // belongs to the path the first began.
        if start > 0 && (is_ident(b[start - 1]) || b[start - 1] == b':') {
            continue;
        }
        let mut paths = Vec::new();
        segments(code, from, &mut Vec::new(), &mut paths);
        found.extend(paths.into_iter().map(|p| (start, p)));
    }
    found
}

/// The inline modules of a file (`mod tests { … }`) as (name, first byte, last byte), so that
/// a `super::` inside one is read from that module and not from the file's.
fn inline_modules(code: &str) -> Vec<(String, usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = code[from..].find("mod ") {
        let start = from + pos;
        from = start + 4;
        if start > 0 && is_ident(b[start - 1]) {
            continue;
        }
        let mut at = from;
        while at < b.len() && is_ident(b[at]) {
            at += 1;
        }
        let name = &code[from..at];
        while at < b.len() && b[at].is_ascii_whitespace() {
            at += 1;
        }
        if name.is_empty() || b.get(at) != Some(&b'{') {
            continue;
        }
        let mut depth = 0;
        let mut end = at;
        for (i, &c) in b.iter().enumerate().skip(at) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((name.to_string(), start, end));
    }
    out
}

/// Read a path starting at `at` (after a `::`), pushing each complete path's segments.
fn segments(code: &str, mut at: usize, head: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let b = code.as_bytes();
    while at < b.len() && b[at].is_ascii_whitespace() {
        at += 1;
    }
    if b.get(at) == Some(&b'{') {
        // A group: split at top-level commas.
        let mut depth = 0;
        let mut item_start = at + 1;
        let mut i = at;
        while i < b.len() {
            match b[i] {
                b'{' => depth += 1,
                b'}' | b',' if depth == 1 => {
                    let mut h = head.clone();
                    segments(code, item_start, &mut h, out);
                    item_start = i + 1;
                    if b[i] == b'}' {
                        return;
                    }
                }
                b'}' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        return;
    }
    let s = at;
    while at < b.len() && is_ident(b[at]) {
        at += 1;
    }
    if s == at {
        if !head.is_empty() {
            out.push(head.clone());
        }
        return;
    }
    head.push(code[s..at].to_string());
    if code[at..].starts_with("::") {
        segments(code, at + 2, head, out);
    } else {
        out.push(head.clone());
    }
}

/// The module path of a source file: `src/sim/queue.rs` is `["sim", "queue"]`,
/// `src/sim/mod.rs` is `["sim"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(repo("src")).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The top-level module each `crate::` and `super::` path of a file at `module` names: a
/// `super::` chain is followed up the module path, so `super::super::report` from
/// `src/sim/world/power.rs` is `report` and not an escape from the check.
fn imported_tops(code: &str, module: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = paths_after(code, "crate::")
        .into_iter()
        .map(|p| (p[0].clone(), format!("crate::{}", p.join("::"))))
        .collect();
    let inline = inline_modules(code);
    for (pos, p) in paths_at(code, "super::") {
        // `super::` itself is one step up; each further `super` segment another.
        let ups = 1 + p.iter().take_while(|s| *s == "super").count();
        let rest = &p[ups - 1..];
        let written = format!("{}{}", "super::".repeat(ups), rest.join("::"));
        let mut at: Vec<String> = module.to_vec();
        at.extend(inline.iter().filter(|(_, s, e)| *s < pos && pos < *e).map(|(n, _, _)| n.clone()));
        for _ in 0..ups {
            at.pop();
        }
        let full: Vec<String> = at.into_iter().chain(rest.iter().cloned()).collect();
        if let Some(top) = full.first() {
            out.push((top.clone(), written));
        }
    }
    out
}

#[test]
fn no_module_imports_one_above_it() {
    let layers = layers();
    let mut files = Vec::new();
    rust_files(&repo("src"), &mut files);
    let mut upward = Vec::new();
    let mut unknown = BTreeSet::new();
    for f in &files {
        let module = module_of(f);
        let Some(top) = module.first() else { continue };
        if top == "cli" || top == "main" {
            continue; // the binary's own modules stand above every library module
        }
        let Some(&own) = layers.get(top) else {
            unknown.insert(top.clone());
            continue;
        };
        let only = ONLY.iter().find(|(m, _)| m == top).map(|(_, allowed)| *allowed);
        let code = code_only(&std::fs::read_to_string(f).unwrap());
        for (target, written) in imported_tops(&code, &module) {
            if &target == top {
                continue;
            }
            match layers.get(&target) {
                Some(_) if only.is_some_and(|allowed| !allowed.contains(&target.as_str())) => upward.push(format!(
                    "{} imports {written} ({top} may import only {:?})",
                    f.display(),
                    only.unwrap_or_default()
                )),
                Some(&r) if r < own => {}
                Some(_) => upward.push(format!("{} imports {written} ({top} is not above {target})", f.display())),
                None => {
                    unknown.insert(target.clone());
                }
            }
        }
    }
    assert!(unknown.is_empty(), "modules missing from src/lib.rs's layer picture: {unknown:?}");
    assert!(upward.is_empty(), "imports that point upward or sideways:\n{}", upward.join("\n"));
}

/// Which file of a folder an item or module named `name`, seen from the folder's `mod.rs`,
/// belongs to: a child file of that name, a child that `mod.rs` re-exports it from, or `mod.rs`.
fn resolve(name: &str, children: &BTreeSet<String>, reexports: &BTreeMap<String, String>) -> String {
    if children.contains(name) {
        name.to_string()
    } else if let Some(child) = reexports.get(name) {
        child.clone()
    } else {
        "mod".to_string()
    }
}

#[test]
fn the_files_of_sim_form_no_cycle() {
    for folder in ACYCLIC {
        let dir = repo("src").join(folder);
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        let name = |f: &Path| f.file_stem().unwrap().to_string_lossy().into_owned();
        let children: BTreeSet<String> = files.iter().map(|f| name(f)).filter(|n| n != "mod").collect();
        let mod_code = code_only(&std::fs::read_to_string(dir.join("mod.rs")).unwrap());
        // Items mod.rs re-exports from a child: `pub use child::{A, B}`.
        let mut reexports = BTreeMap::new();
        for stmt in mod_code.split(';') {
            let s = stmt.trim();
            if let Some(rest) = s.strip_prefix("pub use ").or_else(|| s.strip_prefix("pub(crate) use ")) {
                let rest = rest.trim().trim_start_matches("self::");
                let rest = rest
                    .strip_prefix("crate::")
                    .map(|r| r.trim_start_matches(&format!("{folder}::")))
                    .unwrap_or(rest);
                for p in paths_after(&format!("::{rest}"), "::") {
                    if p.len() >= 2 && children.contains(&p[0]) {
                        reexports.insert(p.last().unwrap().clone(), p[0].clone());
                    }
                }
            }
        }
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let me = name(f);
            let code = code_only(&std::fs::read_to_string(f).unwrap());
            let mut targets = BTreeSet::new();
            let prefix = format!("crate::{folder}::");
            let mut seen = paths_after(&code, &prefix);
            if me == "mod" {
                // mod.rs names its children directly (`use queue::X`, `self::queue::X`); a
                // re-export is the folder's public face, not a dependency.
                for child in &children {
                    let uses = code
                        .split(';')
                        .filter(|s| !s.trim_start().starts_with("pub use") && !s.trim_start().starts_with("pub(crate) use"))
                        .any(|s| s.contains(&format!("{child}::")));
                    if uses {
                        targets.insert(child.clone());
                    }
                }
            } else {
                // `super::super::…` leaves the folder; the layer test reads it.
                seen.extend(paths_after(&code, "super::").into_iter().filter(|p| p[0] != "super"));
            }
            for p in seen {
                let t = resolve(&p[0], &children, &reexports);
                if t != me {
                    targets.insert(t);
                }
            }
            edges.insert(me, targets);
        }
        // Depth-first search for a cycle.
        fn visit(
            n: &str,
            edges: &BTreeMap<String, BTreeSet<String>>,
            state: &mut BTreeMap<String, u8>,
            stack: &mut Vec<String>,
        ) -> Option<Vec<String>> {
            match state.get(n) {
                Some(2) => return None,
                Some(1) => {
                    let at = stack.iter().position(|s| s == n).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(n.to_string());
                    return Some(cycle);
                }
                _ => {}
            }
            state.insert(n.to_string(), 1);
            stack.push(n.to_string());
            for m in edges.get(n).into_iter().flatten() {
                if let Some(c) = visit(m, edges, state, stack) {
                    return Some(c);
                }
            }
            stack.pop();
            state.insert(n.to_string(), 2);
            None
        }
        let mut state = BTreeMap::new();
        for n in edges.keys() {
            if let Some(cycle) = visit(n, &edges, &mut state, &mut Vec::new()) {
                panic!("the files of src/{folder}/ import each other in a cycle: {}", cycle.join(" -> "));
            }
        }
    }
}

#[test]
fn super_chains_resolve_to_the_module_they_reach() {
    let module = |p: &str| p.split('/').map(String::from).collect::<Vec<String>>();
    let code = code_only("use super::super::report::x; use super::queue::Ev; use super::{a, b};");
    let tops: Vec<String> = imported_tops(&code, &module("sim/world/power")).into_iter().map(|t| t.0).collect();
    assert_eq!(tops, ["sim", "sim", "sim", "sim"]);
    let tops: Vec<String> = imported_tops(&code, &module("sim/power")).into_iter().map(|t| t.0).collect();
    assert_eq!(tops, ["report", "sim", "sim", "sim"]);
    // From a folder's mod.rs (module `sim`), `super::` is the crate root.
    let tops: Vec<String> = imported_tops(&code_only("use super::report::x;"), &module("sim"))
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(tops, ["report"]);
    // Inside an inline `mod tests { … }`, `super::` is the file's own module.
    let code = code_only("mod tests { use super::line_col; }\nuse super::report::x;");
    let tops: Vec<String> = imported_tops(&code, &module("error")).into_iter().map(|t| t.0).collect();
    assert_eq!(tops, ["error", "report"]);
}

#[test]
fn the_layer_reader_sees_grouped_and_nested_paths() {
    let code = code_only("use crate::{a::x, b::{y, z}}; // crate::c\nlet s = \"crate::d\"; let t = crate::e::f(1);");
    let tops: Vec<String> = paths_after(&code, "crate::").into_iter().map(|p| p[0].clone()).collect();
    assert_eq!(tops, ["a", "b", "b", "e"]);
}
