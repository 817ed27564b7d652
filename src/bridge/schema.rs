//! JSON Schemas of tool shapes, derived with `schemars` from the types that read a tool's arguments and
//! write its `structuredContent` (MCP 2025-11-25 tools: `inputSchema`, `outputSchema`), so a schema cannot
//! drift from the code that honours it.
//!
//! The schemas are kept plain, because hosts hand input schemas to model APIs that accept only a small subset
//! of JSON Schema (Gemini function declarations, an OpenAPI subset; OpenAI function calling, strict or not):
//! subschemas are inlined (no `$ref`/`$defs`), and there is no `$schema`, no title or description at the
//! root, no `format` on numbers, no `default: null`, no `additionalProperties` in input schemas (Gemini's
//! translators reject the keyword; unknown arguments are refused at call time instead), and no object without
//! declared properties below the root (a free-form object argument is typed as JSON text by its field). An
//! optional argument is one that may be left out, so an input schema types it without `null`; an output
//! field that may be `null` says so.
//!
//! Output schemas carry no descriptions: a client checks `structuredContent` against the types, the field
//! names and the states listed say the rest, and every tool that declares the schema repeats it in
//! `tools/list` (the doc comments of the output types stay for Rust readers; the README shows the shape).

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// The argument every waiting tool takes; its maximum is `max_wait_seconds` from the config.
const WAIT_SECONDS: &str = "wait_seconds";

/// The `inputSchema` of arguments read into `T` (what `T` accepts).
pub fn input_schema<T: JsonSchema>() -> Arc<JsonObject> {
    Arc::new(input::<T>())
}

/// The `inputSchema` of arguments read into `T`, whose `wait_seconds` is capped at `max_wait_secs` (the
/// config's `max_wait_seconds`, which no type knows).
pub fn waiting_input_schema<T: JsonSchema>(max_wait_secs: f64) -> Arc<JsonObject> {
    let mut schema = input::<T>();
    if let Some(Value::Object(wait)) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut(WAIT_SECONDS))
    {
        // A whole number is written as an integer (`600`, not `600.0`): some hosts' schema translators read
        // `maximum` as an integer for a field they then type as one.
        let maximum = if max_wait_secs.fract() == 0.0 && (0.0..=9.0e15).contains(&max_wait_secs) {
            json!(max_wait_secs as u64)
        } else {
            json!(max_wait_secs)
        };
        wait.insert("maximum".into(), maximum);
    }
    Arc::new(schema)
}

fn input<T: JsonSchema>() -> JsonObject {
    let mut schema = generate::<T>(SchemaSettings::draft2020_12(), Side::Input);
    // An argument-less tool still says it takes an object with no properties.
    schema.entry("properties").or_insert_with(|| json!({}));
    schema
}

/// The `outputSchema` of `structuredContent` written from `T` (what `T` serializes to).
pub fn output_schema<T: JsonSchema>() -> Arc<JsonObject> {
    Arc::new(generate::<T>(
        SchemaSettings::draft2020_12().for_serialize(),
        Side::Output,
    ))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

fn generate<T: JsonSchema>(mut settings: SchemaSettings, side: Side) -> JsonObject {
    settings.inline_subschemas = true;
    settings.meta_schema = None;
    let mut root = match settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
    {
        Value::Object(map) => map,
        // Only `true`/`false` schemas are not objects, and no tool shape is one.
        _ => JsonObject::new(),
    };
    // The type's name and doc comment are for Rust readers; the tool's description speaks to the model.
    root.remove("title");
    root.remove("description");
    plain(&mut root, side);
    root
}

/// Removes what says nothing to a host, recursively through `properties` and `items`.
fn plain(schema: &mut JsonObject, side: Side) {
    if matches!(schema.get("format"), Some(Value::String(f)) if f == "double" || f == "float" || f.starts_with("uint") || f.starts_with("int"))
    {
        schema.remove("format");
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(true)) {
        schema.remove("additionalProperties");
    }
    if side == Side::Output {
        schema.remove("description");
    }
    if side == Side::Input {
        schema.remove("additionalProperties");
        if schema.get("default") == Some(&Value::Null) {
            schema.remove("default");
        }
        // An optional enum argument: left out rather than null.
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        if let Some(Value::Array(types)) = schema.get_mut("type") {
            types.retain(|t| t != "null");
            if let [only] = types.as_slice() {
                let only = only.clone();
                schema.insert("type".into(), only);
            }
        }
    }
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            if let Value::Object(p) = property {
                plain(p, side);
            }
        }
    }
    if let Some(Value::Object(items)) = schema.get_mut("items") {
        plain(items, side);
    }
}
