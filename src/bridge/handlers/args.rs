//! Reading a tool's arguments, and the tool error for arguments it cannot take.
//!
//! Arguments that do not fit (a missing `message`, a wrong type, an unknown name, an unknown agent) are tool
//! execution errors, `isError: true`, not JSON-RPC errors: the model reads them and corrects its call (MCP
//! 2025-11-25 tools, "Error Handling", SEP-1303). Only an unknown tool stays a protocol error.
//!
//! Reading is lenient where hosts are sloppy and the meaning is plain: a number or boolean where text is
//! expected is taken as its text (MCP Inspector's `--tool-arg message=10` sends a number), a number given as
//! text is read as the number, and `data` may be a JSON object or JSON text holding one.

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

use crate::bridge::result::{CallOutput, CallState};

/// Why a tool refused its arguments: the sentence the model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadArgs(pub String);

/// Reads `args` into `T`, refusing any argument `tool`'s `inputSchema` does not list (the schema is derived
/// from `T`, so both say the same). Errors name the argument and list what the tool takes.
pub fn parse_args<T: DeserializeOwned>(
    tool: &Tool,
    args: Option<JsonObject>,
) -> Result<T, BadArgs> {
    let args = args.unwrap_or_default();
    let properties = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object);
    if let Some(unknown) = args
        .keys()
        .find(|k| !properties.is_some_and(|p| p.contains_key(k.as_str())))
    {
        let implied = if matches!(unknown.as_str(), "agent" | "skill") {
            " (this tool already names its agent and skill)"
        } else {
            ""
        };
        return Err(BadArgs(format!(
            "unknown argument {unknown:?}{implied}; {}",
            takes(tool)
        )));
    }
    serde_path_to_error::deserialize(Value::Object(args)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string().replace('`', "\"");
        let what = if path.is_empty() || path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        };
        BadArgs(format!("{what}; {}", takes(tool)))
    })
}

/// "`tool` takes message (required), context_id, …": the arguments `tool`'s schema lists, required first.
fn takes(tool: &Tool) -> String {
    let schema = &tool.input_schema;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: Vec<String> = required.iter().map(|k| format!("{k} (required)")).collect();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        names.extend(
            properties
                .keys()
                .filter(|k| !required.contains(&k.as_str()))
                .cloned(),
        );
    }
    if names.is_empty() {
        format!("{} takes no arguments", tool.name)
    } else {
        format!("{} takes {}", tool.name, names.join(", "))
    }
}

/// The tool error for refused arguments. A tool whose results are `CallOutput`s (`shaped`: skill tools and the
/// tools declaring that `outputSchema`) also gets that shape (state `error`), so clients that check structured
/// content against the schema accept it; `agent` is the agent the call was meant for, if known, and names it in
/// the text as every other tool error does.
pub fn bad_args_result(shaped: bool, agent: Option<&str>, error: BadArgs) -> CallToolResult {
    let text = match agent {
        Some(agent) => format!("agent \"{agent}\": invalid arguments: {}", error.0),
        None => format!("invalid arguments: {}", error.0),
    };
    let mut result = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    if shaped {
        let output = CallOutput {
            agent: agent.unwrap_or_default().to_owned(),
            state: CallState::Error,
            task_id: None,
            context_id: None,
            text,
            data: Vec::new(),
            files: Vec::new(),
        };
        result.structured_content = serde_json::to_value(output).ok();
    }
    result
}

/// Text, or a number or boolean taken as its text.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        v @ (Value::Number(_) | Value::Bool(_)) => Ok(v.to_string()),
        other => Err(D::Error::custom(format!(
            "expected text, got {}",
            kind(&other)
        ))),
    }
}

/// Optional text, or a number or boolean taken as its text; `null` counts as absent.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        v @ (Value::Number(_) | Value::Bool(_)) => Ok(Some(v.to_string())),
        other => Err(D::Error::custom(format!(
            "expected text, got {}",
            kind(&other)
        ))),
    }
}

/// An optional number, also given as text (`"10"`); `null` counts as absent.
pub fn opt_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number of seconds, got {s:?}"))),
        other => Err(D::Error::custom(format!(
            "expected a number, got {}",
            kind(&other)
        ))),
    }
}

/// An optional JSON object, also given as JSON text holding one; `null` and `""` count as absent.
pub fn opt_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<JsonObject>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            _ => Err(D::Error::custom(
                "expected a JSON object (or its JSON text), got text that is not one",
            )),
        },
        other => Err(D::Error::custom(format!(
            "expected a JSON object, got {}",
            kind(&other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use schemars::JsonSchema;
    use serde_json::json;

    use super::*;
    use crate::bridge::schema::input_schema;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Args {
        #[serde(deserialize_with = "text")]
        message: String,
        #[serde(default, deserialize_with = "opt_text")]
        context_id: Option<String>,
        #[serde(default, deserialize_with = "opt_number")]
        wait_seconds: Option<f64>,
        #[serde(default, deserialize_with = "opt_object")]
        #[schemars(with = "Option<String>")]
        data: Option<JsonObject>,
    }

    fn tool() -> Tool {
        Tool::new("t_echo", "", input_schema::<Args>())
            .with_raw_output_schema(Arc::new(JsonObject::new()))
    }

    fn parse(v: Value) -> Result<Args, BadArgs> {
        parse_args(&tool(), v.as_object().cloned())
    }

    #[test]
    fn sloppy_scalars_are_read_for_what_they_mean() {
        let a = parse(json!({"message": 10, "context_id": 7, "wait_seconds": "2.5"})).unwrap();
        assert_eq!(a.message, "10");
        assert_eq!(a.context_id.as_deref(), Some("7"));
        assert_eq!(a.wait_seconds, Some(2.5));
        assert_eq!(parse(json!({"message": true})).unwrap().message, "true");
        let a = parse(json!({"message": "m", "data": "{\"k\": 1}", "context_id": null})).unwrap();
        assert_eq!(a.data.unwrap()["k"], 1);
        assert_eq!(a.context_id, None);
        let a = parse(json!({"message": "m", "data": {"k": 2}})).unwrap();
        assert_eq!(a.data.unwrap()["k"], 2);
    }

    #[test]
    fn refusals_name_the_argument_and_what_the_tool_takes() {
        let BadArgs(e) = parse(json!({})).unwrap_err();
        assert!(e.contains("missing field \"message\""), "{e}");
        assert!(e.contains("t_echo takes message (required)"), "{e}");
        let BadArgs(e) = parse(json!({"message": "m", "wait_seconds": "soon"})).unwrap_err();
        assert!(e.starts_with("wait_seconds: "), "{e}");
        let BadArgs(e) = parse(json!({"message": ["a"]})).unwrap_err();
        assert!(e.starts_with("message: expected text, got an array"), "{e}");
        let BadArgs(e) = parse(json!({"message": "m", "data": "[1]"})).unwrap_err();
        assert!(e.starts_with("data: "), "{e}");
        let BadArgs(e) = parse(json!({"message": "m", "agent": "x"})).unwrap_err();
        assert!(e.starts_with("unknown argument \"agent\""), "{e}");
        assert!(e.contains("already names its agent"), "{e}");
        assert!(!e.contains("skill,") && !e.contains("agent,"), "{e}");
        let BadArgs(e) = parse(json!({"message": "m", "colour": 1})).unwrap_err();
        assert!(
            e.starts_with("unknown argument \"colour\"; t_echo takes"),
            "{e}"
        );
    }

    #[test]
    fn refused_arguments_are_tool_errors_with_the_output_shape() {
        let r = bad_args_result(true, Some("a"), BadArgs("x".into()));
        assert_eq!(r.is_error, Some(true));
        let s = r.structured_content.unwrap();
        assert_eq!(s["state"], "error");
        assert_eq!(s["agent"], "a");
        assert_eq!(s["text"], "agent \"a\": invalid arguments: x");
        assert!(
            bad_args_result(false, None, BadArgs("x".into()))
                .structured_content
                .is_none()
        );
    }
}
