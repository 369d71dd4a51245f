//! `Loose`: a JSON value read without keeping numbers or echoing values in errors, so that
//! a request holding a secret can be checked field by field with messages that name fields
//! and never quote what was sent.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value as far as request checks need it: text is kept, objects keep their entries
/// in order (repeated keys included), every other value only its kind.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Loose {
    /// `null`.
    Null,
    /// A string.
    Text(String),
    /// An object's entries, in the order sent.
    Object(Vec<(String, Loose)>),
    /// An array's elements, in order.
    Array(Vec<Loose>),
    /// A boolean or number: only its kind is kept (`"a number"`).
    Other(&'static str),
}

impl fmt::Debug for Loose {
    /// Shows the shape only: a string's content may be a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loose::Null => f.write_str("null"),
            Loose::Text(_) => f.write_str("\"…\""),
            Loose::Object(entries) => f
                .debug_map()
                .entries(entries.iter().map(|(k, v)| (k, v)))
                .finish(),
            Loose::Array(items) => f.debug_list().entries(items).finish(),
            Loose::Other(kind) => f.write_str(kind),
        }
    }
}

impl Loose {
    /// The kind of value, for messages: `"a string"`, `"an object"`, …
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Loose::Null => "null",
            Loose::Text(_) => "a string",
            Loose::Object(_) => "an object",
            Loose::Array(_) => "an array",
            Loose::Other(kind) => kind,
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose, E> {
        Ok(Loose::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loose, E> {
        Ok(Loose::Other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loose, E> {
        Ok(Loose::Other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loose, E> {
        Ok(Loose::Other("a number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Loose>()? {
            items.push(item);
        }
        Ok(Loose::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Loose>()? {
            entries.push((key, value));
        }
        Ok(Loose::Object(entries))
    }
}
