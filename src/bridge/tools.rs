//! Agent cards → MCP tools (pure: no IO).
//!
//! Names are `{agent}_{skill}`, sanitized to `[A-Za-z0-9_-]`, at most 64 characters (what LLM APIs and
//! several hosts accept). They must not change between runs: clients cache tool lists and the model learns
//! them, so truncation and collisions are resolved with a hash of the full identity, never with a counter.
//! Order is stable: generic tools, then agents in config order, skills in card order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::a2a::{AgentCard, Skill};
use crate::config::SkillFilter;

/// Hosts and LLM APIs reject longer tool names.
pub const MAX_TOOL_NAME_LEN: usize = 64;
/// Characters of the hash suffix used on truncation or collision.
const HASH_SUFFIX_LEN: usize = 6;

/// Names of the bridge's own tools; skill tools never take them.
pub const LIST_AGENTS: &str = "list_agents";
pub const GET_AGENT_CARD: &str = "get_agent_card";
pub const SEND_MESSAGE: &str = "send_message";
pub const GET_TASK: &str = "get_task";
pub const CANCEL_TASK: &str = "cancel_task";
pub const GENERIC_TOOLS: [&str; 5] = [
    LIST_AGENTS,
    GET_AGENT_CARD,
    SEND_MESSAGE,
    GET_TASK,
    CANCEL_TASK,
];

/// What a tool call is routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A skill of the agent at this index in the config (`None`: the agent has no skills listed).
    Skill {
        agent: usize,
        skill_id: Option<String>,
    },
    /// One of the bridge's own tools.
    Generic(&'static str),
}

/// The tools of the moment and where each one goes.
#[derive(Debug, Clone, Default)]
pub struct ToolTable {
    /// In listing order.
    pub tools: Vec<Tool>,
    pub routes: HashMap<String, Route>,
    /// Tool name → index in `tools`, so a lookup costs the same however many agents there are.
    index: HashMap<String, usize>,
}

impl ToolTable {
    pub fn get(&self, name: &str) -> Option<(&Tool, &Route)> {
        let route = self.routes.get(name)?;
        let tool = self.tools.get(*self.index.get(name)?)?;
        Some((tool, route))
    }

    fn push(&mut self, tool: Tool, route: Route) {
        let name = tool.name.to_string();
        self.index.insert(name.clone(), self.tools.len());
        self.routes.insert(name, route);
        self.tools.push(tool);
    }
}

/// One agent as the table builder sees it.
pub struct AgentTools<'a> {
    pub name: &'a str,
    /// The description from the config, which wins over the card's.
    pub description: Option<&'a str>,
    pub filter: &'a SkillFilter,
    /// `None` while the agent has not answered: it contributes no tools yet.
    pub card: Option<&'a AgentCard>,
}

/// Builds the tool table: generic tools first, then one tool per allowed skill of every known agent.
pub fn build_table(agents: &[AgentTools<'_>], max_wait_secs: f64) -> ToolTable {
    let mut table = ToolTable::default();
    // Every skill tool has the same schemas: build them once and share them.
    let input = skill_input_schema(max_wait_secs);
    let mut taken: HashSet<String> = HashSet::new();
    for tool in generic_tools(max_wait_secs) {
        let name = tool.name.to_string();
        let route = GENERIC_TOOLS
            .iter()
            .find(|g| **g == name)
            .map(|g| Route::Generic(g))
            .expect("every generic tool is listed in GENERIC_TOOLS");
        taken.insert(name.to_ascii_lowercase());
        table.push(tool, route);
    }
    for (index, agent) in agents.iter().enumerate() {
        let Some(card) = agent.card else { continue };
        let description = agent.description.unwrap_or(&card.description);
        let skills: Vec<&Skill> = card
            .skills
            .iter()
            .filter(|s| agent.filter.allows(&s.id))
            .collect();
        if card.skills.is_empty() {
            // An agent whose card lists no skills still gets one tool: the agent itself.
            let name = unique_name(agent.name, None, &mut taken);
            let tool = agent_tool(&name, agent.name, card, description, &input);
            table.push(
                tool,
                Route::Skill {
                    agent: index,
                    skill_id: None,
                },
            );
            continue;
        }
        for skill in skills {
            let name = unique_name(agent.name, Some(&skill.id), &mut taken);
            let tool = skill_tool(&name, agent.name, description, skill, &input);
            table.push(
                tool,
                Route::Skill {
                    agent: index,
                    skill_id: Some(skill.id.clone()),
                },
            );
        }
    }
    table
}

/// `{agent}_{skill}` made safe, short and unique, deterministically.
fn unique_name(agent: &str, skill: Option<&str>, taken: &mut HashSet<String>) -> String {
    let identity = match skill {
        Some(s) => format!("{agent}\u{0}{s}"),
        None => agent.to_owned(),
    };
    let base = match skill {
        Some(s) => format!("{}_{}", sanitize(agent), sanitize(s)),
        None => sanitize(agent),
    };
    let mut name = if base.len() > MAX_TOOL_NAME_LEN {
        with_suffix(&base, &identity)
    } else {
        base
    };
    // Clients compare names case-sensitively, but some hosts do not: treat case-only differences as clashes.
    if taken.contains(&name.to_ascii_lowercase()) {
        name = with_suffix(&name, &identity);
        let mut salt = 1u32;
        while taken.contains(&name.to_ascii_lowercase()) {
            name = with_suffix(&name, &format!("{identity}\u{0}{salt}"));
            salt += 1;
        }
    }
    taken.insert(name.to_ascii_lowercase());
    name
}

/// Keeps `[A-Za-z0-9_-]`, turns anything else into `_`, and folds runs of `_`.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name` cut to fit, plus `_` and a short hash of `identity`.
fn with_suffix(name: &str, identity: &str) -> String {
    let hash = format!("{:016x}", fnv1a(identity.as_bytes()));
    let keep = MAX_TOOL_NAME_LEN - HASH_SUFFIX_LEN - 1;
    let prefix: String = name.chars().take(keep).collect();
    format!(
        "{}_{}",
        prefix.trim_end_matches('_'),
        &hash[..HASH_SUFFIX_LEN]
    )
}

/// FNV-1a: tiny and, unlike std's hasher, guaranteed stable across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn object(v: Value) -> Arc<JsonObject> {
    match v {
        Value::Object(map) => Arc::new(map),
        _ => unreachable!("tool schemas are written as JSON objects"),
    }
}

/// Properties shared by every tool that sends a message to an agent.
fn message_properties(max_wait_secs: f64) -> Value {
    json!({
        "message": {"type": "string", "description": "What to ask the agent, in plain language."},
        "context_id": {"type": "string", "description": "Continue an earlier conversation: the context_id from a previous result of this agent."},
        "task_id": {"type": "string", "description": "Answer an agent that asked for input: the task_id from that result."},
        "data": {"type": "object", "description": "Optional structured input, sent to the agent as a JSON data part."},
        "wait_seconds": {"type": "number", "minimum": 0, "maximum": max_wait_secs,
            "description": "How long to wait for the result before returning a task handle to collect later with get_task."}
    })
}

fn skill_input_schema(max_wait_secs: f64) -> Arc<JsonObject> {
    object(json!({
        "type": "object",
        "properties": message_properties(max_wait_secs),
        "required": ["message"],
        "additionalProperties": false
    }))
}

/// The structured result every message-sending tool returns (also on errors), so a client can rely on it.
pub fn result_schema() -> Arc<JsonObject> {
    static SCHEMA: std::sync::OnceLock<Arc<JsonObject>> = std::sync::OnceLock::new();
    Arc::clone(SCHEMA.get_or_init(build_result_schema))
}

fn build_result_schema() -> Arc<JsonObject> {
    object(json!({
        "type": "object",
        "properties": {
            "agent": {"type": "string"},
            "state": {"type": "string", "description": "A2A task state: completed, working, input-required, auth-required, failed, rejected, canceled (or message for a direct reply)."},
            "task_id": {"type": ["string", "null"]},
            "context_id": {"type": ["string", "null"]},
            "text": {"type": "string", "description": "The agent's text output."},
            "data": {"type": "array", "description": "Data parts of the output, in order."},
            "files": {"type": "array"}
        },
        "required": ["agent", "state", "text"]
    }))
}

const CONTINUE_HINT: &str =
    "Pass context_id from an earlier result to continue the same conversation.";

fn annotations(title: String) -> ToolAnnotations {
    // Agents act in the world and their answers vary: not read-only, not idempotent, open-world.
    ToolAnnotations::with_title(title)
        .read_only(false)
        .destructive(false)
        .idempotent(false)
        .open_world(true)
}

fn skill_tool(
    name: &str,
    agent: &str,
    agent_description: &str,
    skill: &Skill,
    input: &Arc<JsonObject>,
) -> Tool {
    let mut d = String::new();
    if !skill.description.is_empty() {
        d.push_str(skill.description.trim());
        d.push_str("\n\n");
    }
    d.push_str(&format!(
        "Skill \"{}\" of the A2A agent \"{agent}\"",
        skill.name
    ));
    if !agent_description.trim().is_empty() {
        d.push_str(&format!(": {}", agent_description.trim()));
    }
    d.push('.');
    if !skill.examples.is_empty() {
        let examples: Vec<String> = skill
            .examples
            .iter()
            .take(5)
            .map(|e| format!("{e:?}"))
            .collect();
        d.push_str(&format!("\nExamples: {}.", examples.join(", ")));
    }
    d.push('\n');
    d.push_str(CONTINUE_HINT);
    Tool::new(name.to_owned(), d, Arc::clone(input))
        .with_title(format!("{agent}: {}", skill.name))
        .with_raw_output_schema(result_schema())
        .with_annotations(annotations(format!("{agent}: {}", skill.name)))
}

fn agent_tool(
    name: &str,
    agent: &str,
    card: &AgentCard,
    description: &str,
    input: &Arc<JsonObject>,
) -> Tool {
    let mut d = format!(
        "Send a message to the A2A agent \"{agent}\" ({})",
        card.name
    );
    if !description.trim().is_empty() {
        d.push_str(&format!(": {}", description.trim()));
    }
    d.push_str(".\n");
    d.push_str(CONTINUE_HINT);
    Tool::new(name.to_owned(), d, Arc::clone(input))
        .with_title(agent.to_owned())
        .with_raw_output_schema(result_schema())
        .with_annotations(annotations(agent.to_owned()))
}

/// The bridge's own tools.
pub fn generic_tools(max_wait_secs: f64) -> Vec<Tool> {
    let agent_prop =
        json!({"type": "string", "description": "The agent's name, as list_agents shows it."});
    let mut send_props = message_properties(max_wait_secs);
    if let Some(map) = send_props.as_object_mut() {
        map.insert("agent".into(), agent_prop.clone());
        map.insert(
            "skill".into(),
            json!({"type": "string", "description": "Optional skill id, passed to the agent in the message metadata."}),
        );
    }
    vec![
        Tool::new(
            LIST_AGENTS,
            "List the configured A2A agents: their skills (and the tool for each), protocol version, and whether they are reachable right now.",
            object(json!({"type": "object", "properties": {}, "additionalProperties": false})),
        )
        .with_annotations(ToolAnnotations::with_title("List A2A agents").read_only(true).open_world(false)),
        Tool::new(
            GET_AGENT_CARD,
            "Show the agent card an A2A agent publishes (its skills, capabilities and interfaces).",
            object(json!({"type": "object", "properties": {"agent": agent_prop}, "required": ["agent"], "additionalProperties": false})),
        )
        .with_annotations(ToolAnnotations::with_title("Get an agent card").read_only(true).open_world(true)),
        Tool::new(
            SEND_MESSAGE,
            format!("Send a message to any configured A2A agent by name, when no skill tool fits. {CONTINUE_HINT}"),
            object(json!({"type": "object", "properties": send_props, "required": ["agent", "message"], "additionalProperties": false})),
        )
        .with_raw_output_schema(result_schema())
        .with_annotations(annotations("Send a message to an A2A agent".into())),
        Tool::new(
            GET_TASK,
            "Collect the result of an A2A task that was still running when a tool call returned: pass the agent and task_id from that result. With wait_seconds it waits for the task to finish, up to that long.",
            object(json!({"type": "object", "properties": {
                "agent": agent_prop,
                "task_id": {"type": "string", "description": "The task_id from an earlier result."},
                "wait_seconds": {"type": "number", "minimum": 0, "maximum": max_wait_secs, "description": "How long to wait for the task to finish (0 = just look)."}
            }, "required": ["agent", "task_id"], "additionalProperties": false})),
        )
        .with_raw_output_schema(result_schema())
        .with_annotations(ToolAnnotations::with_title("Get an A2A task").read_only(true).open_world(true)),
        Tool::new(
            CANCEL_TASK,
            "Cancel a running A2A task: pass the agent and task_id from an earlier result.",
            object(json!({"type": "object", "properties": {
                "agent": agent_prop,
                "task_id": {"type": "string", "description": "The task_id from an earlier result."}
            }, "required": ["agent", "task_id"], "additionalProperties": false})),
        )
        .with_raw_output_schema(result_schema())
        .with_annotations(ToolAnnotations::with_title("Cancel an A2A task").destructive(true).idempotent(true).open_world(true)),
    ]
}

#[cfg(test)]
mod tests;
