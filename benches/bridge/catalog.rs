//! Big catalogs (issue 13): what `tools/list` costs and how fast `find_skills` answers with 10, 200 and 2,000
//! agents, in each `tool_mode`. The agents are the demo agent under path prefixes (4 of its skills each), as in the
//! start-up section; one bridge per agent count and mode, started, measured and stopped in turn, so at most one
//! bridge with thousands of agents runs at a time.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use futures::{FutureExt, TryFutureExt};
use mcp_a2a_bridge::config::DEFAULT_COMPACT_ABOVE_TOOLS;
use rmcp::model::ListToolsResult;
use serde_json::json;

use crate::GENERIC_TOOLS;
use crate::measure::{Op, Stats, interleaved};
use crate::peers::{Agent, Bridge, Via, Workdir, bridge_config_with_mode};
use crate::{Plan, progress};

/// The tool modes measured, in table order (`bridge.tool_mode`).
pub const MODES: [&str; 3] = ["skills", "compact", "auto"];

/// Skills on each demo agent's card.
const SKILLS_PER_AGENT: usize = 4;

/// `find_skills` queries, taken in turn: words of the demo skills' descriptions, as a model would write them.
const QUERIES: [&str; 5] = [
    "echo my message back",
    "stream a short answer in chunks",
    "work for some seconds with progress",
    "ask for my name",
    "cancel a long task",
];

/// One agent count in one tool mode.
pub struct CatalogRow {
    pub agents: usize,
    pub mode: &'static str,
    /// Tools in the list (every page).
    pub tools: usize,
    /// The whole list as one `tools/list` result, compact JSON (the bridge sends it in pages of
    /// `tools_page_size` tools; a client that pages gets the same tools in several answers).
    pub list_bytes: usize,
    /// From spawning the bridge to its complete tool list.
    pub startup: Duration,
    /// One complete `tools/list` (every page).
    pub list: Stats,
    /// `find_skills`, where it is listed.
    pub find: Option<Stats>,
}

/// The tools `mode` lists for `agents` demo agents.
fn expected_tools(mode: &str, agents: usize) -> usize {
    let skills = GENERIC_TOOLS + SKILLS_PER_AGENT * agents;
    let compact = GENERIC_TOOLS + 1;
    match mode {
        "compact" => compact,
        "auto" if skills > DEFAULT_COMPACT_ABOVE_TOOLS => compact,
        _ => skills,
    }
}

/// Every row of the section: each count in `plan.catalog_agents`, each mode.
pub async fn run(plan: &Plan, work: &Workdir, agent: &Agent) -> anyhow::Result<Vec<CatalogRow>> {
    let mut rows = Vec::new();
    for &agents in &plan.catalog_agents {
        for mode in MODES {
            progress(&format!("catalog: {agents} agents, tool_mode {mode}"));
            rows.push(row(plan, work, agent, agents, mode).await?);
        }
    }
    Ok(rows)
}

async fn row(
    plan: &Plan,
    work: &Workdir,
    agent: &Agent,
    agents: usize,
    mode: &'static str,
) -> anyhow::Result<CatalogRow> {
    let config = bridge_config_with_mode(agent, agents, mode);
    let tag = format!("catalog-{agents}-{mode}");
    let started = Instant::now();
    let bridge = Bridge::start(work, &config, Via::Stdio, &tag).await?;
    let measured = measure(plan, &bridge, agents, mode, started).await;
    bridge.stop().await;
    measured
}

async fn measure(
    plan: &Plan,
    bridge: &Bridge,
    agents: usize,
    mode: &'static str,
    started: Instant,
) -> anyhow::Result<CatalogRow> {
    // `tools/list` waits for every agent's first card fetch, so the first complete list is the whole one.
    let tools = bridge.tools().await?;
    let startup = started.elapsed();
    let expected = expected_tools(mode, agents);
    ensure!(
        tools.len() == expected,
        "{agents} agents, tool_mode {mode}: tools/list gave {} of {expected} tools",
        tools.len()
    );
    let listed_find = tools.iter().any(|t| t.name == "find_skills");
    let list_bytes = serde_json::to_vec(&ListToolsResult::with_all_items(tools))?.len();
    let list = interleaved(
        1,
        plan.catalog_list_calls,
        vec![Box::new(|| bridge.tools().map_ok(drop).boxed_local()) as Op<'_>],
    )
    .await?[0];

    let find = if listed_find {
        // Every agent's skills are in the catalog: the last agent's skills are found by name.
        let last = format!("a{}", agents - 1);
        ensure!(
            hits(bridge, json!({"query": "echo", "agent": last})).await? > 0,
            "{agents} agents, tool_mode {mode}: find_skills finds no skill of {last}"
        );
        let mut turn = 0usize;
        let stats = interleaved(
            plan.catalog_find_calls / 10,
            plan.catalog_find_calls,
            vec![Box::new(move || {
                // Every other query names an agent, as a model narrowing its search would.
                let query = QUERIES[turn % QUERIES.len()];
                let args = if turn.is_multiple_of(2) {
                    json!({"query": query})
                } else {
                    json!({"query": query, "agent": format!("a{}", turn % agents)})
                };
                turn += 1;
                async move {
                    ensure!(
                        hits(bridge, args.clone()).await? > 0,
                        "find_skills found nothing for {args}"
                    );
                    Ok(())
                }
                .boxed_local()
            }) as Op<'_>],
        )
        .await?[0];
        Some(stats)
    } else {
        None
    };
    Ok(CatalogRow {
        agents,
        mode,
        tools: expected,
        list_bytes,
        startup,
        list,
        find,
    })
}

/// How many skills one `find_skills` call returned.
async fn hits(bridge: &Bridge, args: serde_json::Value) -> anyhow::Result<usize> {
    let result = bridge.call("find_skills", args).await?;
    let skills = result
        .structured_content
        .as_ref()
        .and_then(|s| s.get("skills"))
        .and_then(|s| s.as_array())
        .context("find_skills returned no structuredContent.skills")?;
    Ok(skills.len())
}
