//! The last step of every tool call: configured secrets scrubbed out of the result (pure).
//!
//! Whatever an agent sent back (an artifact, a status message, an error) may echo the credentials the bridge
//! sent it; `scrub_response` replaces every configured secret in the text, the structured content and the
//! questions of a result before it leaves the bridge (see `a2a::scrub`).

use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::a2a::scrub::Scrubber;

/// `response` with every configured secret replaced by `[redacted]`.
pub fn scrub_response(scrubber: &Scrubber, response: CallToolResponse) -> CallToolResponse {
    if scrubber.is_empty() {
        // Nothing to replace: skip copying every text and the JSON round trips.
        return response;
    }
    match response {
        CallToolResponse::Complete(result) => {
            CallToolResponse::Complete(scrub_result(scrubber, result))
        }
        CallToolResponse::InputRequired(asked) => {
            CallToolResponse::InputRequired(round_trip(scrubber, asked))
        }
        // An MCP task carries the agent's status message.
        CallToolResponse::Task(task) => CallToolResponse::Task(round_trip(scrubber, task)),
        other => other,
    }
}

/// `result` with its text blocks, links, embedded resources and structured content scrubbed. Image and audio
/// bytes are left alone.
pub fn scrub_result(scrubber: &Scrubber, mut result: CallToolResult) -> CallToolResult {
    if scrubber.is_empty() {
        return result;
    }
    for block in &mut result.content {
        match block {
            ContentBlock::Text(t) => t.text = scrubber.scrub(&t.text),
            ContentBlock::Image(_) | ContentBlock::Audio(_) => {}
            other => *other = round_trip(scrubber, other.clone()),
        }
    }
    if let Some(value) = &mut result.structured_content {
        scrubber.scrub_value(value);
    }
    result
}

/// Scrubs every string of `value` through its JSON form; unchanged if it does not survive the trip.
pub fn round_trip<T: Serialize + DeserializeOwned + Clone>(scrubber: &Scrubber, value: T) -> T {
    let Ok(mut json) = serde_json::to_value(&value) else {
        return value;
    };
    scrubber.scrub_value(&mut json);
    serde_json::from_value(json).unwrap_or(value)
}
