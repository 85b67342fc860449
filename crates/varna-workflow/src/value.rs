//! A field's value as a case holds it and as events carry it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A field value. Dates are text `YYYY-MM-DD`, choices and outcomes are ids;
/// the definition's field type says which. Written as the bare JSON
/// value (`true`, `3`, `"text"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// Text, a date, a choice or an outcome id.
    Text(String),
}

/// Read straight from the JSON value's kind. (An untagged derive buffers
/// each value and, for every text, builds and throws away two error
/// messages quoting it; every case read parses its snapshot's values.)
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct Kind;
        impl serde::de::Visitor<'_> for Kind {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true or false, a whole number or text")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Integer(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
                i64::try_from(v)
                    .map(Value::Integer)
                    .map_err(|_| E::custom("a whole number too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::Text(v))
            }
        }
        deserializer.deserialize_any(Kind)
    }
}

impl Value {
    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The date, if this is a `YYYY-MM-DD` text.
    pub fn as_date(&self) -> Option<NaiveDate> {
        self.as_text()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_by_their_json_kind_and_write_back_the_same() {
        for (json, value) in [
            ("true", Value::Bool(true)),
            ("-3", Value::Integer(-3)),
            ("9223372036854775807", Value::Integer(i64::MAX)),
            ("\"2026-12-06\"", Value::Text("2026-12-06".into())),
            (
                "\"Brukaren f\\u00f6ll\"",
                Value::Text("Brukaren föll".into()),
            ),
        ] {
            let read: Value = serde_json::from_str(json).expect(json);
            assert_eq!(read, value);
            let again: Value = serde_json::from_str(&serde_json::to_string(&read).expect("writes"))
                .expect("reads");
            assert_eq!(again, value);
        }
        for bad in ["9223372036854775808", "1.5", "null", "[1]", "{}"] {
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
    }
}
