//! The AWS Query protocol (STS, IAM): form parameters in, XML out.
//!
//! Requests are flat `Name=value` pairs whose names are paths: `RoleName`, `Tags.member.1.Key`,
//! `PolicyArns.member.2.arn`, `Attributes.entry.1.key`. `decode` folds them into a tree and reads
//! the model's request shapes from it with a deserializer that takes every scalar from text (numbers,
//! booleans, ISO 8601 timestamps), lists from `.member.N`, maps from `.entry.N.key/value`.
//! `encode` writes a model shape as `<{Op}Response><{Op}Result>…</{Op}Result><ResponseMetadata>`,
//! lists as `<member>`, maps as `<entry><key/><value/></entry>`, timestamps in ISO 8601.
//! Written here because no maintained crate speaks the Query protocol server-side (serde's XML
//! crates do not know AWS's list and map conventions, nor the timestamp rules).

use std::collections::BTreeMap;
use std::fmt::{self, Display};

use axum::body::Body;
use axum::response::Response;
use cognate_model::Validate;
use http::{HeaderValue, StatusCode, header};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

use crate::AwsError;
use crate::error::xml_escape;

/// The Query services' validation error code.
pub const VALIDATION_ERROR: &str = "ValidationError";

/// Most parameters a request may carry.
const MAX_PARAMS: usize = 2_000;

/// A folded form: a leaf value, or named children.
#[derive(Debug)]
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

fn fold(params: &[(String, String)]) -> Result<Node, AwsError> {
    if params.len() > MAX_PARAMS {
        return Err(AwsError::client(VALIDATION_ERROR, "The request has too many parameters."));
    }
    let mut root = BTreeMap::new();
    for (name, value) in params {
        if name == "Action" || name == "Version" {
            continue;
        }
        let mut parts = name.split('.').peekable();
        let mut at = &mut root;
        while let Some(part) = parts.next() {
            if part.is_empty() {
                return Err(malformed(name));
            }
            if parts.peek().is_none() {
                match at.get(part) {
                    Some(Node::Branch(_)) => return Err(malformed(name)),
                    _ => {
                        at.insert(part.to_owned(), Node::Leaf(value.clone()));
                    }
                }
            } else {
                let next = at.entry(part.to_owned()).or_insert_with(|| Node::Branch(BTreeMap::new()));
                match next {
                    Node::Branch(children) => at = children,
                    // `Tags=` (an empty list) followed by its members: the members win.
                    Node::Leaf(v) if v.is_empty() => {
                        *next = Node::Branch(BTreeMap::new());
                        match next {
                            Node::Branch(children) => at = children,
                            Node::Leaf(_) => return Err(malformed(name)),
                        }
                    }
                    Node::Leaf(_) => return Err(malformed(name)),
                }
            }
        }
    }
    Ok(Node::Branch(root))
}

fn malformed(name: &str) -> AwsError {
    let name: String = name.chars().take(64).collect();
    AwsError::client(VALIDATION_ERROR, format!("The parameter {name} is malformed."))
}

/// Decodes and validates a Query request's parameters into the operation's input shape.
pub fn decode<T: DeserializeOwned + Validate>(params: &[(String, String)]) -> Result<T, AwsError> {
    let tree = fold(params)?;
    let value: T = serde_path_to_error::deserialize(NodeDe(&tree)).map_err(|e| {
        let path = e.path().to_string();
        let text = e.inner().0.clone();
        if let Some(rest) = text.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or("");
            let at = if path.is_empty() || path == "." { lower_first(field) } else { format!("{path}.{}", lower_first(field)) };
            return AwsError::client(
                VALIDATION_ERROR,
                format!("1 validation error detected: Value null at '{at}' failed to satisfy constraint: Member must not be null"),
            );
        }
        // The message names what was expected, never the value sent (it may be a secret).
        AwsError::client(VALIDATION_ERROR, format!("Invalid value for parameter {path}: {text}"))
    })?;
    match value.validation_message() {
        Some(message) => Err(AwsError::client(VALIDATION_ERROR, message)),
        None => Ok(value),
    }
}

fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_lowercase().collect::<String>() + cs.as_str(),
        None => String::new(),
    }
}

/// A decoding error; its text never repeats a value.
#[derive(Debug)]
pub struct DeError(String);

impl Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: Display>(msg: T) -> Self {
        let text = msg.to_string();
        // serde quotes offending values ("invalid type: string \"…\""): keep what was expected.
        match text.split_once(", expected ") {
            Some((_, expected)) => DeError(format!("expected {expected}")),
            None if text.starts_with("missing field") || text.starts_with("unknown") => DeError(text),
            None => DeError("invalid value".into()),
        }
    }
}

struct NodeDe<'a>(&'a Node);

impl<'de> IntoDeserializer<'de, DeError> for NodeDe<'de> {
    type Deserializer = NodeDe<'de>;
    fn into_deserializer(self) -> NodeDe<'de> {
        self
    }
}

impl<'a> NodeDe<'a> {
    fn leaf(&self) -> Result<&'a str, DeError> {
        match self.0 {
            Node::Leaf(s) => Ok(s),
            Node::Branch(_) => Err(DeError("expected a value, not a structure".into())),
        }
    }

    /// A list's items: `.member.N` (or flattened `.N`), in index order; `X=` is an empty list.
    fn items(&self) -> Result<Vec<&'a Node>, DeError> {
        match self.0 {
            Node::Leaf(s) if s.is_empty() => Ok(Vec::new()),
            Node::Leaf(_) => Err(DeError("expected a list".into())),
            Node::Branch(children) => {
                let indexed = match children.get("member") {
                    Some(Node::Branch(members)) if children.len() == 1 => members,
                    Some(_) | None => children,
                };
                let mut items = Vec::with_capacity(indexed.len());
                for (k, v) in indexed {
                    let n: usize = k.parse().map_err(|_| DeError("expected list members .member.N".into()))?;
                    if n == 0 {
                        return Err(DeError("list members are numbered from 1".into()));
                    }
                    items.push((n, v));
                }
                items.sort_by_key(|(n, _)| *n);
                Ok(items.into_iter().map(|(_, v)| v).collect())
            }
        }
    }
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, DeError> {
    s.trim().parse().map_err(|_| DeError(format!("expected {what}")))
}

/// A timestamp parameter: ISO 8601, or epoch seconds.
fn timestamp_secs(s: &str) -> Result<f64, DeError> {
    if let Ok(n) = s.trim().parse::<f64>() {
        return Ok(n);
    }
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Iso8601::DEFAULT)
        .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)
        .map_err(|_| DeError("expected an ISO 8601 timestamp".into()))
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            v.$visit(parse::<$ty>(self.leaf()?, "a number")?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Leaf(s) => v.visit_str(s),
            Node::Branch(children) => v.visit_map(Entries::of_children(children)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.leaf()?.trim().to_ascii_lowercase().as_str() {
            "true" => v.visit_bool(true),
            "false" => v.visit_bool(false),
            _ => Err(DeError("expected true or false".into())),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16, deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64, deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64, deserialize_f32 => visit_f32: f32,
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_f64(timestamp_secs(self.leaf()?)?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_str(self.leaf()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_seq(de::value::SeqDeserializer::new(self.items()?.into_iter().map(NodeDe)))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Leaf(s) if s.is_empty() => v.visit_map(Entries(Vec::new().into_iter(), None)),
            Node::Leaf(_) => Err(DeError("expected a map".into())),
            Node::Branch(children) => match children.get("entry") {
                Some(entries @ Node::Branch(_)) if children.len() == 1 => {
                    let mut pairs = Vec::new();
                    for item in NodeDe(entries).items()? {
                        let Node::Branch(kv) = item else { return Err(DeError("expected entry.N.key".into())) };
                        let (Some(Node::Leaf(k)), Some(value)) = (kv.get("key"), kv.get("value")) else {
                            return Err(DeError("expected entry.N.key and entry.N.value".into()));
                        };
                        pairs.push((k.as_str(), value));
                    }
                    v.visit_map(Entries(pairs.into_iter(), None))
                }
                Some(_) | None => v.visit_map(Entries::of_children(children)),
            },
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Leaf(s) if s.is_empty() => v.visit_map(Entries(Vec::new().into_iter(), None)),
            Node::Leaf(_) => Err(DeError("expected a structure".into())),
            Node::Branch(children) => v.visit_map(Entries::of_children(children)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_enum(self.leaf()?.into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

/// A structure's (or a plain map's) named children, or a map's `entry.N.key` / `entry.N.value`
/// pairs: keys with the node each names.
struct Entries<'a>(std::vec::IntoIter<(&'a str, &'a Node)>, Option<&'a Node>);

impl<'a> Entries<'a> {
    fn of_children(children: &'a BTreeMap<String, Node>) -> Entries<'a> {
        Entries(children.iter().map(|(k, v)| (k.as_str(), v)).collect::<Vec<_>>().into_iter(), None)
    }
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.0.next() {
            Some((k, v)) => {
                self.1 = Some(v);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.1.take() {
            Some(v) => seed.deserialize(NodeDe(v)),
            None => Err(DeError("a value without a key".into())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// A serialised value before it is written as XML.
#[derive(Debug)]
enum Out {
    Absent,
    Text(String),
    Elements(Vec<(&'static str, Out)>),
    List(Vec<Out>),
    Map(Vec<(Out, Out)>),
}

impl Out {
    fn write(&self, into: &mut String) {
        match self {
            Out::Absent => {}
            Out::Text(t) => into.push_str(&xml_escape(t)),
            Out::Elements(fields) => {
                for (name, value) in fields {
                    if matches!(value, Out::Absent) {
                        continue;
                    }
                    into.push('<');
                    into.push_str(name);
                    into.push('>');
                    value.write(into);
                    into.push_str("</");
                    into.push_str(name);
                    into.push('>');
                }
            }
            Out::List(items) => {
                for item in items {
                    into.push_str("<member>");
                    item.write(into);
                    into.push_str("</member>");
                }
            }
            Out::Map(entries) => {
                for (k, v) in entries {
                    into.push_str("<entry><key>");
                    k.write(into);
                    into.push_str("</key><value>");
                    v.write(into);
                    into.push_str("</value></entry>");
                }
            }
        }
    }
}

/// An encoding error (a response shape serde could not write).
#[derive(Debug)]
pub struct SerError(String);

impl Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// The name `cognate_model::runtime::Timestamp` serialises its newtype under.
const TIMESTAMP: &str = "Timestamp";

struct OutSer;

fn text(s: impl ToString) -> Result<Out, SerError> {
    Ok(Out::Text(s.to_string()))
}

/// Epoch seconds as ISO 8601 with milliseconds, as AWS's Query services write timestamps.
fn iso8601(secs: f64) -> Result<Out, SerError> {
    // Timestamps are whole milliseconds; rounding there undoes the float's error.
    let nanos = (secs * 1e3).round() as i128 * 1_000_000;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|e| SerError(e.to_string()))?;
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&format).map(Out::Text).map_err(|e| SerError(e.to_string()))
}

/// Serialises a timestamp's number.
struct TimestampSer;

macro_rules! ts_number {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Out, SerError> {
            iso8601(v as f64)
        }
    )*};
}

macro_rules! unsupported {
    ($($method:ident($($arg:ty),*) -> $ret:ty),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ret, SerError> {
            Err(SerError(concat!("unsupported in a timestamp: ", stringify!($method)).into()))
        }
    )*};
}

impl ser::Serializer for TimestampSer {
    type Ok = Out;
    type Error = SerError;
    type SerializeSeq = ser::Impossible<Out, SerError>;
    type SerializeTuple = ser::Impossible<Out, SerError>;
    type SerializeTupleStruct = ser::Impossible<Out, SerError>;
    type SerializeTupleVariant = ser::Impossible<Out, SerError>;
    type SerializeMap = ser::Impossible<Out, SerError>;
    type SerializeStruct = ser::Impossible<Out, SerError>;
    type SerializeStructVariant = ser::Impossible<Out, SerError>;

    ts_number!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_u8: u8,
        serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_f32: f32, serialize_f64: f64);

    unsupported! {
        serialize_bool(bool) -> Out, serialize_char(char) -> Out, serialize_str(&str) -> Out,
        serialize_bytes(&[u8]) -> Out, serialize_none() -> Out, serialize_unit() -> Out,
        serialize_unit_struct(&'static str) -> Out,
        serialize_unit_variant(&'static str, u32, &'static str) -> Out,
        serialize_seq(Option<usize>) -> Self::SerializeSeq, serialize_tuple(usize) -> Self::SerializeTuple,
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct,
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant,
        serialize_map(Option<usize>) -> Self::SerializeMap,
        serialize_struct(&'static str, usize) -> Self::SerializeStruct,
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant,
    }

    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Out, SerError> {
        v.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<Out, SerError> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Out, SerError> {
        Err(SerError("unsupported in a timestamp: a variant".into()))
    }
}

impl ser::Serializer for OutSer {
    type Ok = Out;
    type Error = SerError;
    type SerializeSeq = ListSer;
    type SerializeTuple = ListSer;
    type SerializeTupleStruct = ListSer;
    type SerializeTupleVariant = ser::Impossible<Out, SerError>;
    type SerializeMap = MapSer;
    type SerializeStruct = StructSer;
    type SerializeStructVariant = ser::Impossible<Out, SerError>;

    fn serialize_bool(self, v: bool) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_i8(self, v: i8) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_f64(self, v: f64) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_char(self, v: char) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_str(self, v: &str) -> Result<Out, SerError> {
        text(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Out, SerError> {
        use base64::Engine as _;
        text(base64::engine::general_purpose::STANDARD.encode(v))
    }
    fn serialize_none(self) -> Result<Out, SerError> {
        Ok(Out::Absent)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Out, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Out, SerError> {
        Ok(Out::Absent)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Out, SerError> {
        Ok(Out::Absent)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Out, SerError> {
        text(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, v: &T) -> Result<Out, SerError> {
        if name == TIMESTAMP { v.serialize(TimestampSer) } else { v.serialize(self) }
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<Out, SerError> {
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ListSer, SerError> {
        Ok(ListSer(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<ListSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<ListSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(SerError("tuple variants are not part of any model shape".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapSer, SerError> {
        Ok(MapSer(Vec::new(), None))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<StructSer, SerError> {
        Ok(StructSer(Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(SerError("struct variants are not part of any model shape".into()))
    }
}

struct ListSer(Vec<Out>);

impl ser::SerializeSeq for ListSer {
    type Ok = Out;
    type Error = SerError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(v.serialize(OutSer)?);
        Ok(())
    }
    fn end(self) -> Result<Out, SerError> {
        Ok(Out::List(self.0))
    }
}

impl ser::SerializeTuple for ListSer {
    type Ok = Out;
    type Error = SerError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Out, SerError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for ListSer {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Out, SerError> {
        ser::SerializeSeq::end(self)
    }
}

struct MapSer(Vec<(Out, Out)>, Option<Out>);

impl ser::SerializeMap for MapSer {
    type Ok = Out;
    type Error = SerError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), SerError> {
        self.1 = Some(k.serialize(OutSer)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), SerError> {
        let key = self.1.take().ok_or_else(|| SerError("a map value without its key".into()))?;
        self.0.push((key, v.serialize(OutSer)?));
        Ok(())
    }
    fn end(self) -> Result<Out, SerError> {
        Ok(Out::Map(self.0))
    }
}

struct StructSer(Vec<(&'static str, Out)>);

impl ser::SerializeStruct for StructSer {
    type Ok = Out;
    type Error = SerError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), SerError> {
        self.0.push((key, v.serialize(OutSer)?));
        Ok(())
    }
    fn skip_field(&mut self, _: &'static str) -> Result<(), SerError> {
        Ok(())
    }
    fn end(self) -> Result<Out, SerError> {
        Ok(Out::Elements(self.0))
    }
}

/// The XML body of a successful Query response. `output` is `None` for operations the model gives
/// no output shape (their response has only `ResponseMetadata`).
pub fn encode_body<T: Serialize>(
    operation: &str,
    xmlns: &str,
    request_id: &str,
    output: Option<&T>,
) -> Result<String, AwsError> {
    let mut body = String::with_capacity(512);
    body.push_str(&format!("<{operation}Response xmlns=\"{}\">", xml_escape(xmlns)));
    if let Some(output) = output {
        let out = output.serialize(OutSer).map_err(|e| {
            tracing::error!(error = %e, "COGNATE-PROTO0002 Query response serialisation failed");
            AwsError::internal("InternalFailure")
        })?;
        body.push_str(&format!("<{operation}Result>"));
        out.write(&mut body);
        body.push_str(&format!("</{operation}Result>"));
    }
    body.push_str(&format!(
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{operation}Response>",
        xml_escape(request_id)
    ));
    Ok(body)
}

/// A successful Query response.
pub fn encode<T: Serialize>(
    operation: &str,
    xmlns: &str,
    request_id: &str,
    output: Option<&T>,
) -> Result<Response, AwsError> {
    let body = encode_body(operation, xmlns, request_id, output)?;
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use cognate_model::iam;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn decodes_scalars_lists_and_structures() {
        let req: iam::CreateRoleRequest = decode(&params(&[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "reader"),
            ("AssumeRolePolicyDocument", "{}"),
            ("MaxSessionDuration", "7200"),
            ("Tags.member.2.Key", "b"),
            ("Tags.member.2.Value", "2"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
        ]))
        .unwrap();
        assert_eq!(req.role_name, "reader");
        assert_eq!(req.max_session_duration, Some(7200));
        let tags = req.tags.unwrap();
        assert_eq!((tags[0].key.as_str(), tags[1].key.as_str()), ("a", "b"));
    }

    #[test]
    fn a_missing_member_is_a_validation_error() {
        let e = decode::<iam::CreateRoleRequest>(&params(&[("RoleName", "x")])).unwrap_err();
        assert_eq!(e.code, VALIDATION_ERROR);
        assert!(e.message.contains("assumeRolePolicyDocument"), "{}", e.message);
    }

    #[test]
    fn a_bad_number_is_refused_without_echoing_it() {
        let e = decode::<iam::CreateRoleRequest>(&params(&[
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", "{}"),
            ("MaxSessionDuration", "s3cr3t"),
        ]))
        .unwrap_err();
        assert_eq!(e.code, VALIDATION_ERROR);
        assert!(!e.message.contains("s3cr3t"), "{}", e.message);
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in [&[("Tags.member.1", "x"), ("Tags.member.1.Key", "k")][..], &[("A..B", "x")]] {
            assert_eq!(decode::<iam::CreateRoleRequest>(&params(bad)).unwrap_err().code, VALIDATION_ERROR);
        }
    }

    #[test]
    fn encodes_the_response_envelope() {
        let out = iam::GetRoleResponse {
            role: iam::Role {
                arn: "arn:aws:iam::000000000000:role/r".into(),
                create_date: cognate_model::runtime::Timestamp::from_millis(1_700_000_000_123),
                path: "/".into(),
                role_id: "AROA".into(),
                role_name: "r<&>".into(),
                tags: Some(vec![iam::Tag { key: "k".into(), value: "v".into() }]),
                ..Default::default()
            },
        };
        let body = encode_body("GetRole", "https://iam.amazonaws.com/doc/2010-05-08/", "rid", Some(&out)).unwrap();
        assert!(
            body.starts_with(
                "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role>"
            ),
            "{body}"
        );
        assert!(body.contains("<CreateDate>2023-11-14T22:13:20.123Z</CreateDate>"), "{body}");
        assert!(body.contains("<RoleName>r&lt;&amp;&gt;</RoleName>"), "{body}");
        assert!(body.contains("<Tags><member><Key>k</Key><Value>v</Value></member></Tags>"), "{body}");
        assert!(!body.contains("Description"), "absent members are left out: {body}");
        assert!(body.ends_with("<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetRoleResponse>"));
        let empty = encode_body::<()>("DeleteRole", "x", "rid", None).unwrap();
        assert_eq!(
            empty,
            "<DeleteRoleResponse xmlns=\"x\"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DeleteRoleResponse>"
        );
    }
}
