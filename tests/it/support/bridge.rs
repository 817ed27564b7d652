//! The built bridge binary driven over stdio by rmcp's real MCP client, and the client's record of what the
//! bridge sent it.

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequest, CallToolResult, ClientCapabilities, ClientConfig, ClientRequest,
    ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationCapability,
    FormElicitationCapability, Implementation, ProgressNotificationParam, ProgressToken,
    ServerResult, Tool,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestContext, RunningService};
use rmcp::{ClientHandler, ErrorData as McpError, RoleClient};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::process;
pub use super::process::Generation;

/// A client that records what the server sends it and, if told to, answers elicitation.
#[derive(Clone, Default)]
pub struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    elicitations: Arc<Mutex<Vec<String>>>,
    tool_list_changes: Arc<AtomicU64>,
    /// Woken whenever anything above is recorded.
    recorded: Arc<Notify>,
    /// `Some(answer)`: declare form elicitation and answer every request with `{"answer": answer}`.
    pub elicit_answer: Option<String>,
    /// Declare the MCP tasks extension.
    pub tasks: bool,
    /// Declare URL-mode elicitation (and accept every URL request).
    pub urls: bool,
    /// Declare form elicitation and decline every request (a user who will not answer).
    pub declines: bool,
    /// Declare form elicitation and never answer (a user who walked away).
    pub never_answers: bool,
    /// `Some(uris)`: declare the roots capability and list these roots (MCP 2025-11-25 client/roots).
    pub roots: Option<Vec<String>>,
}

impl Recorder {
    pub fn answering(answer: &str) -> Self {
        Recorder {
            elicit_answer: Some(answer.to_owned()),
            ..Recorder::default()
        }
    }

    /// Declares form and URL elicitation: answers forms with `answer`, accepts every URL request.
    pub fn accepting_urls(answer: &str) -> Self {
        Recorder {
            elicit_answer: Some(answer.to_owned()),
            urls: true,
            ..Recorder::default()
        }
    }

    /// Declares form elicitation and never answers.
    pub fn never_answering() -> Self {
        Recorder {
            never_answers: true,
            ..Recorder::default()
        }
    }

    /// Declares form elicitation and declines every question.
    pub fn declining() -> Self {
        Recorder {
            declines: true,
            ..Recorder::default()
        }
    }

    /// Declares the roots capability and lists `uris` as its roots.
    pub fn with_roots(uris: &[&str]) -> Self {
        Recorder {
            roots: Some(uris.iter().map(|u| (*u).to_owned()).collect()),
            ..Recorder::default()
        }
    }

    pub fn with_tasks() -> Self {
        Recorder {
            tasks: true,
            ..Recorder::default()
        }
    }

    /// Progress notifications received for one token, in order.
    pub fn progress_for(&self, token: &ProgressToken) -> Vec<ProgressNotificationParam> {
        self.progress
            .lock()
            .unwrap()
            .iter()
            .filter(|p| &p.progress_token == token)
            .cloned()
            .collect()
    }

    /// How many progress notifications arrived, for any call.
    pub fn progress_count(&self) -> usize {
        self.progress.lock().unwrap().len()
    }

    /// Waits until `done` holds for what was recorded, at most `limit`; panics naming `what` after that.
    pub async fn wait_until(&self, what: &str, limit: Duration, done: impl Fn(&Recorder) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            // Registered before looking, so a record made in between still wakes us.
            let recorded = self.recorded.notified();
            if done(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, recorded).await.is_err() {
                panic!("waited {limit:?} for {what}");
            }
        }
    }

    pub fn elicitations(&self) -> Vec<String> {
        self.elicitations.lock().unwrap().clone()
    }

    pub fn tool_list_changes(&self) -> u64 {
        self.tool_list_changes.load(Ordering::SeqCst)
    }
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        let mut caps = ClientCapabilities::default();
        if self.elicit_answer.is_some() || self.declines || self.never_answers {
            let mut e = ElicitationCapability::new();
            e.form = Some(FormElicitationCapability::default());
            if self.urls {
                e.url = Some(rmcp::model::UrlElicitationCapability::default());
            }
            caps.elicitation = Some(e);
        }
        if self.tasks {
            let mut ext = rmcp::model::ExtensionCapabilities::new();
            ext.insert("io.modelcontextprotocol/tasks".into(), Default::default());
            caps.extensions = Some(ext);
        }
        if self.roots.is_some() {
            #[allow(deprecated)]
            // roots are deprecated from 2026-07-28 on; 2025-11-25 clients declare them
            let roots = rmcp::model::RootsCapabilities::default();
            caps.roots = Some(roots);
        }
        ClientConfig::new(caps, Implementation::new("it-client", "0.0.0"))
    }

    #[allow(deprecated)] // as above
    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, McpError> {
        let roots = self.roots.iter().flatten();
        Ok(rmcp::model::ListRootsResult::new(
            roots.map(|u| rmcp::model::Root::new(u.clone())).collect(),
        ))
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
        self.recorded.notify_waiters();
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tool_list_changes.fetch_add(1, Ordering::SeqCst);
        self.recorded.notify_waiters();
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, McpError> {
        let message = match &request {
            ElicitRequestParams::FormElicitationParams { message, .. } => message.clone(),
            ElicitRequestParams::UrlElicitationParams { message, .. } => message.clone(),
            _ => String::new(),
        };
        self.elicitations.lock().unwrap().push(message);
        self.recorded.notify_waiters();
        if self.never_answers {
            std::future::pending::<()>().await;
        }
        Ok(match &self.elicit_answer {
            Some(answer) if !self.declines => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"answer": answer}))
            }
            _ => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

/// A running bridge (the built binary on stdio) with a connected client.
pub struct Bridge {
    session: Session,
    /// The bridge process's id (for its memory, `hostile::peak_rss`).
    pid: u32,
    _dir: tempfile::TempDir,
}

impl Bridge {
    /// The bridge process's id.
    pub fn pid(&self) -> u32 {
        self.pid
    }
}

/// A connected MCP client and what it recorded; the stdio and HTTP tests share it.
pub struct Session {
    pub client: RunningService<RoleClient, Recorder>,
    pub recorder: Recorder,
}

impl std::ops::Deref for Bridge {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

/// The result of one tool call and the progress it produced.
pub struct Call {
    pub result: CallToolResult,
    pub progress: Vec<ProgressNotificationParam>,
}

impl Call {
    /// All text content, joined by newlines.
    pub fn text(&self) -> String {
        text_of(&self.result)
    }

    pub fn is_error(&self) -> bool {
        self.result.is_error == Some(true)
    }

    pub fn structured(&self) -> &Value {
        self.result
            .structured_content
            .as_ref()
            .expect("result has structuredContent")
    }

    pub fn progress_messages(&self) -> Vec<String> {
        self.progress
            .iter()
            .filter_map(|p| p.message.clone())
            .collect()
    }
}

pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes `config` to a temp dir and starts the built binary on it.
pub async fn start(config: &str, generation: Generation, recorder: Recorder) -> Bridge {
    start_with_env(config, generation, recorder, &[]).await
}

pub async fn start_with_env(
    config: &str,
    generation: Generation,
    recorder: Recorder,
    env: &[(&str, &str)],
) -> Bridge {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut cmd, _) = process::bridge_command(dir.path(), "bridge.toml", config).expect("config");
    // The child's stderr goes straight to the test output: keep it to warnings unless asked.
    cmd.env(
        "RUST_LOG",
        std::env::var("IT_BRIDGE_LOG").unwrap_or_else(|_| "warn".into()),
    );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (client, pid) = process::connect_stdio(cmd, Stdio::inherit(), recorder.clone(), generation)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    Bridge {
        session: Session { client, recorder },
        pid,
        _dir: dir,
    }
}

impl Session {
    pub async fn tools(&self) -> Vec<Tool> {
        tokio::time::timeout(Duration::from_secs(30), self.client.peer().list_all_tools())
            .await
            .expect("tools/list timed out")
            .expect("tools/list failed")
    }

    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Calls a tool and returns its result and the progress it produced.
    pub async fn call(&self, tool: &str, args: Value) -> Call {
        self.try_call(tool, args)
            .await
            .unwrap_or_else(|e| panic!("tools/call {tool} failed: {e}"))
    }

    /// `tools/call` through a request handle, which tells the progress token rmcp assigned (the client
    /// overwrites any token set by the caller).
    pub async fn try_call(&self, tool: &str, args: Value) -> Result<Call, rmcp::ServiceError> {
        let handle = self.start_call(tool, args).await?;
        let token = handle.progress_token.clone();
        let response = tokio::time::timeout(Duration::from_secs(120), handle.await_response())
            .await
            .expect("tools/call timed out")?;
        let result = match response {
            ServerResult::CallToolResult(r) => r,
            other => panic!("unexpected response to tools/call: {other:?}"),
        };
        // rmcp hands each notification to a task it spawns, in arrival order, before it routes the response
        // that follows them. On the current-thread runtime of `#[tokio::test]` those tasks are queued ahead of
        // this one, and yielding once lets every one of them run.
        assert_eq!(
            tokio::runtime::Handle::current().runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread,
            "the progress of a call is complete only on a current-thread runtime"
        );
        tokio::task::yield_now().await;
        Ok(Call {
            result,
            progress: self.recorder.progress_for(&token),
        })
    }

    /// Starts a `tools/call` and returns its handle (to cancel it, or await it later).
    pub async fn start_call(
        &self,
        tool: &str,
        args: Value,
    ) -> Result<rmcp::service::RequestHandle<RoleClient>, rmcp::ServiceError> {
        let request =
            ClientRequest::CallToolRequest(CallToolRequest::new(process::call_params(tool, args)));
        self.client
            .peer()
            .send_request_with_option(request, PeerRequestOptions::no_options())
            .await
    }
}

/// One `[[agents]]` table.
pub fn agent_toml(name: &str, url: &str, extra: &str) -> String {
    format!("[[agents]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n")
}
