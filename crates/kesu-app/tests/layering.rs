//! The layers hold: the domain crates stay pure.
//!
//! Every crate of the workspace except the four that do I/O by design (`kesu-store`: SQL;
//! `kesu-web`: HTTP; `kesu-app`: the use cases over the store; `kesu`: the binary) is a pure
//! domain crate — `kesu-core`, `kesu-plan`, `kesu-survey`, `kesu-indicators`, `kesu-workbook`,
//! `kesu-pii`, and every domain crate added later (`kesu-citizens`, `kesu-services`, …) without a
//! line here. A pure crate:
//!
//! - has no database, HTTP, async-runtime or service-stack crate anywhere in its dependency tree
//!   (read from `cargo metadata`; development dependencies of its own tests excepted);
//! - opens no files, sockets or processes in its sources (up to their `#[cfg(test)]` tests):
//!   it takes bytes or readers, and the edges open files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed cargo metadata fails the test"
)]

use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates whose job is I/O (the benchmark tool under `tools/` drives a database and pages).
const IO_CRATES: [&str; 5] = ["kesu", "kesu-app", "kesu-store", "kesu-web", "kesu-bench"];

/// Pure crates that must exist (so that the test cannot pass on an empty list).
const KNOWN_PURE: [&str; 8] = [
    "kesu-core",
    "kesu-plan",
    "kesu-survey",
    "kesu-indicators",
    "kesu-workbook",
    "kesu-pii",
    "kesu-citizens",
    "kesu-services",
];

/// Crate families a pure crate must not depend on, even indirectly: databases, HTTP clients and
/// servers, async runtimes, service stacks.
const FORBIDDEN: [&str; 8] = [
    "sqlx", "rusqlite", "postgres", "axum", "tokio", "hyper", "reqwest", "tower",
];

fn forbidden(package: &str) -> bool {
    FORBIDDEN
        .iter()
        .any(|f| package == *f || package.starts_with(&format!("{f}-")))
}

/// The target this test runs on (`x86_64-unknown-linux-gnu`): the tree is read for it, so that
/// other platforms' crates need not be downloaded.
fn host() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

struct Workspace {
    /// package id → name
    names: BTreeMap<String, String>,
    /// package id → ids of its normal and build dependencies
    deps: BTreeMap<String, Vec<String>>,
    /// pure crate name → (id, manifest directory)
    pure: BTreeMap<String, (String, PathBuf)>,
}

fn workspace() -> Workspace {
    let m = metadata();
    let members: BTreeSet<&str> = m["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut names = BTreeMap::new();
    let mut pure = BTreeMap::new();
    for p in m["packages"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap().to_string();
        let name = p["name"].as_str().unwrap().to_string();
        if members.contains(id.as_str()) && !IO_CRATES.contains(&name.as_str()) {
            let dir = Path::new(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .to_path_buf();
            pure.insert(name.clone(), (id.clone(), dir));
        }
        names.insert(id, name);
    }
    let mut deps = BTreeMap::new();
    for node in m["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap().to_string();
        let used: Vec<String> = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                // Development dependencies serve the crate's own tests, not the crate.
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].as_str() != Some("dev"))
            })
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        deps.insert(id, used);
    }
    Workspace { names, deps, pure }
}

/// The path from `root` to each forbidden package in its tree (`a → b → tokio`).
fn forbidden_paths(w: &Workspace, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![(root.to_string(), vec![w.names[root].clone()])];
    while let Some((id, path)) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for d in w.deps.get(&id).into_iter().flatten() {
            let mut p = path.clone();
            p.push(w.names[d].clone());
            if forbidden(&w.names[d]) {
                out.push(p.join(" → "));
            } else {
                stack.push((d.clone(), p));
            }
        }
    }
    out
}

/// The `.rs` files under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of a source file up to its tests, without comments.
fn code(text: &str) -> String {
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Uses of the file system, the network or processes in `code`.
fn io_uses(code: &str) -> Vec<String> {
    let patterns = [
        r"\bstd::(fs|net|process)\b",
        r"\bstd::\{[^}]*\b(fs|net|process)\b",
        r"\bFile::(open|create)\b",
        r"\bOpenOptions\b",
        r"\bTcp(Stream|Listener)\b",
        r"\bUdpSocket\b",
        r"\bCommand::new\b",
    ];
    let mut out = Vec::new();
    for p in patterns {
        for m in Regex::new(p).unwrap().find_iter(code) {
            out.push(m.as_str().to_string());
        }
    }
    out
}

#[test]
fn the_pure_crates_are_the_workspace_crates_that_do_no_io() {
    let w = workspace();
    for name in KNOWN_PURE {
        assert!(w.pure.contains_key(name), "{name} is not a workspace crate");
    }
}

#[test]
fn no_pure_crate_depends_on_a_database_http_or_an_async_runtime() {
    let w = workspace();
    let mut found = Vec::new();
    for (id, _) in w.pure.values() {
        found.extend(forbidden_paths(&w, id));
    }
    assert!(
        found.is_empty(),
        "pure crates must not depend on {FORBIDDEN:?}:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_pure_crate_opens_files_sockets_or_processes() {
    let w = workspace();
    let mut found = Vec::new();
    for (name, (_, dir)) in &w.pure {
        for file in sources(&dir.join("src")) {
            let text = std::fs::read_to_string(&file).unwrap();
            for u in io_uses(&code(&text)) {
                found.push(format!("{name}: {} uses {u}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "pure crates take bytes or readers; the edges open files:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The checks themselves, on made-up input: a test that cannot fail proves nothing.
    assert!(forbidden("tokio") && forbidden("tokio-util") && forbidden("sqlx-core"));
    assert!(forbidden("hyper-util") && forbidden("tower-http") && forbidden("axum-core"));
    assert!(!forbidden("tokenizers") && !forbidden("towers") && !forbidden("serde"));
    let src = "use std::fs;\nuse std::{io, net::TcpStream};\nfn f() { File::open(p); }\n\
               // std::process is only mentioned\n#[cfg(test)]\nmod tests { use std::fs; }";
    assert_eq!(
        io_uses(&code(src)),
        vec!["std::fs", "std::{io, net", "File::open", "TcpStream"]
    );
    assert!(io_uses(&code("fn f(r: impl std::io::Read) {}")).is_empty());
}
