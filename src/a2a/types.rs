//! The bridge's own view of A2A: one model for both protocol versions.
//!
//! The wire shapes of v0.3 and v1.0 differ (method names, `kind` tags vs oneof keys, role and state enums,
//! `final` vs end-of-stream); `wire` translates them to and from these types, so nothing else in the crate
//! has to care which version an agent speaks.

use serde_json::Value;

/// The A2A protocol version spoken to one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// `message/send`, lowercase states, `kind`-tagged parts; no `A2A-Version` header.
    V0_3,
    /// `SendMessage`, `TASK_STATE_*`, oneof parts; `A2A-Version: 1.0` on every call.
    V1_0,
    /// The pre-0.2 draft (spring 2025): `tasks/send` with a task id the client names, `sessionId`, parts
    /// tagged `type`, artifacts by `index`. Never in a card's `protocolVersion`: found from the card's shape
    /// or from the agent refusing the other versions (see `wire::draft`).
    Draft,
}

impl ProtocolVersion {
    /// Both released versions, the older first (the draft is left out: servers never name it).
    pub const ALL: [ProtocolVersion; 2] = [ProtocolVersion::V0_3, ProtocolVersion::V1_0];

    /// The `Major.Minor` string used on the wire and in cards.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V0_3 => "0.3",
            ProtocolVersion::V1_0 => "1.0",
            ProtocolVersion::Draft => "draft",
        }
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How requests travel to an agent (A2A v0.3 §3.2, A2A v1.0 §5): JSON-RPC over HTTP, or the HTTP+JSON
/// ("REST") binding with one URL per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Binding {
    /// One endpoint, JSON-RPC 2.0 envelopes (the default and the preference when a card offers both).
    #[default]
    JsonRpc,
    /// `POST /message:send`, `GET /tasks/{id}` and so on (v0.3 under `/v1`).
    HttpJson,
}

impl Binding {
    /// The name cards use for it (`protocolBinding`, `preferredTransport`).
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::JsonRpc => "JSONRPC",
            Binding::HttpJson => "HTTP+JSON",
        }
    }
}

/// An agent card reduced to what the bridge reads, whatever shape it arrived in (A2A v0.3 §5.5, A2A v1.0 §4.4.1);
/// the whole card stays in `raw`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentCard {
    /// Shown by `list_agents` and in tool descriptions.
    pub name: String,
    /// The default description of the agent's tools.
    pub description: String,
    /// `capabilities.streaming`: whether to use `message/stream`.
    pub streaming: bool,
    /// One tool each.
    pub skills: Vec<Skill>,
    /// Every interface the card advertises, in the card's order of preference.
    pub interfaces: Vec<AgentInterface>,
    /// The card exactly as served, for `get_agent_card`.
    pub raw: Value,
}

impl AgentCard {
    /// `capabilities.pushNotifications` (A2A v0.3 §5.5.2, A2A v1.0 `AgentCapabilities`): whether the agent takes
    /// a push notification config with a send. Absent or not a boolean: false.
    pub fn push_notifications(&self) -> bool {
        self.raw
            .get("capabilities")
            .and_then(|c| c.get("pushNotifications"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// One skill from a card (A2A v0.3 §5.5.4, A2A v1.0 §4.4.5): what a tool is built from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Skill {
    pub id: String,
    /// The tool's title; the id when the card gives no name.
    pub name: String,
    pub description: String,
    /// Sample requests, listed in the tool description.
    pub examples: Vec<String>,
    /// Keywords (`tags`), searched by `find_skills`.
    pub tags: Vec<String>,
    /// Media types the skill accepts (`inputModes`, else the card's `defaultInputModes`); empty when the card
    /// lists neither.
    pub input_modes: Vec<String>,
    /// Media types the skill answers in (`outputModes`, else the card's `defaultOutputModes`).
    pub output_modes: Vec<String>,
}

/// One endpoint of an agent: where to send requests, in which binding and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInterface {
    pub url: String,
    /// `JSONRPC`, `HTTP+JSON`, `GRPC` or a custom URI.
    pub binding: String,
    /// `Major.Minor` as the card gives it (`"1.0"`, `"0.3"`).
    pub protocol_version: String,
    /// v1 multi-tenant agents: copied into every request sent to this interface.
    pub tenant: Option<String>,
}

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Agent,
}

/// One piece of message or artifact content.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text; `metadata` is the part's own (A2A v0.3 §6.5.1 `TextPart.metadata`): frameworks mark internal
    /// text there (ADK `adk_thought`).
    Text {
        text: String,
        metadata: Option<Value>,
    },
    /// A file, inline (`bytes`, base64) or by reference (`uri`).
    File {
        bytes: Option<String>,
        uri: Option<String>,
        media_type: Option<String>,
        name: Option<String>,
    },
    /// Structured data; `metadata` says what it is to frameworks that tag it (ADK `adk_type`:
    /// `function_call`, `function_response`, `executable_code`, `code_execution_result`).
    Data {
        data: Value,
        metadata: Option<Value>,
    },
}

impl Part {
    /// A text part without metadata.
    pub fn text(text: impl Into<String>) -> Part {
        Part::Text {
            text: text.into(),
            metadata: None,
        }
    }

    /// A data part without metadata.
    pub fn data(data: Value) -> Part {
        Part::Data {
            data,
            metadata: None,
        }
    }
}

/// A message between user and agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub message_id: String,
    pub role: Role,
    pub parts: Vec<Part>,
    pub context_id: Option<String>,
    pub task_id: Option<String>,
    pub metadata: Option<Value>,
}

impl Message {
    /// The text parts joined by newlines (empty when there are none).
    pub fn text(&self) -> String {
        join_text(&self.parts)
    }
}

/// The text parts of `parts`, joined by newlines.
pub fn join_text(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        if let Part::Text { text, .. } = part {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(text);
        }
    }
    out
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    Submitted,
    Working,
    InputRequired,
    AuthRequired,
    Completed,
    Canceled,
    Failed,
    Rejected,
    Unknown,
}

impl TaskState {
    /// Terminal states never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Completed | TaskState::Canceled | TaskState::Failed | TaskState::Rejected
        )
    }

    /// Interrupted states wait for the user (input or authentication).
    pub fn is_interrupted(self) -> bool {
        matches!(self, TaskState::InputRequired | TaskState::AuthRequired)
    }

    /// Terminal or interrupted: nothing more will happen without the caller.
    pub fn is_settled(self) -> bool {
        self.is_terminal() || self.is_interrupted()
    }

    /// The name the bridge shows to MCP clients (the v0.3 spelling, which reads best).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Submitted => "submitted",
            TaskState::Working => "working",
            TaskState::InputRequired => "input-required",
            TaskState::AuthRequired => "auth-required",
            TaskState::Completed => "completed",
            TaskState::Canceled => "canceled",
            TaskState::Failed => "failed",
            TaskState::Rejected => "rejected",
            TaskState::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A task's state with the agent's latest word on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    pub state: TaskState,
    pub message: Option<Message>,
    pub timestamp: Option<String>,
}

/// An output of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub artifact_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub parts: Vec<Part>,
}

/// A task snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub context_id: String,
    pub status: TaskStatus,
    pub artifacts: Vec<Artifact>,
}

/// What `message/send` / `SendMessage` returns: a task, or a direct reply.
#[derive(Debug, Clone, PartialEq)]
pub enum SendResponse {
    Task(Task),
    Message(Message),
}

/// One event of a stream (`message/stream`, `tasks/resubscribe` and their v1 names).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Task(Task),
    Message(Message),
    Status {
        task_id: String,
        context_id: String,
        status: TaskStatus,
        /// v0.3's `final` flag; v1 has none (the stream simply ends), so it is derived from the state there.
        is_final: bool,
    },
    Artifact {
        task_id: String,
        context_id: String,
        artifact: Artifact,
        append: bool,
        last_chunk: bool,
    },
}
