//! `profileName` of a create request as sent: null, a string, or another JSON type, so that
//! a wrong type can be refused with a message naming the field (api.md §4).

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// `profileName` as sent: its JSON type decides what it can become.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum NameField {
    /// Absent or `null`.
    #[default]
    Null,
    /// A string, not yet checked.
    Text(String),
    /// A number, boolean, array or object.
    NotAString,
}

impl<'de> Deserialize<'de> for NameField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Takes any JSON value, keeping only whether it was null, a string or neither.
        struct AnyValue;
        impl<'de> Visitor<'de> for AnyValue {
            type Value = NameField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<NameField, E> {
                Ok(NameField::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<NameField, E> {
                Ok(NameField::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NameField, D::Error> {
                NameField::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NameField, E> {
                Ok(NameField::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<NameField, E> {
                Ok(NameField::Text(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<NameField, E> {
                Ok(NameField::NotAString)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<NameField, E> {
                Ok(NameField::NotAString)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<NameField, E> {
                Ok(NameField::NotAString)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<NameField, E> {
                Ok(NameField::NotAString)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NameField, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(NameField::NotAString)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NameField, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(NameField::NotAString)
            }
        }
        deserializer.deserialize_any(AnyValue)
    }
}
