//! The crate is self-contained: what a user of the crate reads (SPEC.md, the README, `docs/`, the
//! rustdoc in `src/` and `cli/src/`, the examples, the scenario and vector descriptions, the
//! published JSON Schemas, whose descriptions are the rustdoc) cites
//! the sources in `docs/sources.md`, never a file outside the repository (the project's working
//! notes `FACTS.md`, `NOTES.md`, `STYLE.md`, or the seed pages as "seed 001"), every `S-…`/`P-…`
//! id it cites exists, every SPEC `Source:` names a source entry or a modelling assumption, and
//! the README's dependency line is the one the downstream crate and the rustdoc use.
//!
//! Each failure prints `file:line` and how to fix it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What a crate user reads: the files and the folders scanned (recursively).
const READ_BY_USERS: [&str; 10] = [
    "SPEC.md",
    "README.md",
    "docs",
    "src",
    "cli/src",
    "examples",
    "scenarios",
    "tests/vectors",
    "schemas",
    "interop/PROTOCOL-NOTES.md",
];

/// Which `docs/sources.md` entry a line probably wants, from words on the line: the hint the
/// failure message gives (the first matches win; the fallback lists the seed pages' ids).
const HINTS: [(&str, &str); 34] = [
    ("N22104", "S-ERR-4"),
    ("error 4", "S-ERR-4"),
    ("error 2", "S-ERR-2"),
    ("error 3", "S-ERR-3"),
    ("error 10", "S-ERR-10"),
    ("error 11", "S-ERR-11"),
    ("web-view", "S-NO-WEBVIEW"),
    ("plugin", "S-PLUGIN-HOST"),
    ("onShow", "S-NO-ONSHOW"),
    ("onLoad", "S-ONLOAD-SILENT"),
    ("first screen", "S-NO-FIRST-SCREEN"),
    ("double", "S-ONE-POPUP"),
    ("popup", "S-SCOPE-SILENT"),
    ("auth_base", "S-SCOPE-SILENT"),
    ("auth_user", "S-SCOPE-AUTH-USER"),
    ("scopes", "S-SCOPES-ARG"),
    ("USER_", "S-SCOPES-INTL"),
    ("authErrorScopes", "S-AUTHCODE-FAIL"),
    ("authCode", "S-AUTHCODE-SUCCESS"),
    ("button", "S-BUTTON"),
    ("getOpenUserInfo", "S-OPENUSERINFO-ERRORS"),
    ("nickName", "S-OPENUSERINFO-RESPONSE"),
    ("getPhoneNumber", "S-PHONE"),
    ("getSetting", "S-GETSETTING"),
    ("revoke", "S-REVOKE"),
    ("refresh", "S-GW-REFRESH"),
    ("expire", "S-GW-CODE-TTL"),
    ("single-use", "S-GW-CODE-ONCE"),
    ("sub_code", "S-GW-SUBCODES"),
    ("user_id", "S-ID-USER"),
    ("open_id", "S-ID-OPEN"),
    ("info.share", "S-INFO-SHARE"),
    ("sign", "S-HTTP-RESPONSE-SIGN"),
    ("gateway", "S-GW-SHAPE"),
];

fn files_under(rel: &str) -> Vec<PathBuf> {
    let path = Path::new(ROOT).join(rel);
    if path.is_file() {
        return vec![path];
    }
    let mut out = Vec::new();
    let mut stack = vec![path];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue; // a folder that does not exist (yet) holds nothing to check
        };
        for entry in entries {
            let p = entry.expect("readable folder entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("rs" | "md" | "json" | "txt" | "toml")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(ROOT)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The file outside the repository a line cites, if any.
fn outside_citation(line: &str) -> Option<&'static str> {
    if line.contains("FACTS.md") {
        return Some("FACTS.md");
    }
    if line.contains("../shared") || line.contains("shared/seeds") {
        return Some("../shared/");
    }
    if line.contains("STYLE.md") {
        return Some("STYLE.md");
    }
    // `NOTES.md` alone is the working notes; `interop/PROTOCOL-NOTES.md` is in the repository.
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices("NOTES.md") {
        if i == 0 || !matches!(bytes[i - 1], b'-' | b'_' | b'/') {
            return Some("NOTES.md");
        }
    }
    // "seed 001", "seeds 000, 002": a seed page by its number (an RNG seed such as "seed 7" or
    // "seed 0" is not three digits starting with 0).
    for word in ["seed ", "seeds ", "Seed ", "Seeds "] {
        for (i, _) in line.match_indices(word) {
            let rest = &bytes[i + word.len()..];
            if rest.len() >= 3
                && rest[0] == b'0'
                && rest[..3].iter().all(u8::is_ascii_digit)
                && rest.get(3).is_none_or(|b| !b.is_ascii_digit())
            {
                return Some("a seed page by number");
            }
        }
    }
    None
}

fn hint(line: &str) -> String {
    let mut ids: Vec<&str> = HINTS
        .iter()
        .filter(|(word, _)| line.contains(word))
        .map(|(_, id)| *id)
        .collect();
    ids.dedup();
    ids.truncate(3);
    if ids.is_empty() {
        "an `S-…` entry of docs/sources.md (the seed pages are P-FAQ-AUTH = seed 000, \
         P-GETAUTHCODE-CN = seed 001, P-FAQ-MEMBER = seed 002, P-GETAUTHCODE-INTL = seed 003)"
            .to_owned()
    } else {
        format!("probably {} (see docs/sources.md)", ids.join(" or "))
    }
}

/// The source ids a text cites: `S-…` and `P-…` words of capitals, digits and dashes.
fn cited_ids(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (i, w) in text.char_indices() {
        if !(w == 'S' || w == 'P') || bytes.get(i + 1) != Some(&b'-') {
            continue;
        }
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'-' | b'_')) {
            continue;
        }
        let end = text[i..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))
            .map_or(text.len(), |n| i + n);
        let id = text[i..end].trim_end_matches('-');
        if id.len() > 2 && id.as_bytes()[2].is_ascii_uppercase() {
            out.push(id.to_owned());
        }
    }
    out
}

fn defined_ids() -> BTreeSet<String> {
    let sources = read(&Path::new(ROOT).join("docs/sources.md"));
    sources
        .split("<a id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("closed id")].to_owned())
        .collect()
}

/// No text a crate user reads cites a file outside the repository.
#[test]
fn no_citation_of_files_outside_the_repository() {
    let mut bad = Vec::new();
    for root in READ_BY_USERS {
        for path in files_under(root) {
            for (n, line) in read(&path).lines().enumerate() {
                if let Some(what) = outside_citation(line) {
                    bad.push(format!(
                        "{}:{}: cites {what}, which a user of the crate cannot open; cite {} \
                         instead, e.g. `Source: S-GW-CODE-ONCE` in SPEC.md or \
                         `(sources: S-GW-CODE-ONCE)` in rustdoc\n    {}",
                        rel(&path),
                        n + 1,
                        hint(line),
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} citation(s) of files outside the repository (add a docs/sources.md entry, in the \
         project's own words with the page's title and address, if none fits):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Every `S-…`/`P-…` id cited anywhere a user reads is defined in docs/sources.md.
#[test]
fn every_cited_source_id_exists() {
    let defined = defined_ids();
    assert!(defined.len() > 40, "docs/sources.md lost its entries");
    let mut bad = Vec::new();
    for root in READ_BY_USERS {
        for path in files_under(root) {
            for (n, line) in read(&path).lines().enumerate() {
                for id in cited_ids(line) {
                    if !defined.contains(&id) {
                        bad.push(format!(
                            "{}:{}: cites {id}, which docs/sources.md does not define; use an id \
                             it defines (`<a id=\"…\">`) or add the entry",
                            rel(&path),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "unknown source ids:\n{}", bad.join("\n"));
}

/// Every `Source:` of SPEC.md names a docs/sources.md entry (a page of the real platform) or a
/// modelling assumption (with its reason).
#[test]
fn every_spec_source_is_an_entry_or_a_modelling_assumption() {
    let spec = read(&Path::new(ROOT).join("SPEC.md"));
    let mut bad = Vec::new();
    for (i, _) in spec.match_indices("Source:") {
        let clause = &spec[i..];
        let end = ["Tests:", "\n\n", "\n- **"]
            .iter()
            .filter_map(|stop| clause.find(stop))
            .min()
            .unwrap_or(clause.len());
        let clause = clause[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if cited_ids(&clause).is_empty() && !clause.contains("modelling assumption") {
            let line = spec[..i].lines().count();
            bad.push(format!(
                "SPEC.md:{line}: `{clause}` names neither a docs/sources.md entry (`Source: S-…`) nor \
                 a modelling assumption (`Source: modelling assumption (why)`)"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The dependency line the README gives is the one `tests/downstream/` builds with and the one
/// the rustdoc of `authsim::reference` shows (only the path to the checkout differs).
#[test]
fn readme_dependency_line_is_the_one_downstream_and_rustdoc_use() {
    let line = |text: &str, file: &str| -> String {
        let l = text
            .lines()
            .find(|l| l.trim_start().starts_with("authsim = {"))
            .unwrap_or_else(|| panic!("{file}: no `authsim = {{ … }}` dependency line"));
        // The path differs by where the crate sits; everything else must be equal.
        let l = l.split('#').next().expect("split yields one part").trim();
        let start = l.find("path = \"").map(|i| i + 8);
        match start {
            Some(s) => {
                let e = s + l[s..].find('"').expect("closed path");
                format!("{}PATH{}", &l[..s], &l[e..])
            }
            None => l.to_owned(),
        }
    };
    let readme = line(&read(&Path::new(ROOT).join("README.md")), "README.md");
    let downstream = line(
        &read(&Path::new(ROOT).join("tests/downstream/Cargo.toml")),
        "tests/downstream/Cargo.toml",
    );
    let rustdoc = read(&Path::new(ROOT).join("src/reference/mod.rs")).replace("//! ", "");
    let rustdoc = line(&rustdoc, "src/reference/mod.rs");
    assert_eq!(
        readme, downstream,
        "README.md vs tests/downstream/Cargo.toml"
    );
    assert_eq!(
        readme, rustdoc,
        "README.md vs the rustdoc of authsim::reference"
    );
    assert!(
        !readme.contains("version ="),
        "the crate is not published: a `version` dependency cannot resolve ({readme})"
    );
}

/// The checker itself: it flags what it must and passes what it must (an RNG seed, the
/// repository's own PROTOCOL-NOTES.md, the fuzz seeds folder).
#[test]
fn the_citation_checker_tells_outside_files_from_lookalikes() {
    for bad in [
        "Source: FACTS.md.",
        "(seed 001)",
        "seeds 000, 002",
        "see ../shared/seeds/001_x.txt",
        "see NOTES.md",
    ] {
        assert!(outside_citation(bad).is_some(), "{bad}");
    }
    for good in [
        "Default mix, 4 apps, seed 0;",
        "seed 7, one app",
        "`interop/PROTOCOL-NOTES.md`",
        "fuzz/seeds/inputs",
        "seed 4096",
        "Source: S-ERR-4",
    ] {
        assert!(outside_citation(good).is_none(), "{good}");
    }
    assert_eq!(
        cited_ids("Source: S-ERR-4, P-FAQ-AUTH; R-HTTP-SIGN SHA-256 S-"),
        ["S-ERR-4", "P-FAQ-AUTH"]
    );
    assert!(hint("error 4 N22104 (FACTS.md)").contains("S-ERR-4"));
}
