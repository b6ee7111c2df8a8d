//! Reads SPEC.md's markdown tables, so a test can tie each to the one copy of it in the source,
//! row by row and in both directions (a row missing on either side fails). Shared by the
//! library's `tests/spec_tables.rs` and the tool's `cli/tests/http_gateway.rs` (by `#[path]`).
#![allow(dead_code)]

use std::path::Path;

/// SPEC.md at the repository root `repo`.
pub fn read(repo: &Path) -> String {
    std::fs::read_to_string(repo.join("SPEC.md")).expect("SPEC.md is readable")
}

/// The text of the section whose heading starts with `heading` (`"## 6."`, `"### 8.2"`), up to
/// the next heading of the same or a higher level.
pub fn section<'a>(spec: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let start = spec
        .lines()
        .scan(0, |at, line| {
            let here = *at;
            *at += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.starts_with(heading))
        .map(|(at, _)| at)
        .unwrap_or_else(|| panic!("SPEC.md has no heading starting {heading:?}"));
    let body = &spec[start..];
    let mut offset = 0;
    for (i, line) in body.lines().enumerate() {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if i > 0 && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            return &body[..offset];
        }
        offset += line.len() + 1;
    }
    body
}

/// The rows (without header and rule) of the one table in `text` whose header cells are
/// exactly `header`. Cells are trimmed; a cell that is one code span loses its backticks.
/// Panics, naming the header, if there is no such table or more than one.
pub fn table(text: &str, header: &[&str]) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with('|') && cells(lines[i]) == header)
        .collect();
    assert_eq!(
        starts.len(),
        1,
        "SPEC.md must have exactly one table headed {header:?} in this section"
    );
    let rule = starts[0] + 1;
    assert!(
        lines.get(rule).is_some_and(|l| l.starts_with("| ---")),
        "the table headed {header:?} has no rule line"
    );
    lines[rule + 1..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let row = cells(l);
            assert_eq!(row.len(), header.len(), "row {l:?} of the table {header:?}");
            row
        })
        .collect()
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_start_matches('|')
        .trim_end_matches('|')
        .split('|')
        .map(|c| {
            let c = c.trim();
            match c.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
                Some(inner) if !inner.contains('`') => inner.to_owned(),
                _ => c.to_owned(),
            }
        })
        .collect()
}

/// Rows of `&str` cells as owned rows, for comparing with [`table`].
pub fn owned<const N: usize>(
    rows: impl IntoIterator<Item = [&'static str; N]>,
) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}
