//! `list_agents`: the configured agents, whether each is reachable, its protocol version and its skills with
//! the tool for each; one typed list, rendered once as text and once as `structuredContent`.

use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::a2a::Binding;
use crate::a2a::error::redact_url;
use crate::bridge::Bridge;
use crate::bridge::registry::{Reachability, protocol_of};
use crate::bridge::schema::input_schema;
use crate::bridge::tools::Route;

pub const NAME: &str = "list_agents";

/// `list_agents` takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {}

const TITLE: &str = "List A2A agents";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        "List the configured A2A agents: their skill ids (and the tool for each, when listed), protocol version, and whether they are reachable right now.",
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .open_world(false),
    )
}

/// The `structuredContent` of `list_agents`.
#[derive(Debug, Serialize)]
struct AgentList {
    agents: Vec<AgentEntry>,
    /// Whether skills are reached through `send_message` rather than tools of their own (a compact list).
    compact: bool,
}

/// One configured agent, in config order.
#[derive(Debug, Serialize)]
struct AgentEntry {
    name: String,
    /// The configured URL, without credentials or query.
    url: String,
    /// The A2A version the bridge speaks with it; null until it is reachable.
    protocol: Option<&'static str>,
    #[serde(flatten)]
    status: Status,
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
enum Status {
    Reachable {
        card_name: String,
        /// The config's description, else the card's.
        description: String,
        streaming: bool,
        /// The interface the bridge calls, without credentials or query.
        endpoint: String,
        /// `HTTP+JSON` when the bridge uses that binding; absent for JSON-RPC.
        #[serde(skip_serializing_if = "Option::is_none")]
        binding: Option<&'static str>,
        skills: Vec<SkillEntry>,
        /// What the card's security schemes ask that the config does not provide.
        #[serde(skip_serializing_if = "Option::is_none")]
        auth_missing: Option<String>,
        /// OAuth2 flows of the card that need a person, with what the user must do.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        auth_notes: Vec<String>,
    },
    /// The first card fetch has not finished.
    Connecting,
    Unreachable {
        error: String,
        down_for_secs: u64,
    },
}

#[derive(Debug, Serialize)]
struct SkillEntry {
    /// Null for the one tool of an agent whose card lists no skills.
    id: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// The tool that calls it; null when the list has none (the skill filter leaves it out, or the list is
    /// compact: `send_message` with the id reaches it).
    tool: Option<String>,
}

impl Status {
    fn as_str(&self) -> &'static str {
        match self {
            Status::Reachable { .. } => "reachable",
            Status::Connecting => "connecting",
            Status::Unreachable { .. } => "unreachable",
        }
    }
}

impl AgentList {
    /// One line per agent: `- name (status): A2A version[, error][; skills: id (tool t), id, …]` (a skill's
    /// tool only when it has one), then, for a compact list, how skills are reached.
    fn text(&self) -> String {
        let lines: Vec<String> = self
            .agents
            .iter()
            .map(|a| {
                let mut line = format!(
                    "- {} ({}): {}",
                    a.name,
                    a.status.as_str(),
                    a.protocol
                        .map(|p| format!("A2A {p}"))
                        .unwrap_or_else(|| "protocol unknown".into())
                );
                match &a.status {
                    Status::Reachable {
                        skills,
                        auth_missing,
                        auth_notes,
                        binding,
                        ..
                    } => {
                        if let Some(binding) = binding {
                            line.push_str(&format!(" over {binding}"));
                        }
                        // The id is what send_message's `skill` takes; a card without skills has none.
                        let names: Vec<String> = skills
                            .iter()
                            .map(|s| {
                                let id = s.id.as_deref().unwrap_or(&s.name);
                                match &s.tool {
                                    Some(tool) => format!("{id} (tool {tool})"),
                                    None => id.to_owned(),
                                }
                            })
                            .collect();
                        line.push_str(&format!("; skills: {}", names.join(", ")));
                        if let Some(missing) = auth_missing {
                            line.push_str(&format!("; auth: {missing}"));
                        }
                        for note in auth_notes {
                            line.push_str(&format!("; auth note: {note}"));
                        }
                    }
                    Status::Unreachable { error, .. } => line.push_str(&format!(", {error}")),
                    Status::Connecting => {}
                }
                line
            })
            .collect();
        let mut text = lines.join("\n");
        if self.compact {
            text.push_str(
                "\nSkills are not listed as tools: call send_message with the agent and the skill id \
                 (find_skills searches them).",
            );
        }
        text
    }
}

impl Bridge {
    pub(super) async fn list_agents(&self) -> CallToolResult {
        self.registry
            .wait_initial(self.registry.initial_limit())
            .await;
        let list = self.agent_list();
        let mut result = CallToolResult::success(vec![ContentBlock::text(list.text())]);
        result.structured_content = serde_json::to_value(&list).ok();
        result
    }

    fn agent_list(&self) -> AgentList {
        let table = self.registry.table();
        let agents = self
            .registry
            .agents
            .iter()
            .enumerate()
            .map(|(index, slot)| {
                let state = slot.state();
                // (skill id, tool name) of this agent's tools.
                let tools: Vec<(Option<&str>, &str)> = table
                    .routes
                    .iter()
                    .filter_map(|(name, route)| match route {
                        Route::Skill { agent, skill_id } if *agent == index => {
                            Some((skill_id.as_deref(), name.as_str()))
                        }
                        _ => None,
                    })
                    .collect();
                let status = match &state {
                    Reachability::Up(c) => {
                        let mut skills: Vec<SkillEntry> = c
                            .card
                            .skills
                            .iter()
                            .map(|s| SkillEntry {
                                id: Some(s.id.clone()),
                                name: s.name.clone(),
                                description: Some(s.description.clone()),
                                tool: tools
                                    .iter()
                                    .find(|(skill, _)| *skill == Some(s.id.as_str()))
                                    .map(|(_, tool)| (*tool).to_owned()),
                            })
                            .collect();
                        if c.card.skills.is_empty()
                            && let Some((_, tool)) = tools.first()
                        {
                            skills.push(SkillEntry {
                                id: None,
                                name: c.card.name.clone(),
                                description: None,
                                tool: Some((*tool).to_owned()),
                            });
                        }
                        Status::Reachable {
                            card_name: c.card.name.clone(),
                            description: slot
                                .config
                                .description
                                .clone()
                                .unwrap_or_else(|| c.card.description.clone()),
                            streaming: c.streaming,
                            endpoint: redact_url(c.client.endpoint()),
                            binding: (c.client.binding() != Binding::JsonRpc)
                                .then(|| c.client.binding().as_str()),
                            skills,
                            auth_missing: c.auth_missing.clone(),
                            auth_notes: c.auth_notes.clone(),
                        }
                    }
                    Reachability::Pending => Status::Connecting,
                    Reachability::Down { error, since } => Status::Unreachable {
                        error: error.clone(),
                        down_for_secs: since.elapsed().as_secs(),
                    },
                };
                AgentEntry {
                    name: slot.config.name.clone(),
                    url: redact_url(&slot.config.url),
                    protocol: protocol_of(&state).map(|v| v.as_str()),
                    status,
                }
            })
            .collect();
        AgentList {
            agents,
            compact: table.compact,
        }
    }
}
