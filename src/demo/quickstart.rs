//! `mcp-a2a-bridge demo`: the demo agent and the bridge in one process, with a built-in config pointing the one
//! at the other, and the client config to paste printed on stderr (stdout belongs to MCP over stdio).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::agent::{AgentOptions, DemoAgent};
use super::skills::SKILLS;
use crate::Transport;
use crate::config::Config;

/// The name the built-in config goes by in messages.
const CONFIG_NAME: &str = "(built-in demo config)";
/// The agent's name in the config: its tools are `demo_stream`, `demo_work`, `demo_ask`, `demo_echo`,
/// `demo_files` and `demo_long`.
pub const AGENT: &str = "demo";
/// The MCP Inspector release the printed commands were checked with.
const INSPECTOR: &str = "@modelcontextprotocol/inspector@2.12.0";
/// How long the agent gets to close its connections once the bridge has stopped.
const AGENT_STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs the demo agent on `agent_listen` (a free port if that one is taken) and the bridge in front of it, on
/// stdio or, with `http`, on Streamable HTTP; until the MCP client leaves or `shutdown` fires.
pub async fn run_quickstart(
    agent_listen: SocketAddr,
    http: Option<SocketAddr>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let agent = match DemoAgent::bind(agent_listen, AgentOptions::default()).await {
        Ok(agent) => agent,
        // Another demo (or anything else) holds the port: the tools do not depend on it, so take any other.
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            tracing::warn!(address = %agent_listen, "the demo agent's address is in use; using a free port");
            let any_port = SocketAddr::new(agent_listen.ip(), 0);
            DemoAgent::bind(any_port, AgentOptions::default())
                .await
                .with_context(|| format!("cannot listen on {any_port} for the demo agent"))?
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot listen on {agent_listen} for the demo agent"));
        }
    };
    let agent_url = agent.url();
    let config = demo_config(&agent_url)?;
    let transport = match config.http_listen(http)? {
        Some(addr) => Transport::Http(addr),
        None => Transport::Stdio,
    };
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "mcp-a2a-bridge".into());
    eprint!("{}", instructions(&agent_url, &transport, &exe));

    let agent_shutdown = shutdown.child_token();
    let agent_task = tokio::spawn(agent.serve(agent_shutdown.clone()));
    let result = crate::run(config, transport, shutdown.clone()).await;
    agent_shutdown.cancel();
    match tokio::time::timeout(AGENT_STOP_TIMEOUT, agent_task).await {
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %format!("{e:#}"), "demo agent stopped with an error")
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "demo agent task failed"),
        Err(_) => tracing::debug!("demo agent still closing connections; leaving it"),
        Ok(Ok(Ok(()))) => {}
    }
    result
}

/// The bridge config of the quickstart: the one demo agent, every setting at its default.
pub fn demo_config(agent_url: &str) -> anyhow::Result<Config> {
    let text = format!("[[agents]]\nname = \"{AGENT}\"\nurl = \"{agent_url}\"\n");
    Ok(Config::parse(&text, Path::new(CONFIG_NAME))?)
}

/// What to tell the user: where things run, the tools, and the client config to paste.
fn instructions(agent_url: &str, transport: &Transport, exe: &str) -> String {
    let mut out = String::from("\nmcp-a2a-bridge demo\n");
    out.push_str(&format!(
        "  demo A2A agent: {agent_url} (A2A protocol 1.0 and 0.3)\n"
    ));
    match transport {
        Transport::Http(addr) => out.push_str(&format!(
            "  MCP server:     Streamable HTTP at http://{addr}/mcp\n"
        )),
        _ => out.push_str("  MCP server:     stdio (this process)\n"),
    }
    out.push_str("\nTools:\n");
    for skill in &SKILLS {
        let summary = skill
            .description
            .split_once(". ")
            .map(|(first, _)| format!("{first}."))
            .unwrap_or_else(|| skill.description.to_owned());
        out.push_str(&format!(
            "  {:<12} {summary}\n",
            format!("{AGENT}_{}", skill.id)
        ));
    }
    out.push_str(
        "  and list_agents, get_agent_card, send_message, get_task, cancel_task, read_artifact\n  (list_tasks needs an agent with ListTasks; the demo agent has none)\n",
    );

    // Written out rather than serialised, to keep "command" before "args" as client docs show it.
    let stdio_json = format!(
        r#"{{"mcpServers": {{"{AGENT}": {{"command": {}, "args": ["demo"]}}}}}}"#,
        Value::String(exe.to_owned())
    );
    let cmd = format!("{} demo", shell_quote(exe));
    out.push_str("\nConnect an MCP client:\n");
    match transport {
        Transport::Http(addr) => {
            let url = format!("http://{addr}/mcp");
            out.push_str(&format!(
                "  Claude Code:\n    claude mcp add --transport http {AGENT} {url}\n"
            ));
            out.push_str(&format!(
                "  MCP Inspector (CLI):\n    npx -y {INSPECTOR} --cli {url} --method tools/list\n"
            ));
            out.push_str(&format!(
                "    npx -y {INSPECTOR} --cli {url} --method tools/call --tool-name {AGENT}_echo --tool-arg message=hello\n"
            ));
            out.push_str(&format!(
                "  Claude Desktop starts its servers itself; give it the stdio command \
                 (claude_desktop_config.json):\n    {stdio_json}\n"
            ));
            out.push_str("\nServing MCP over HTTP; Ctrl-C stops.\n\n");
        }
        _ => {
            out.push_str(&format!(
                "  Claude Desktop (claude_desktop_config.json):\n    {stdio_json}\n"
            ));
            out.push_str(&format!(
                "  Claude Code:\n    claude mcp add {AGENT} -- {cmd}\n"
            ));
            out.push_str(&format!(
                "  MCP Inspector (CLI):\n    npx -y {INSPECTOR} --cli -q {cmd} --method tools/list\n"
            ));
            out.push_str(&format!(
                "    npx -y {INSPECTOR} --cli -q {cmd} --method tools/call --tool-name {AGENT}_echo --tool-arg message=hello\n"
            ));
            out.push_str(
                "\nThe client starts this command itself. Run by hand, it waits for MCP messages on stdin; \
                 Ctrl-C stops.\n\n",
            );
        }
    }
    out
}

/// `s` as one POSIX shell word.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
