//! Translation between MCP and A2A: the only module that knows both protocols.
//!
//! One tool call, file by file: `handlers` (`Bridge::call_tool` picks the tool's handler, one file per tool)
//! → `follow` (the A2A task, followed within the wait budget) → `view` and `progress` (what the agent says)
//! → `ask` (the user, when the task waits on them) → `result` (the MCP tool result).
//!
//! - `handlers`: `Bridge::call_tool` and one handler per tool (`message` for skill tools and
//!   `send_message`, `list_agents`, `get_agent_card`, `get_task`, `cancel_task`, `list_tasks`), each with its arguments;
//! - `follow`: `Follow`, following one A2A task within a wait budget (stream, poll, recover, cancel);
//! - `view`: a task as seen so far, folded from events (pure);
//! - `progress`: A2A events → MCP progress notifications;
//! - `ask`: asking the user when an agent needs input or a sign-in (elicitation, MRTR), and the loop that
//!   does it during a call;
//! - `result`: a task → `CallToolResult` and its `structuredContent` type (pure);
//! - `mcp_tasks`: the MCP tasks extension (`tasks/get`, `tasks/update`, `tasks/cancel`), answered from the
//!   A2A task;
//! - `tools`: agent cards → MCP tools, names, order and tool mode (pure);
//! - `catalog`: the skills `find_skills` searches, ranked with BM25 (pure);
//! - `schema`: tool input and output schemas derived from the Rust types (pure);
//! - `registry`: the configured agents, card discovery with retry, the live tool table;
//! - `resources`: MCP resources `a2a://{agent}/card`, `a2a://{agent}/tasks/{task_id}/artifacts/{id}` (read
//!   in pages) and `…/artifacts/{id}/parts/{index}` (file parts as blobs), read from the agents;
//! - `artifacts`: large artifacts read from the agent a page at a time (streamed), and outlined in results
//!   (summary and link) past `inline_artifact_chars`.
//! - `files`: the `files` argument → A2A file parts (base64, URIs, `file://` under the roots over stdio);
//! - `push`: push notifications from agents waking the calls that follow their tasks (HTTP mode).

mod artifacts;
mod ask;
mod card_limits;
mod catalog;
#[cfg(test)]
mod field_corpus;
mod files;
mod follow;
mod handlers;
mod mcp_tasks;
mod progress;
pub(crate) use progress::ConfirmProgress;
pub mod push;
mod registry;
mod resources;
mod result;
mod schema;
mod scrub_result;
mod tools;
mod view;

use std::sync::Arc;

use rmcp::model::Tool;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::config::{BridgeSettings, Config};

pub use registry::{ACCEPTED_OUTPUT_MODES, Reachability, Registry};
pub use resources::templates as resource_templates;
pub use tools::{ARGUMENTS_EXPLAINED, sanitize, short_name};

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// Redirects are followed only within the origin of the first request, so no credential (reqwest drops only
/// `Authorization` across origins; API keys and secret headers would go along) and no request reaches a host
/// the user did not name. A redirect that is not followed is answered as an error naming its `Location`.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| crate::a2a::origin::same_origin(first, attempt.url()));
        if same && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `{offset}.{fingerprint}` → its parts.
fn parse_cursor(cursor: &str) -> Option<(usize, u64)> {
    let (offset, fingerprint) = cursor.split_once('.')?;
    Some((
        offset.parse().ok()?,
        u64::from_str_radix(fingerprint, 16).ok()?,
    ))
}

/// Everything a tool call needs: the agents, their tools and the bridge-wide settings.
pub struct Bridge {
    registry: Arc<Registry>,
    settings: BridgeSettings,
    /// Whether `file://` URIs may be read (under the roots): only when MCP is served over stdio.
    local_files: bool,
}

impl Bridge {
    /// Builds the bridge (one HTTP client for every agent) without contacting anyone yet. `local_files`: calls
    /// may send `file://` URIs under the allowed roots (`bridge.file_roots`, the client's MCP roots), and the
    /// `files` argument says so; for MCP over stdio, where the bridge runs on the user's machine. Over
    /// Streamable HTTP (`false`) every `file://` is refused.
    pub fn new(config: &Config, local_files: bool) -> anyhow::Result<Arc<Bridge>> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("mcp-a2a-bridge/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(
                config
                    .bridge
                    .request_timeout
                    .min(std::time::Duration::from_secs(10)),
            )
            .pool_idle_timeout(std::time::Duration::from_secs(90))
            // Small requests and SSE events go out at once: Nagle's algorithm would hold them back for the
            // peer's delayed ACK (up to 40 ms per round trip on Linux).
            .tcp_nodelay(true)
            .redirect(same_origin_redirects())
            .build()?;
        Ok(Arc::new(Bridge {
            registry: Registry::new(config, http, local_files),
            settings: config.bridge.clone(),
            local_files,
        }))
    }

    /// Whether `file://` URIs may be read (`Bridge::new`'s `local_files`).
    fn local_files(&self) -> bool {
        self.local_files
    }

    /// Where the HTTP server hands the agents' push notifications (`push::PushHub::deliver`).
    pub fn push(&self) -> &Arc<push::PushHub> {
        &self.registry.push
    }

    /// Makes every running tool call return now with a result saying the bridge is shutting down (and the
    /// task id, so the work can be collected through another bridge); the A2A tasks keep running. Called once
    /// the shutdown grace period is (almost) over.
    pub fn end_calls(&self) {
        self.registry.stopping.cancel();
    }

    /// Starts card discovery; it stops with `shutdown`.
    pub fn start(&self, shutdown: CancellationToken) {
        self.registry.start(shutdown);
    }

    /// The tool list, once every agent has answered (or failed) its first card fetch.
    pub async fn tools(&self) -> Vec<Tool> {
        self.registry
            .wait_initial(self.registry.initial_limit())
            .await;
        self.registry.table().tools.clone()
    }

    /// One page of the tool list (MCP 2025-11-25 pagination): at most `tools_page_size` tools from where
    /// `cursor` points, and the cursor of the next page when there is one. A cursor names an offset in one
    /// particular list: once the list has changed (`tools/list_changed` went out) it is refused, with a
    /// message saying to list again from the start, so no tool is ever skipped or listed twice.
    pub async fn tools_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<Tool>, Option<String>), String> {
        self.registry
            .wait_initial(self.registry.initial_limit())
            .await;
        let table = self.registry.table();
        let start = match cursor {
            None => 0,
            Some(c) => parse_cursor(c)
                .filter(|(offset, fingerprint)| {
                    *fingerprint == table.fingerprint && *offset <= table.tools.len()
                })
                .map(|(offset, _)| offset)
                .ok_or_else(|| {
                    "invalid cursor: the tool list changed since it was issued (or it is not a cursor of \
                     this bridge); list tools again without a cursor"
                        .to_owned()
                })?,
        };
        let end = start
            .saturating_add(self.settings.tools_page_size)
            .min(table.tools.len());
        let next = (end < table.tools.len()).then(|| format!("{end}.{:016x}", table.fingerprint));
        Ok((table.tools[start..end].to_vec(), next))
    }

    /// How the server instructions say agent skills are reached, for the tool mode (and, in skills mode,
    /// whether an agent is exposed as `none`). Instructions are sent once, at `initialize`: in `auto` mode
    /// both lists are described, since the list may switch later in the session.
    pub fn tool_mode_note(&self) -> String {
        let table = self.registry.table();
        let how = "call find_skills with a few words of what you need, then send_message with the agent and \
                   skill it names";
        let each = "Each agent skill is a tool: calling it sends your message to that A2A agent";
        match self.registry.tool_mode {
            crate::config::ToolMode::Skills if table.routes.contains_key("find_skills") => {
                format!("{each}. Some agents have no tools of their own: {how}.")
            }
            crate::config::ToolMode::Skills => format!("{each}."),
            crate::config::ToolMode::Compact => {
                format!("Agent skills are not listed as tools (tool_mode compact): {how}.")
            }
            crate::config::ToolMode::Auto => format!(
                "While the bridge lists at most {} tools, each agent skill is a tool (calling it sends your \
                 message to that A2A agent); past that (tool_mode auto) skills are not listed and find_skills \
                 is: {how}. A skill tool called before keeps working.",
                self.registry.compact_above
            ),
        }
    }

    /// One tool by name, as routed right now (listed, or a skill tool a compact list leaves out).
    pub fn tool(&self, name: &str) -> Option<Tool> {
        self.registry.table().get(name).map(|(t, _)| t.clone())
    }

    /// Ticks whenever the tool list changes (an agent came up, or its skills changed).
    pub fn subscribe_tool_changes(&self) -> broadcast::Receiver<()> {
        self.registry.subscribe_changes()
    }

    /// Number of configured agents and how many are reachable now.
    pub fn reachability(&self) -> (usize, usize) {
        let up = self
            .registry
            .agents
            .iter()
            .filter(|a| matches!(a.state(), Reachability::Up(_)))
            .count();
        (self.registry.agents.len(), up)
    }
}
