//! Props as read from a store, without building a tree of values: the JSON
//! text with an index of its values ([`Doc`]). Evaluating checks on a large
//! snapshot reads a few props of every resource once; parsing them into
//! `serde_json::Value`s (a map and a string per key, a vector per list) and
//! freeing them again was a third of the work. A `Doc` indexes the text it
//! was read in (a store's page of resources shares one), its strings are
//! read in place, and a value that is written as evidence is copied from
//! the text when the text is already what `serde_json` would write.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

/// A JSON document: its text and the position of every value in it, in
/// document order (a value's children follow it).
#[derive(Debug, Clone)]
pub struct Doc {
    /// The text the document is in: its own, or the text of a whole read
    /// that the documents read together share ([`Doc::parse_in`]). Every
    /// position below is in it.
    text: Arc<String>,
    /// Where the document is in `text`.
    start: u32,
    end: u32,
    nodes: Vec<Node>,
    /// The key nodes of every object, an object's together in document
    /// order: a sorted object's keys are searched by bisection.
    keys: Vec<u32>,
    /// Each key's first eight bytes (as written) as a big-endian number,
    /// zero-padded, beside [`Doc::keys`]: a bisection compares these, in a
    /// few cache lines, and the text only of keys that share them.
    heads: Vec<u64>,
    /// Whether a string may have escapes (one of an entry left out may
    /// have set it): when not, every string is read in place.
    escaped: bool,
}

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// One value: where it is in the text and where its subtree ends.
#[derive(Debug, Clone, Copy)]
struct Node {
    tag: Tag,
    /// The text is what `serde_json` writes for this value (compact, keys
    /// sorted, integers, no unusual escapes).
    canonical: bool,
    /// A string with escapes; an object whose keys are in order, unique
    /// and without escapes (`sorted`, reusing the bit).
    flag: bool,
    /// Bytes of the value in the text; a string's without its quotes.
    start: u32,
    end: u32,
    /// Index of the node after this value's subtree.
    next: u32,
    /// Elements of an array, entries of an object.
    len: u32,
    /// Where an object's keys start in [`Doc::keys`].
    keys: u32,
}

/// The first eight bytes of `bytes` as a big-endian number, zero-padded:
/// ordered as the bytes are when no byte is zero (JSON text has none).
fn prefix(bytes: &[u8]) -> u64 {
    if let Some(head) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    bytes
        .iter()
        .enumerate()
        .fold(0, |v, (i, b)| v | u64::from(*b) << (56 - 8 * i))
}

/// Why a text is not a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct DocError {
    /// What is wrong.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column (in characters) of the problem.
    pub column: usize,
}

/// A number's value, as `serde_json` reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Fits an `i64`.
    Int(i64),
    /// A non-negative integer over `i64::MAX` that fits a `u64`.
    UInt(u64),
    /// Anything else.
    Float(f64),
}

impl Doc {
    /// Parses `text`, which must hold one JSON value.
    pub fn parse(text: String) -> Result<Doc, DocError> {
        Doc::parse_keeping(text, None)
    }

    /// Parses `text` keeping, of a top-level object, only the entries
    /// whose keys `keep` names (all of them when `None`): the others are
    /// validated and left out, as if absent.
    pub fn parse_keeping(text: String, keep: Option<&[&str]>) -> Result<Doc, DocError> {
        let len = text.len();
        Doc::parse_in(Arc::new(text), 0..len, keep)
    }

    /// [`Doc::parse_keeping`] of the document at `range` of `text`, which
    /// the document shares rather than copies: a store reads a page of
    /// resources into one text, and each resource's props are a document
    /// in it.
    pub fn parse_in(
        text: Arc<String>,
        range: Range<usize>,
        keep: Option<&[&str]>,
    ) -> Result<Doc, DocError> {
        let at_start = |message: &str| DocError {
            message: message.into(),
            line: 1,
            column: 1,
        };
        if text.len() >= u32::MAX as usize {
            return Err(at_start("document larger than 4 GiB"));
        }
        let Some(own) = text.get(range.clone()) else {
            return Err(at_start("the document's bounds are not in its text"));
        };
        let size = own.len();
        let mut nodes = Vec::with_capacity(size / 12 + 1);
        let mut keys = Vec::with_capacity(size / 48 + 1);
        let mut heads = Vec::with_capacity(size / 48 + 1);
        thread_local! {
            /// The parser's stack of keys, reused from one document to the
            /// next rather than allocated for each.
            static PENDING: std::cell::Cell<Vec<(u32, u64)>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let mut pending = PENDING.take();
        pending.clear();
        let mut parser = Parser {
            bytes: &text.as_bytes()[..range.end],
            at: range.start,
            nodes: &mut nodes,
            keys: &mut keys,
            heads: &mut heads,
            pending,
            keep,
            escaped: false,
        };
        let parsed = parser.document();
        let escaped = parser.escaped;
        PENDING.set(std::mem::take(&mut parser.pending));
        parsed.map_err(|(at, message)| error_at(own, at.saturating_sub(range.start), message))?;
        Ok(Doc {
            start: range.start as u32,
            end: range.end as u32,
            text,
            nodes,
            keys,
            heads,
            escaped,
        })
    }

    /// The document's value.
    pub fn root(&self) -> Ref<'_> {
        Ref { doc: self, i: 0 }
    }

    /// The document's text (not the rest of a text it shares).
    pub fn text(&self) -> &str {
        &self.text[self.start as usize..self.end as usize]
    }

    /// Reads one byte of every cache line the document occupies (its text
    /// and its index), so that the lookups that follow find them in the
    /// cache: loads that do not depend on each other overlap, where a
    /// lookup's do not (each step of a bisection waits for the last).
    pub fn warm(&self) -> u64 {
        fn lines<T: Copy>(items: &[T], read: impl Fn(T) -> u64) -> u64 {
            let step = (64 / std::mem::size_of::<T>()).max(1);
            items
                .iter()
                .step_by(step)
                .map(|i| read(*i))
                .fold(0, u64::wrapping_add)
        }
        lines(self.text().as_bytes(), u64::from)
            .wrapping_add(lines(&self.nodes, |n| u64::from(n.start)))
            .wrapping_add(lines(&self.keys, u64::from))
            .wrapping_add(lines(&self.heads, |h| h))
    }

    /// What a resource read with its props as a `Doc` keeps in its own
    /// `props`: only its collection gaps (`_errors`, what
    /// [`crate::Resource::gaps`] reads). `None` when the document is not
    /// an object.
    pub fn gaps_only(&self) -> Option<Value> {
        let root = self.root();
        if root.tag() != Tag::Object {
            return None;
        }
        let mut props = serde_json::Map::new();
        if let Some(errors) = root.get(crate::ERRORS_FIELD) {
            props.insert(crate::ERRORS_FIELD.to_string(), errors.to_value());
        }
        Some(Value::Object(props))
    }
}

/// A value of a [`Doc`].
#[derive(Clone, Copy)]
pub struct Ref<'d> {
    doc: &'d Doc,
    i: u32,
}

impl std::fmt::Debug for Ref<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.raw())
    }
}

impl<'d> Ref<'d> {
    fn node(&self) -> &'d Node {
        &self.doc.nodes[self.i as usize]
    }

    /// What the value is.
    pub fn tag(self) -> Tag {
        self.node().tag
    }

    /// Whether both are the same value of the same document.
    pub fn same(self, other: Ref<'_>) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.i == other.i
    }

    /// The value's text as it is in the document (a string's without its
    /// quotes, escapes not decoded).
    pub fn raw(self) -> &'d str {
        let n = self.node();
        &self.doc.text[n.start as usize..n.end as usize]
    }

    /// A string's value.
    pub fn as_str(self) -> Option<Cow<'d, str>> {
        let n = self.node();
        if n.tag != Tag::String {
            return None;
        }
        Some(if n.flag {
            Cow::Owned(unescape(self.raw()))
        } else {
            Cow::Borrowed(self.raw())
        })
    }

    /// A number's value.
    pub fn as_number(self) -> Option<Number> {
        if self.tag() != Tag::Number {
            return None;
        }
        let raw = self.raw();
        // `serde_json` reads `-0` as a float.
        if !raw.contains(['.', 'e', 'E']) && raw != "-0" {
            if let Ok(i) = raw.parse::<i64>() {
                return Some(Number::Int(i));
            }
            if let Ok(u) = raw.parse::<u64>() {
                return Some(Number::UInt(u));
            }
        }
        raw.parse::<f64>().ok().map(Number::Float)
    }

    /// Elements of an array, entries of an object; `None` otherwise.
    pub fn len(self) -> Option<usize> {
        match self.tag() {
            Tag::Array | Tag::Object => Some(self.node().len as usize),
            _ => None,
        }
    }

    /// Whether an array or object is empty.
    pub fn is_empty(self) -> bool {
        self.len() == Some(0)
    }

    /// The children of an array or object in document order (an object's
    /// alternate key, value).
    fn children(self) -> Children<'d> {
        let n = self.node();
        let (next, left) = match n.tag {
            Tag::Array => (self.i + 1, n.len),
            Tag::Object => (self.i + 1, n.len * 2),
            _ => (self.i + 1, 0),
        };
        Children {
            doc: self.doc,
            next,
            left,
        }
    }

    /// An array's elements; nothing for anything else.
    pub fn elements(self) -> Elements<'d> {
        let mut children = self.children();
        if self.tag() != Tag::Array {
            children.left = 0;
        }
        Elements(children)
    }

    /// An object's entries in key order, as `serde_json` iterates them (a
    /// key given twice counts once, with its last value); nothing for
    /// anything else.
    pub fn entries(self) -> Vec<(Cow<'d, str>, Ref<'d>)> {
        if self.tag() != Tag::Object {
            return Vec::new();
        }
        let mut children = self.children();
        let mut out = Vec::with_capacity(self.node().len as usize);
        while let (Some(k), Some(v)) = (children.next(), children.next()) {
            out.push((k.as_str().unwrap_or_default(), v));
        }
        if !self.node().flag {
            // Stable: of equal keys the last stays last, and is kept.
            out.sort_by(|a, b| a.0.cmp(&b.0));
            let mut deduped: Vec<(Cow<'d, str>, Ref<'d>)> = Vec::with_capacity(out.len());
            for (k, v) in out {
                match deduped.last_mut() {
                    Some(last) if last.0 == k => last.1 = v,
                    _ => deduped.push((k, v)),
                }
            }
            out = deduped;
        }
        out
    }

    /// An object's value for `key`.
    pub fn get(self, key: &str) -> Option<Ref<'d>> {
        let n = self.node();
        if n.tag != Tag::Object {
            return None;
        }
        let sorted = n.flag;
        if sorted {
            // Unique keys without escapes, in order: bisect, on the
            // prefixes first.
            let range = n.keys as usize..(n.keys + n.len) as usize;
            let (keys, heads) = (&self.doc.keys[range.clone()], &self.doc.heads[range]);
            let text = self.doc.text.as_bytes();
            let wanted = key.as_bytes();
            let head = prefix(wanted);
            // The keys sharing the first eight bytes are together: the
            // first of them found by bisection, the one wanted among them.
            let first = heads.partition_point(|h| *h < head);
            for (at, h) in heads.iter().enumerate().skip(first) {
                if *h != head {
                    break;
                }
                let kn = &self.doc.nodes[keys[at] as usize];
                let found = &text[kn.start as usize..kn.end as usize];
                // Equal prefixes of keys that short: equal keys.
                if (found.len() <= 8 && wanted.len() <= 8) || found == wanted {
                    return Some(Ref {
                        doc: self.doc,
                        i: keys[at] + 1,
                    });
                }
            }
            return None;
        }
        let mut children = self.children();
        let mut found = None;
        while let (Some(k), Some(v)) = (children.next(), children.next()) {
            let kn = k.node();
            let matches = if kn.flag {
                unescape(k.raw()) == key
            } else {
                k.raw() == key
            };
            if matches {
                if sorted {
                    return Some(v);
                }
                // The last of equal keys, as `serde_json` keeps.
                found = Some(v);
            }
        }
        found
    }

    /// Whether a string in the value (a key included) has escapes: its
    /// strings are all read in place when none has.
    pub fn has_escapes(self) -> bool {
        if !self.doc.escaped {
            return false;
        }
        let n = self.node();
        self.doc.nodes[self.i as usize..n.next as usize]
            .iter()
            .any(|n| n.tag == Tag::String && n.flag)
    }

    /// Whether the value is `null`.
    pub fn is_null(self) -> bool {
        self.tag() == Tag::Null
    }

    /// The value as a `serde_json::Value`.
    pub fn to_value(self) -> Value {
        match self.tag() {
            Tag::Null => Value::Null,
            Tag::Bool(b) => Value::Bool(b),
            Tag::Number => match self.as_number() {
                Some(Number::Int(i)) => Value::from(i),
                Some(Number::UInt(u)) => Value::from(u),
                Some(Number::Float(f)) => serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                None => Value::Null,
            },
            Tag::String => Value::String(self.as_str().unwrap_or_default().into_owned()),
            Tag::Array => Value::Array(self.elements().map(Ref::to_value).collect()),
            Tag::Object => Value::Object(
                self.entries()
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// Appends the value as `serde_json` writes it (compact): a copy of
    /// the text when it already is.
    pub fn write_json(self, out: &mut Vec<u8>) {
        let n = self.node();
        if n.canonical {
            if n.tag == Tag::String {
                out.push(b'"');
                out.extend_from_slice(self.raw().as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(self.raw().as_bytes());
            }
        } else {
            // Writing a `Value` into a vector cannot fail.
            let _ = serde_json::to_writer(out, &self.to_value());
        }
    }
}

struct Children<'d> {
    doc: &'d Doc,
    next: u32,
    left: u32,
}

/// The elements of an array, in order ([`Ref::elements`]).
pub struct Elements<'d>(Children<'d>);

impl<'d> Iterator for Elements<'d> {
    type Item = Ref<'d>;

    fn next(&mut self) -> Option<Ref<'d>> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.0.left as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Elements<'_> {}

impl<'d> Iterator for Children<'d> {
    type Item = Ref<'d>;

    fn next(&mut self) -> Option<Ref<'d>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let r = Ref {
            doc: self.doc,
            i: self.next,
        };
        self.next = self.doc.nodes[self.next as usize].next;
        Some(r)
    }
}

/// A string's escapes decoded; the text was validated when parsed.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex = |chars: &mut std::str::Chars| {
                    let h: String = chars.take(4).collect();
                    u32::from_str_radix(&h, 16).unwrap_or(0xFFFD)
                };
                let first = hex(&mut chars);
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    let rest = chars.as_str();
                    if rest.starts_with("\\u") {
                        chars.next();
                        chars.next();
                        let second = hex(&mut chars);
                        if (0xDC00..0xE000).contains(&second) {
                            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        } else {
                            out.push('\u{FFFD}');
                            second
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    first
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn error_at(text: &str, at: usize, message: &str) -> DocError {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    DocError {
        message: message.to_string(),
        line,
        column,
    }
}

type Parsed<T> = Result<T, (usize, &'static str)>;

struct Parser<'t, 'n> {
    bytes: &'t [u8],
    at: usize,
    nodes: &'n mut Vec<Node>,
    keys: &'n mut Vec<u32>,
    heads: &'n mut Vec<u64>,
    /// Key nodes of the objects being parsed, with their first eight
    /// bytes, innermost last.
    pending: Vec<(u32, u64)>,
    /// The top-level entries kept, all when `None`.
    keep: Option<&'n [&'n str]>,
    /// Whether a string recorded has escapes.
    escaped: bool,
}

/// Nesting deeper than `serde_json` reads is refused as it refuses it.
const MAX_DEPTH: usize = 128;

impl Parser<'_, '_> {
    fn document(&mut self) -> Parsed<()> {
        let spaced = self.space();
        self.value::<true>(0)?;
        let trailing = self.space();
        if self.at != self.bytes.len() {
            return Err((self.at, "trailing characters"));
        }
        if spaced || trailing {
            self.nodes[0].canonical = false;
        }
        Ok(())
    }

    /// Skips whitespace; whether there was any.
    fn space(&mut self) -> bool {
        let start = self.at;
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.at != start
    }

    #[inline(always)]
    fn push(&mut self, tag: Tag, start: usize) -> usize {
        self.nodes.push(Node {
            tag,
            canonical: true,
            flag: false,
            start: start as u32,
            end: start as u32,
            next: 0,
            len: 0,
            keys: 0,
        });
        self.nodes.len() - 1
    }

    /// One value and its subtree; whether its text is canonical. `KEEP`
    /// false only validates it, recording nothing: an entry left out
    /// ([`Doc::parse_keeping`]), whose nodes would be dropped at once.
    /// Inlined: a scalar, most values, costs no call (a container's is
    /// the recursion).
    #[inline(always)]
    fn value<const KEEP: bool>(&mut self, depth: usize) -> Parsed<bool> {
        let start = self.at;
        let Some(&b) = self.bytes.get(self.at) else {
            return Err((self.at, "EOF while parsing a value"));
        };
        let (tag, canonical) = match b {
            b'{' | b'[' => return self.container::<KEEP>(b == b'{', depth),
            b'"' => return self.string::<KEEP>(),
            b'n' => (self.literal(b"null", Tag::Null)?, true),
            b't' => (self.literal(b"true", Tag::Bool(true))?, true),
            b'f' => (self.literal(b"false", Tag::Bool(false))?, true),
            b'-' | b'0'..=b'9' => (Tag::Number, self.number::<KEEP>()?),
            _ => return Err((self.at, "expected value")),
        };
        if KEEP {
            let i = self.push(tag, start);
            let n = &mut self.nodes[i];
            n.end = self.at as u32;
            n.next = (i + 1) as u32;
            n.canonical = canonical;
        }
        Ok(canonical)
    }

    fn literal(&mut self, word: &[u8], tag: Tag) -> Parsed<Tag> {
        if !self.bytes[self.at..].starts_with(word) {
            return Err((self.at, "expected value"));
        }
        self.at += word.len();
        Ok(tag)
    }

    /// A number; whether its text is canonical (when `KEEP`: only
    /// recorded values need to know).
    fn number<const KEEP: bool>(&mut self) -> Parsed<bool> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let s = p.at;
            while let Some(b'0'..=b'9') = p.bytes.get(p.at) {
                p.at += 1;
            }
            p.at - s
        };
        let negative = self.bytes[self.at] == b'-';
        if negative {
            self.at += 1;
        }
        let int_start = self.at;
        let int = digits(self);
        if int == 0 {
            return Err((self.at, "invalid number"));
        }
        if int > 1 && self.bytes[int_start] == b'0' {
            return Err((int_start, "invalid number"));
        }
        let mut integer = true;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            integer = false;
            if digits(self) == 0 {
                return Err((self.at, "invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err((self.at, "invalid number"));
            }
        }
        if !KEEP {
            return Ok(false);
        }
        // `serde_json` writes integers as read, except `-0`; anything
        // else it rewrites (`1.50` as `1.5`, `1e3` as `1000.0`).
        let raw = &self.bytes[start..self.at];
        // Up to 18 digits always fit an `i64`.
        Ok(integer
            && raw != b"-0"
            && (raw.len() <= 18
                || std::str::from_utf8(raw)
                    .ok()
                    .is_some_and(|s| s.parse::<i64>().is_ok() || s.parse::<u64>().is_ok())))
    }

    /// A string; whether its text is canonical.
    #[inline(always)]
    fn string<const KEEP: bool>(&mut self) -> Parsed<bool> {
        self.at += 1;
        let start = self.at;
        let mut escaped = false;
        let mut canonical = true;
        loop {
            self.skip_plain();
            let Some(&b) = self.bytes.get(self.at) else {
                return Err((self.at, "EOF while parsing a string"));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    match self.bytes.get(self.at + 1) {
                        // What `serde_json` writes as these.
                        Some(b'"' | b'\\' | b'n' | b'r' | b't') => self.at += 2,
                        Some(b'/' | b'b' | b'f') => {
                            canonical = false;
                            self.at += 2;
                        }
                        Some(b'u') => {
                            let hex = self.bytes.get(self.at + 2..self.at + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err((self.at, "invalid escape"));
                            }
                            canonical = false;
                            self.at += 6;
                        }
                        _ => return Err((self.at, "invalid escape")),
                    }
                }
                0..=0x1f => {
                    return Err((
                        self.at,
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ))
                }
                _ => self.at += 1,
            }
        }
        if KEEP {
            let i = self.push(Tag::String, start);
            let n = &mut self.nodes[i];
            n.end = self.at as u32;
            n.flag = escaped;
            n.canonical = canonical;
            n.next = (i + 1) as u32;
            self.escaped |= escaped;
        }
        self.at += 1;
        Ok(canonical)
    }

    /// Skips the bytes of a string that need no attention (not `"`, `\\`
    /// or a control character), sixteen at a time: the loop over a chunk
    /// is written so that the compiler makes it a few vector
    /// instructions.
    #[inline(always)]
    fn skip_plain(&mut self) {
        while let Some(chunk) = self.bytes.get(self.at..self.at + 16) {
            let Ok(chunk) = <[u8; 16]>::try_from(chunk) else {
                return;
            };
            // One byte per byte of the chunk, 1 where it needs attention.
            let flags = chunk.map(|b| u8::from((b == b'"') | (b == b'\\') | (b < 0x20)));
            let special = u128::from_le_bytes(flags);
            if special != 0 {
                self.at += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.at += 16;
        }
    }

    #[inline(never)]
    fn container<const KEEP: bool>(&mut self, object: bool, depth: usize) -> Parsed<bool> {
        if depth >= MAX_DEPTH {
            return Err((self.at, "recursion limit exceeded"));
        }
        let start = self.at;
        let i = if KEEP {
            self.push(if object { Tag::Object } else { Tag::Array }, start)
        } else {
            0
        };
        let close = if object { b'}' } else { b']' };
        self.at += 1;
        let mut canonical = !self.space();
        let mut len = 0u32;
        // Keys in strictly increasing order, none escaped.
        let mut sorted = true;
        let mut last_key: Option<(u64, usize, usize)> = None;
        let mark = self.pending.len();
        let mut skipped = false;
        if self.bytes.get(self.at) == Some(&close) {
            self.at += 1;
        } else {
            loop {
                // Whether this entry is recorded.
                let mut kept = KEEP;
                if object {
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return Err((self.at, "key must be a string"));
                    }
                    if KEEP {
                        let k = self.nodes.len();
                        canonical &= self.string::<true>()?;
                        let key = self.nodes[k];
                        let range = (key.start as usize, key.end as usize);
                        let raw = &self.bytes[range.0..range.1];
                        let dropped = depth == 0
                            && self.keep.is_some_and(|keep| {
                                if key.flag {
                                    let name =
                                        unescape(std::str::from_utf8(raw).unwrap_or_default());
                                    !keep.contains(&name.as_str())
                                } else {
                                    !keep.iter().any(|k| k.as_bytes() == raw)
                                }
                            });
                        if dropped {
                            // Validated, not recorded.
                            self.nodes.truncate(k);
                            kept = false;
                            skipped = true;
                        } else {
                            let head = prefix(raw);
                            self.pending.push((k as u32, head));
                            if key.flag
                                || last_key.is_some_and(|(last, s, e)| {
                                    last.cmp(&head).then_with(|| self.bytes[s..e].cmp(raw))
                                        != std::cmp::Ordering::Less
                                })
                            {
                                sorted = false;
                            }
                            last_key = Some((head, range.0, range.1));
                        }
                    } else {
                        self.string::<false>()?;
                    }
                    canonical &= !self.space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return Err((self.at, "expected `:`"));
                    }
                    self.at += 1;
                    canonical &= !self.space();
                }
                if kept {
                    canonical &= self.value::<true>(depth + 1)?;
                    len += 1;
                } else {
                    self.value::<false>(depth + 1)?;
                }
                canonical &= !self.space();
                match self.bytes.get(self.at) {
                    Some(b',') => {
                        self.at += 1;
                        canonical &= !self.space();
                    }
                    Some(&b) if b == close => {
                        self.at += 1;
                        break;
                    }
                    Some(_) => return Err((self.at, "expected `,` or the end of the list")),
                    None => return Err((self.at, "EOF while parsing a list or object")),
                }
            }
        }
        if !KEEP {
            return Ok(false);
        }
        let next = self.nodes.len() as u32;
        let keys = self.keys.len() as u32;
        for (key, head) in self.pending.drain(mark..) {
            self.keys.push(key);
            self.heads.push(head);
        }
        let n = &mut self.nodes[i];
        n.keys = keys;
        n.end = self.at as u32;
        n.next = next;
        n.len = len;
        n.flag = object && sorted;
        // An object with entries left out is not its text.
        n.canonical = canonical && (!object || sorted) && !skipped;
        Ok(n.canonical)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn documents_parsed_in_a_shared_text_are_their_own() {
        // Three documents in one text, the last broken on its second line
        // (the text's third).
        let text = Arc::new("x{\"a\":1}y{\"b\":[2,\"c\"]}\nz{\"d\":\n tru}".to_string());
        let first = Doc::parse_in(text.clone(), 1..8, None).unwrap();
        let second = Doc::parse_in(text.clone(), 9..22, Some(&["b"])).unwrap();
        assert_eq!(first.text(), r#"{"a":1}"#);
        assert_eq!(first.root().to_value(), serde_json::json!({"a": 1}));
        assert_eq!(second.text(), r#"{"b":[2,"c"]}"#);
        assert_eq!(second.root().to_value(), serde_json::json!({"b": [2, "c"]}));
        let mut written = Vec::new();
        second.root().get("b").unwrap().write_json(&mut written);
        assert_eq!(written, br#"[2,"c"]"#);
        // Where a document breaks is counted from its own start.
        let e = Doc::parse_in(text.clone(), 24..text.len(), None).unwrap_err();
        assert_eq!((e.line, e.column), (2, 2), "{e:?}");
        // Bounds outside the text are an error, not a panic.
        assert!(Doc::parse_in(text.clone(), 20..99, None).is_err());
    }

    fn doc(text: &str) -> Doc {
        Doc::parse(text.to_string()).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn written(r: Ref<'_>) -> String {
        let mut out = Vec::new();
        r.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn values_read_as_serde_json_reads_them() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e\"f\\g\nh"},"e":-5,"f":1.5}"#,
            r#"{ "z" : 1 , "a" : [ 1 , 2 ] }"#,
            r#"{"b":1,"a":2,"b":3}"#,
            r#"{"k\u00e9y":"v\u00e9\/\b\f\ud83d\ude00","x":18446744073709551615,"y":1e3,"w":-0}"#,
            r#"[[],{},"",0,12345678901234567890123]"#,
            r#""just a string""#,
            "  42  ",
        ] {
            let d = doc(text);
            let expected: Value = serde_json::from_str(text).unwrap_or_default();
            assert_eq!(d.root().to_value(), expected, "{text}");
            // Written as `serde_json` writes it, copied or not.
            assert_eq!(written(d.root()), expected.to_string(), "{text}");
        }
    }

    #[test]
    fn canonical_text_is_copied_and_other_text_rewritten() {
        let d = doc(r#"{"a":{"b":[1,"x"]},"c":{"z":1,"a":2},"d":1.0}"#);
        let root = d.root();
        assert!(root.node().flag, "keys in order");
        let a = root.get("a").unwrap_or(root);
        assert!(a.node().canonical);
        assert_eq!(written(a), r#"{"b":[1,"x"]}"#);
        let c = root.get("c").unwrap_or(root);
        assert!(!c.node().canonical);
        assert_eq!(written(c), r#"{"a":2,"z":1}"#);
        let n = root.get("d").unwrap_or(root);
        assert!(!n.node().canonical);
        assert_eq!(written(n), "1.0");
        assert!(!root.node().canonical);
    }

    #[test]
    fn lookups_strings_numbers_and_entries() {
        let d = doc(r#"{"b":2,"a":"x\ty","b":3,"n":-7,"u":18446744073709551615,"f":0.25}"#);
        let root = d.root();
        // The last of two equal keys, as serde_json keeps.
        assert_eq!(root.get("b").and_then(Ref::as_number), Some(Number::Int(3)));
        assert_eq!(root.get("a").and_then(Ref::as_str).as_deref(), Some("x\ty"));
        assert_eq!(
            root.get("n").and_then(Ref::as_number),
            Some(Number::Int(-7))
        );
        assert_eq!(
            root.get("u").and_then(Ref::as_number),
            Some(Number::UInt(u64::MAX))
        );
        assert_eq!(
            root.get("f").and_then(Ref::as_number),
            Some(Number::Float(0.25))
        );
        assert!(root.get("missing").is_none());
        let keys: Vec<String> = root
            .entries()
            .into_iter()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(keys, ["a", "b", "f", "n", "u"]);
        assert_eq!(root.len(), Some(6));
        // Sorted objects are bisected: every key of nested ones is found.
        let mut wide = serde_json::Map::new();
        for i in 0..40 {
            wide.insert(format!("k{i:02}"), json!({"inner": i, "z": [i, {"y": i}]}));
            // Keys alike in their first eight bytes.
            wide.insert(format!("shared_prefix_{i}"), json!(i));
        }
        let wide = Value::Object(wide);
        let d = doc(&wide.to_string());
        for i in 0..40 {
            let v = d.root().get(&format!("k{i:02}"));
            let v = v.unwrap_or_else(|| panic!("k{i:02} not found"));
            assert_eq!(
                v.get("inner").and_then(Ref::as_number),
                Some(Number::Int(i))
            );
            let y = v
                .get("z")
                .and_then(|z| z.elements().nth(1))
                .and_then(|o| o.get("y"));
            assert_eq!(y.and_then(Ref::as_number), Some(Number::Int(i)));
        }
        for i in 0..40 {
            let v = d.root().get(&format!("shared_prefix_{i}"));
            assert_eq!(v.and_then(Ref::as_number), Some(Number::Int(i)));
        }
        for absent in [
            "",
            "k",
            "k40",
            "k0",
            "zz",
            "a",
            "shared_p",
            "shared_prefix_",
            "shared_prefix_40",
        ] {
            assert!(d.root().get(absent).is_none(), "{absent}");
        }
        let list = doc("[1,[2,3],{\"a\":[4]},5]");
        let items: Vec<Value> = list.root().elements().map(Ref::to_value).collect();
        assert_eq!(
            items,
            vec![json!(1), json!([2, 3]), json!({"a": [4]}), json!(5)]
        );
    }

    #[test]
    fn keys_sharing_their_first_eight_bytes_are_found() {
        let keys = [
            "ip_permissions",
            "ip_permissions_egress",
            "ip_permissionz",
            "ip_permi",
            "ip_perm",
            "ip_permissions_egress_extra_long_name",
            "ip_permissions_egress_extra_long_namf",
            "ip_permissions_fgress",
            "ip_permi\u{e9}",
        ];
        // Looked up by bisection (the keys written in order) among many
        // sharing their first eight bytes.
        let mut keys = keys.to_vec();
        keys.sort();
        let text = format!(
            "{{{}}}",
            keys.iter()
                .enumerate()
                .map(|(i, k)| format!("\"{k}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let d = doc(&text);
        for (i, k) in keys.iter().enumerate() {
            let found = d.root().get(k).and_then(Ref::as_number);
            assert_eq!(found, Some(Number::Int(i as i64)), "{k}");
        }
        assert!(d.root().node().flag, "the keys are in order");
        assert!(d.root().get("ip_permissions_egres").is_none());
    }

    #[test]
    fn entries_left_out_are_absent_but_still_validated() {
        let text = r#"{"a":{"x":[1,{"q":2}]},"b":"k\"ept","c":[{"d":1}],"e":{"f":{"g":3}}}"#;
        let d = Doc::parse_keeping(text.to_string(), Some(&["b", "e", "absent"]))
            .unwrap_or_else(|e| panic!("{e}"));
        let root = d.root();
        assert!(root.get("a").is_none() && root.get("c").is_none());
        assert_eq!(
            root.get("b").and_then(Ref::as_str).as_deref(),
            Some("k\"ept")
        );
        let g = root
            .get("e")
            .and_then(|e| e.get("f"))
            .and_then(|f| f.get("g"));
        assert_eq!(g.and_then(Ref::as_number), Some(Number::Int(3)));
        assert_eq!(root.len(), Some(2));
        assert_eq!(written(root), r#"{"b":"k\"ept","e":{"f":{"g":3}}}"#);
        assert_eq!(
            root.to_value(),
            json!({"b": "k\"ept", "e": {"f": {"g": 3}}})
        );
        // A malformed entry is the same error, at the same place, whether
        // it is kept or left out.
        for bad in [
            "[1,,2]",
            "{\"x\":1,}",
            "{\"x\" 1}",
            "{\"x\":01}",
            "[1.]",
            "\"tab\there\"",
            "\"\\x\"",
            "[\"\\u12\"]",
            "nul",
            "-",
            "{\"x\":[1,2",
            "{1:2}",
        ] {
            let text = format!("{{\"b\":1,\"a\":{{\"y\":\n{bad}}}}}");
            let kept = Doc::parse_keeping(text.clone(), Some(&["a"])).err();
            let left_out = Doc::parse_keeping(text.clone(), Some(&["b"])).err();
            assert!(kept.is_some(), "{text:?} parsed");
            assert_eq!(kept, left_out, "{text:?}");
        }
        let deep = format!("{{\"a\":{},\"b\":1}}", "[".repeat(200) + &"]".repeat(200));
        assert!(Doc::parse_keeping(deep, Some(&["b"])).is_err());
    }

    #[test]
    fn malformed_text_is_an_error_with_its_position() {
        for (text, line, column) in [
            ("{\"a\":1,}", 1, 8),
            ("{\"a\" 1}", 1, 6),
            ("[1,\n 2,\n x]", 3, 2),
            ("{\"a\":01}", 1, 6),
            ("\"tab\there\"", 1, 5),
            ("{\"a\":1} extra", 1, 9),
            ("[1.]", 1, 4),
            ("\"\\x\"", 1, 2),
            ("", 1, 1),
            ("{\"a\":[1,2", 1, 10),
        ] {
            let e = Doc::parse(text.to_string()).err();
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            let e = e.unwrap_or_else(|| panic!("{text:?} parsed"));
            assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(Doc::parse(deep).is_err());
    }
}
