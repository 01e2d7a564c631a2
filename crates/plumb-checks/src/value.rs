//! Resources as CEL values, converted once per resource and shared by every
//! check of its kind, and small readers over CEL values for the helpers.

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, KeyRef, Map};
use cel::Value;
use plumb_model::Resource;
use serde_json::Value as Json;

/// Converts JSON to CEL. Integers become `int` whatever their sign, so that
/// helpers and conditions never meet the `uint`/`int` split by surprise.
pub fn from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_u64() {
                Some(u) => Value::Int(i64::try_from(u).unwrap_or(i64::MAX)),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(from_json).collect())),
        Json::Object(map) => {
            let mut out: HashMap<Key, Value> = HashMap::with_capacity(map.len());
            for (k, v) in map {
                out.insert(Key::String(Arc::new(k.clone())), from_json(v));
            }
            Value::Map(Map { map: Arc::new(out) })
        }
    }
}

/// The `resource` variable of a condition: the resource's fields, with its
/// tags (always a map) and props.
pub fn resource_value(r: &Resource) -> Value {
    let mut out: HashMap<Key, Value> = HashMap::with_capacity(8);
    let mut put = |k: &str, v: Value| {
        out.insert(Key::String(Arc::new(k.to_string())), v);
    };
    put("uid", Value::String(Arc::new(r.uid.clone())));
    put("kind", Value::String(Arc::new(r.kind.clone())));
    put("account", Value::String(Arc::new(r.account.clone())));
    put("region", Value::String(Arc::new(r.region.clone())));
    put("name", Value::String(Arc::new(r.name.clone())));
    let tags: HashMap<Key, Value> = r
        .tags
        .iter()
        .map(|(k, v)| {
            (
                Key::String(Arc::new(k.clone())),
                Value::String(Arc::new(v.clone())),
            )
        })
        .collect();
    put(
        "tags",
        Value::Map(Map {
            map: Arc::new(tags),
        }),
    );
    put(
        "created_at",
        r.created_at
            .map(|t| Value::String(Arc::new(t.to_rfc3339())))
            .unwrap_or(Value::Null),
    );
    put("props", from_json(&r.props));
    Value::Map(Map { map: Arc::new(out) })
}

/// A read-only view of a JSON-like document, so that the helpers are
/// written once and serve both the `cel` interpreter's values and the
/// compiled evaluator's values borrowed from the snapshot.
pub trait Doc<'a>: Copy + 'a {
    /// A field of a map, if the value is a map that has it.
    fn get(self, name: &str) -> Option<Self>;
    /// The string, if the value is one.
    fn as_text(self) -> Option<&'a str>;
    /// The integer (int or uint), if the value is one.
    fn as_int(self) -> Option<i64>;
    /// Whether the value is null.
    fn is_null(self) -> bool;
    /// The elements, if the value is a list.
    fn as_list(self) -> Option<Vec<Self>>;
    /// The string-keyed entries, if the value is a map.
    fn as_entries(self) -> Option<Vec<(&'a str, Self)>>;
}

impl<'a> Doc<'a> for &'a Value {
    fn get(self, name: &str) -> Option<Self> {
        match self {
            Value::Map(m) => m.get(&KeyRef::String(name)),
            _ => None,
        }
    }
    fn as_text(self) -> Option<&'a str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    fn as_int(self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }
    fn is_null(self) -> bool {
        matches!(self, Value::Null)
    }
    fn as_list(self) -> Option<Vec<Self>> {
        match self {
            Value::List(l) => Some(l.iter().collect()),
            _ => None,
        }
    }
    fn as_entries(self) -> Option<Vec<(&'a str, Self)>> {
        match self {
            Value::Map(m) => Some(
                m.map
                    .iter()
                    .filter_map(|(k, v)| match k {
                        Key::String(s) => Some((s.as_str(), v)),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Plain JSON, for readers outside conditions (the context's analyses).
impl<'a> Doc<'a> for &'a Json {
    fn get(self, name: &str) -> Option<Self> {
        Json::get(self, name)
    }
    fn as_text(self) -> Option<&'a str> {
        Json::as_str(self)
    }
    fn as_int(self) -> Option<i64> {
        Json::as_i64(self)
    }
    fn is_null(self) -> bool {
        Json::is_null(self)
    }
    fn as_list(self) -> Option<Vec<Self>> {
        Json::as_array(self).map(|l| l.iter().collect())
    }
    fn as_entries(self) -> Option<Vec<(&'a str, Self)>> {
        Json::as_object(self).map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
    }
}

/// A field of a map, if the value is a map that has it.
pub fn field<'a, D: Doc<'a>>(value: D, name: &str) -> Option<D> {
    value.get(name)
}

/// A string, if the value is one.
pub fn text<'a, D: Doc<'a>>(value: D) -> Option<&'a str> {
    value.as_text()
}

/// An integer (int or uint), if the value is one.
pub fn int<'a, D: Doc<'a>>(value: D) -> Option<i64> {
    value.as_int()
}

/// The items of a list; a single value is a list of one (IAM allows both).
pub fn items<'a, D: Doc<'a>>(value: D) -> Vec<D> {
    match value.as_list() {
        Some(list) => list,
        None if value.is_null() => Vec::new(),
        None => vec![value],
    }
}

/// The strings of a string-or-list value.
pub fn strings<'a, D: Doc<'a>>(value: D) -> Vec<&'a str> {
    items(value).into_iter().filter_map(text).collect()
}
