//! Agent cards → MCP tools (pure: no IO).
//!
//! Names are `{agent}_{skill}`, sanitized to `[A-Za-z0-9_-]`, at most 64 characters (what LLM APIs and
//! several hosts accept). They must not change between runs: clients cache tool lists and the model learns
//! them, so a name that is too long or clashes gets a suffix hashed from the full identity (agent and skill
//! id). Only when that suffixed name clashes too is a retry number mixed into the hash, so the same config
//! and cards always give the same names. Order is stable: generic tools, then agents in config order,
//! skills in card order.
//!
//! Input schemas come from the argument types of the handlers, the output schema from `result::CallOutput`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};

use super::handlers::{GenericTool, skill_input_schema};
use super::result;
use crate::a2a::{AgentCard, Skill};
use crate::config::SkillFilter;

/// Hosts and LLM APIs reject longer tool names.
pub const MAX_TOOL_NAME_LEN: usize = 64;
/// Characters of the hash suffix used on truncation or collision.
const HASH_SUFFIX_LEN: usize = 6;

/// What a tool call is routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A skill of the agent at this index in the config (`None`: the agent has no skills listed).
    Skill {
        agent: usize,
        skill_id: Option<String>,
    },
    /// One of the bridge's own tools.
    Generic(GenericTool),
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

/// What every table starts from: the generic tools and the one input schema of skill tools. Built once (the
/// schemas depend only on `max_wait_seconds`) and shared by every rebuild.
pub struct ToolShapes {
    generic: Vec<(Tool, GenericTool)>,
    skill_input: Arc<JsonObject>,
}

impl ToolShapes {
    pub fn new(max_wait_secs: f64) -> Self {
        ToolShapes {
            generic: GenericTool::ALL
                .iter()
                .map(|g| (g.tool(max_wait_secs), *g))
                .collect(),
            skill_input: skill_input_schema(max_wait_secs),
        }
    }
}

/// Builds the tool table: generic tools first, then one tool per allowed skill of every known agent.
pub fn build_table(agents: &[AgentTools<'_>], shapes: &ToolShapes) -> ToolTable {
    let mut table = ToolTable::default();
    // Every skill tool has the same schemas: they are built once and shared.
    let input = &shapes.skill_input;
    let mut taken: HashSet<String> = HashSet::new();
    for (tool, generic) in &shapes.generic {
        taken.insert(tool.name.to_ascii_lowercase());
        table.push(tool.clone(), Route::Generic(*generic));
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
            let tool = agent_tool(&name, agent.name, card, description, input);
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
            let tool = skill_tool(&name, agent.name, description, skill, input);
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

/// The last line of every message-sending tool's description.
pub const CONTINUE_HINT: &str =
    "Pass context_id from an earlier result to continue the same conversation.";

/// Annotations of a tool that sends a message to an agent.
pub fn agent_call_annotations(title: String) -> ToolAnnotations {
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
        .with_raw_output_schema(result::output_schema())
        .with_annotations(agent_call_annotations(format!("{agent}: {}", skill.name)))
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
        .with_raw_output_schema(result::output_schema())
        .with_annotations(agent_call_annotations(agent.to_owned()))
}

#[cfg(test)]
mod tests;
