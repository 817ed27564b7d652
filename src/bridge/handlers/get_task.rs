//! `get_task`: the result of an A2A task that was still running when a call returned (A2A v0.3 `tasks/get`,
//! v1.0 `GetTask`), looked at once or followed for up to `wait_seconds`.

use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, Tool, ToolAnnotations};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;

use super::TaskRef;
use super::args::opt_number;
use crate::bridge::Bridge;
use crate::bridge::follow::Follow;
use crate::bridge::progress::Progress;
use crate::bridge::result::{self, error_result};
use crate::bridge::schema::waiting_input_schema;

pub const NAME: &str = "get_task";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    task: TaskRef,
    /// How long to wait for the task to finish (0 = just look).
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 0))]
    wait_seconds: Option<f64>,
}

const TITLE: &str = "Get an A2A task";

pub(super) fn tool(max_wait_secs: f64) -> Tool {
    Tool::new(
        NAME,
        "Collect the result of an A2A task that was still running when a tool call returned: pass the agent and task_id from that result. With wait_seconds it waits for the task to finish, up to that long.",
        waiting_input_schema::<Args>(max_wait_secs),
    )
    .with_title(TITLE)
    .with_raw_output_schema(result::output_schema())
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .open_world(true),
    )
}

impl Bridge {
    pub(super) async fn get_task(
        &self,
        args: Args,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        tracing::Span::current().record("task_id", args.task.task_id.as_str());
        let agent = match self.agent(&args.task.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer(),
        };
        let wait = match self.wait_budget(args.wait_seconds, Duration::ZERO) {
            Ok(wait) => wait,
            Err(e) => return error_result(agent.name(), &e, None),
        };
        if wait.is_zero() {
            return self.look(&agent, &args.task.task_id).await;
        }
        let mut progress = Progress::for_call(ctx)
            .scrubbed(self.registry.scrubber.clone())
            .for_agent(agent.name());
        let outcome = Follow::new(
            agent.name(),
            &agent.conn,
            wait,
            self.settings.heartbeat,
            &ctx.ct,
        )
        .resume(&args.task.task_id, &mut progress)
        .await;
        self.render(agent.name(), outcome)
    }
}
