//! Where each value of a JSON document starts, so errors found after parsing (an unknown op, a
//! reference never saved) can still name `line:column`.
//!
//! serde_json's `Value` keeps no positions; this walks the text once more, after serde_json has
//! accepted it, and records the position of every key and value by JSON Pointer
//! (`/steps/2/op`). It never panics: on anything unexpected it just stops recording.

use std::collections::HashMap;

/// A position in the text: 1-based line, 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

/// Where a value (and, for an object member, its key) starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The member's key, for object members.
    pub key: Option<Pos>,
    /// The value.
    pub value: Pos,
}

/// The positions of every value of a document, by JSON Pointer.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    map: HashMap<String, Span>,
    duplicate: Option<Duplicate>,
}

/// A key given twice in one object (the first such key in the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The key.
    pub key: String,
    /// JSON Pointer of the member (both members have it).
    pub pointer: String,
    /// Where the second occurrence of the key starts.
    pub pos: Pos,
}

impl Spans {
    /// Records the positions in `text` (which should be one JSON document).
    pub fn of(text: &str) -> Spans {
        let mut w = Walker {
            s: text.as_bytes(),
            i: 0,
            pos: Pos { line: 1, column: 1 },
            out: HashMap::new(),
            duplicate: None,
        };
        w.ws();
        w.value(String::new(), None, 0);
        Spans {
            map: w.out,
            duplicate: w.duplicate,
        }
    }

    /// The first key given twice in one object, if any (serde_json keeps the last silently;
    /// the scenario reader refuses it, SPEC R-JSON-STRICT).
    pub fn duplicate(&self) -> Option<&Duplicate> {
        self.duplicate.as_ref()
    }

    /// The span of the value at `pointer`.
    pub fn get(&self, pointer: &str) -> Option<Span> {
        self.map.get(pointer).copied()
    }

    /// The best position for an error about `pointer`: the value there, or the nearest enclosing
    /// value that exists (a missing field is reported at its object).
    pub fn nearest(&self, pointer: &str) -> Option<Pos> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return Some(s.value);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// The position of the key of the member at `pointer` (for an unknown field), else its value.
    pub fn key_or_value(&self, pointer: &str) -> Option<Pos> {
        match self.map.get(pointer) {
            Some(s) => Some(s.key.unwrap_or(s.value)),
            None => self.nearest(pointer),
        }
    }
}

/// Escapes one JSON Pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// serde_json's nesting limit; the walker stops deeper than this.
const MAX_DEPTH: usize = 200;

struct Walker<'a> {
    s: &'a [u8],
    i: usize,
    pos: Pos,
    out: HashMap<String, Span>,
    duplicate: Option<Duplicate>,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn bump(&mut self) {
        let Some(b) = self.peek() else { return };
        self.i += 1;
        if b == b'\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.pos.column += 1;
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, path: String, key: Option<Pos>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        self.out.insert(
            path.clone(),
            Span {
                key,
                value: self.pos,
            },
        );
        match self.peek() {
            Some(b'{') => self.object(&path, depth),
            Some(b'[') => self.array(&path, depth),
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.bump();
                }
            }
            None => {}
        }
    }

    /// Skips a string; returns its decoded text.
    fn string(&mut self) -> String {
        let start = self.i;
        self.bump();
        while let Some(b) = self.peek() {
            match b {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'"' => {
                    self.bump();
                    break;
                }
                _ => self.bump(),
            }
        }
        let raw = self.s.get(start..self.i).unwrap_or_default();
        serde_json::from_slice::<String>(raw)
            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
    }

    fn object(&mut self, path: &str, depth: usize) {
        self.bump();
        let mut keys = std::collections::HashSet::new();
        loop {
            self.ws();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => {
                    self.bump();
                    return;
                }
                _ => return,
            }
            let key_pos = self.pos;
            let key = self.string();
            let pointer = format!("{path}/{}", escape(&key));
            if self.duplicate.is_none() && !keys.insert(key.clone()) {
                self.duplicate = Some(Duplicate {
                    key: key.clone(),
                    pointer: pointer.clone(),
                    pos: key_pos,
                });
            }
            self.ws();
            if self.peek() != Some(b':') {
                return;
            }
            self.bump();
            self.ws();
            self.value(pointer, Some(key_pos), depth + 1);
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return;
                }
                _ => return,
            }
        }
    }

    fn array(&mut self, path: &str, depth: usize) {
        self.bump();
        let mut index = 0usize;
        loop {
            self.ws();
            match self.peek() {
                Some(b']') => {
                    self.bump();
                    return;
                }
                None => return,
                Some(_) => {}
            }
            self.value(format!("{path}/{index}"), None, depth + 1);
            index += 1;
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return;
                }
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_nested_values() {
        let text = "{\n  \"steps\": [\n    {\"op\": \"x\"},\n    {\"é\": 1, \"op\": \"y\"}\n  ]\n}";
        let s = Spans::of(text);
        assert_eq!(s.get("").map(|s| s.value), Some(Pos { line: 1, column: 1 }));
        assert_eq!(
            s.get("/steps/0/op").map(|s| s.value),
            Some(Pos {
                line: 3,
                column: 12
            })
        );
        let op1 = s.get("/steps/1/op").unwrap();
        assert_eq!(
            op1.key,
            Some(Pos {
                line: 4,
                column: 14
            })
        );
        assert_eq!(
            op1.value,
            Pos {
                line: 4,
                column: 20
            }
        );
        assert_eq!(
            s.nearest("/steps/1/missing"),
            Some(Pos { line: 4, column: 5 })
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "\"",
            "[1,",
            "{\"a\":1,",
            "}}",
            "\\",
        ] {
            let _ = Spans::of(t);
        }
    }
}
