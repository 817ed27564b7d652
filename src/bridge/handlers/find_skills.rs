//! `find_skills`: searches the skills of every agent (names, ids, tags, descriptions, examples; BM25, see
//! `bridge::catalog`) and says how to call each hit. Listed in compact tool mode, where skills have no
//! tools of their own, and whenever an agent is exposed as `none`.

use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{opt_number, opt_text, text};
use super::message::SEND_MESSAGE;
use crate::bridge::Bridge;
use crate::bridge::schema::input_schema;

pub const NAME: &str = "find_skills";

/// Hits returned when the call gives no `limit`.
const DEFAULT_LIMIT: usize = 10;
/// Most hits one call returns.
const MAX_LIMIT: usize = 50;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// What you want done, in a few words (matched against skill names, descriptions, tags and examples).
    #[serde(deserialize_with = "text")]
    query: String,
    /// Only this agent's skills (its name, as list_agents shows it).
    #[serde(default, deserialize_with = "opt_text")]
    agent: Option<String>,
    /// Most skills to return (default 10, at most 50).
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 1, max = 50))]
    limit: Option<f64>,
}

const TITLE: &str = "Find A2A agent skills";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        format!(
            "Search the skills of every configured A2A agent by what they do; best matches first. Each hit \
             names the agent and skill id: call {SEND_MESSAGE} with that agent and skill (or the skill's own \
             tool, when a hit names one)."
        ),
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .idempotent(true)
            .open_world(false),
    )
}

/// One hit, in `structuredContent.skills`.
#[derive(Debug, Serialize)]
struct SkillHit<'a> {
    agent: &'a str,
    skill: &'a str,
    name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    input_modes: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    output_modes: &'a [String],
    /// The skill's own tool, when `tools/list` has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    tool: Option<&'a str>,
    /// BM25 score, higher is better; only comparable within one answer.
    score: f32,
}

impl Bridge {
    pub(super) fn find_skills(&self, args: Args) -> CallToolResult {
        let limit = match args.limit {
            None => DEFAULT_LIMIT,
            Some(n) if n.is_finite() && n >= 1.0 => (n as usize).min(MAX_LIMIT),
            Some(n) => {
                return CallToolResult::error(vec![ContentBlock::text(format!(
                    "invalid arguments: limit must be a number from 1 to {MAX_LIMIT}, got {n}"
                ))]);
            }
        };
        if let Some(agent) = &args.agent
            && self.registry.find(agent).is_none()
        {
            let configured: Vec<&str> = self
                .registry
                .agents
                .iter()
                .map(|a| a.config.name.as_str())
                .collect();
            return CallToolResult::error(vec![ContentBlock::text(format!(
                "agent {agent:?}: no agent has this name; the configured agents are: {}",
                configured.join(", ")
            ))]);
        }
        let table = self.registry.table();
        let catalog = &table.catalog;
        let hits = catalog.search(&args.query, args.agent.as_deref(), limit);
        let skills: Vec<SkillHit<'_>> = hits
            .iter()
            .filter_map(|h| {
                let e = catalog.entries.get(h.index)?;
                Some(SkillHit {
                    agent: &e.agent,
                    skill: &e.skill.id,
                    name: &e.skill.name,
                    description: &e.skill.description,
                    tags: &e.skill.tags,
                    input_modes: &e.skill.input_modes,
                    output_modes: &e.skill.output_modes,
                    tool: e.tool.as_deref(),
                    score: h.score,
                })
            })
            .collect();
        let text = render(&args.query, &skills, catalog.entries.len());
        let structured = serde_json::json!({ "query": args.query, "skills": skills });
        let mut result = CallToolResult::structured(structured);
        // The text is written for the model; `structuredContent` carries the same hits as data.
        result.content = vec![ContentBlock::text(text)];
        result
    }
}

/// The hits as the model reads them: one paragraph each, with the call to make.
fn render(query: &str, hits: &[SkillHit<'_>], searched: usize) -> String {
    if hits.is_empty() {
        return format!(
            "No skill matches {query:?} ({searched} skills searched). Try other words, or list_agents to \
             see the agents."
        );
    }
    let mut out = match hits.len() {
        1 => format!("1 skill matches {query:?}:\n"),
        n => format!("{n} skills match {query:?}, best first:\n"),
    };
    for (i, h) in hits.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. agent {:?}, skill {:?} ({})",
            i + 1,
            h.agent,
            h.skill,
            h.name
        ));
        if !h.description.is_empty() {
            out.push_str(&format!(": {}", h.description.trim()));
        }
        if !h.input_modes.is_empty() || !h.output_modes.is_empty() {
            out.push_str(&format!(
                "\n   takes {}; answers {}",
                modes(h.input_modes),
                modes(h.output_modes)
            ));
        }
        out.push_str(&format!(
            "\n   call: {SEND_MESSAGE}(agent={:?}, skill={:?}, message=...)",
            h.agent, h.skill
        ));
        if let Some(tool) = h.tool {
            out.push_str(&format!(" or the tool {tool}"));
        }
    }
    out
}

fn modes(list: &[String]) -> String {
    if list.is_empty() {
        "any media type".into()
    } else {
        list.join(", ")
    }
}
