//! `get_agent_card`: the agent card an agent publishes (A2A v0.3 §5 Agent Discovery), as it was last fetched.

use rmcp::model::{CallToolResult, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::text;
use super::{AGENT_NAME, Agent};
use crate::a2a::error::redact_url;
use crate::bridge::Bridge;
use crate::bridge::schema::input_schema;

pub const NAME: &str = "get_agent_card";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[schemars(description = AGENT_NAME)]
    #[serde(deserialize_with = "text")]
    agent: String,
}

const TITLE: &str = "Get an A2A agent card";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        "Show the agent card an A2A agent publishes (its skills, capabilities and interfaces).",
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_annotations(ToolAnnotations::new().read_only(true).open_world(true))
}

/// The `structuredContent` (and, as JSON, the text) of `get_agent_card`. The card is what the agent
/// publishes; the bridge's own config (and so every secret) stays out.
#[derive(Debug, Serialize)]
struct CardOutput<'a> {
    agent: &'a str,
    protocol: &'static str,
    /// Where the card was fetched, without credentials or query.
    card_url: String,
    /// The interface the bridge calls, without credentials or query.
    endpoint: String,
    /// The card as the agent sent it.
    card: &'a Value,
}

impl Bridge {
    pub(super) fn get_agent_card(&self, args: Args) -> CallToolResult {
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer(),
        };
        CallToolResult::structured(card_output(&agent, self.settings.max_description_chars))
    }
}

/// What `get_agent_card` returns and the `a2a://{agent}/card` resource holds: the card as the agent sent it
/// (at most the card size cap), strings longer than `max_chars` cut as they are in tool descriptions and
/// `list_agents`, with where it came from.
pub(in crate::bridge) fn card_output(agent: &Agent<'_>, max_chars: usize) -> Value {
    let c = &agent.conn;
    let output = CardOutput {
        agent: agent.name(),
        protocol: c.client.version().as_str(),
        card_url: redact_url(&c.card_url),
        endpoint: redact_url(c.client.endpoint()),
        card: &c.card.raw,
    };
    let mut value = serde_json::to_value(output).unwrap_or_default();
    if let Some(card) = value.get_mut("card") {
        cut_long_strings(card, max_chars);
    }
    value
}

/// Cuts every string of `value` longer than `max` characters, saying how much was left out.
fn cut_long_strings(value: &mut Value, max: usize) {
    match value {
        Value::String(text) => {
            if let Some((end, _)) = text.char_indices().nth(max) {
                let left = text[end..].chars().count();
                text.truncate(end);
                text.push_str(&format!(" [cut: {left} more characters]"));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cut_long_strings(v, max)),
        Value::Object(map) => map.values_mut().for_each(|v| cut_long_strings(v, max)),
        _ => {}
    }
}
