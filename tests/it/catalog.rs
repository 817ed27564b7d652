//! Big catalogs: a scripted agent with 2,000 skills behind the compact tool mode (`find_skills` finds a
//! skill by words of its description, and `send_message` calls it), the auto mode switching to it, and
//! `tools/list` paging in every mode.

use std::collections::HashSet;

use rmcp::model::PaginatedRequestParams;
use serde_json::json;

use crate::support::bridge::{self, Generation, Recorder, agent_toml};
use crate::support::scripted::{Scripted, skill_words};

const SKILLS: usize = 2_000;
/// The skill the tests look for: its three description words are a combination no other skill has.
const TARGET: usize = 1_234;

async fn bridge_for(agent: &Scripted, bridge_table: &str) -> bridge::Bridge {
    let config = format!(
        "[bridge]\nmax_skills_per_agent = {SKILLS}\n{bridge_table}\n{}",
        agent_toml("big", &agent.url, "")
    );
    bridge::start(&config, Generation::Legacy, Recorder::default()).await
}

/// Every tool of the list, page by page, asserting each page is at most `page` long and the last has no
/// cursor; bounded by the number of pages the list can have.
async fn list_in_pages(bridge: &bridge::Bridge, page: usize, most: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor = None;
    for _ in 0..=most.div_ceil(page) {
        let result = bridge
            .client
            .peer()
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await
            .expect("tools/list");
        assert!(
            result.tools.len() <= page,
            "{} tools in one page",
            result.tools.len()
        );
        names.extend(result.tools.iter().map(|t| t.name.to_string()));
        match result.next_cursor {
            Some(next) => cursor = Some(next),
            None => return names,
        }
    }
    panic!("tools/list kept returning cursors past {most} tools");
}

fn assert_once(names: &[String]) {
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a tool was listed twice");
}

/// Compact mode lists a few tools (in pages); `find_skills` finds one skill out of 2,000 by the words of its
/// description, and `send_message` with the agent and skill it names reaches the agent with that skill id.
#[tokio::test]
async fn compact_mode_finds_and_calls_one_skill_of_2000() {
    let agent = Scripted::with_skills(SKILLS).await;
    let bridge = bridge_for(&agent, "tool_mode = \"compact\"\ntools_page_size = 2").await;
    let names = list_in_pages(&bridge, 2, 10).await;
    assert_once(&names);
    assert_eq!(
        names,
        [
            "list_agents",
            "get_agent_card",
            "send_message",
            "get_task",
            "cancel_task",
            "list_tasks",
            "read_artifact",
            "find_skills"
        ]
    );
    // The client's own paging (rmcp follows nextCursor) gets the same list.
    assert_eq!(bridge.tool_names().await, names);
    // The instructions do not claim what a compact list does not do.
    let instructions = bridge
        .client
        .peer_info()
        .and_then(|i| i.instructions.clone())
        .unwrap_or_default();
    assert!(
        instructions.starts_with(
            "Agent skills are not listed as tools (tool_mode compact): call find_skills"
        ) && !instructions.contains("Each agent skill is a tool"),
        "{instructions}"
    );

    let [a, b, c] = skill_words(TARGET);
    let found = bridge
        .call(
            "find_skills",
            json!({"query": format!("{c} {a} {b}"), "limit": 3}),
        )
        .await;
    assert!(!found.is_error(), "{}", found.text());
    let hits = found.structured()["skills"]
        .as_array()
        .expect("skills")
        .clone();
    assert!(!hits.is_empty() && hits.len() <= 3, "{hits:?}");
    let best = &hits[0];
    assert_eq!(best["agent"], "big");
    assert_eq!(best["skill"], format!("skill-{TARGET}"));
    assert_eq!(best["input_modes"], json!(["text/plain"]));
    assert!(
        best.get("tool").is_none(),
        "no skill has a tool in compact mode"
    );
    assert!(
        found.text().contains(&format!(
            "send_message(agent=\"big\", skill=\"skill-{TARGET}\""
        )),
        "{}",
        found.text()
    );

    // Limited to an agent that has no such skill: nothing; an unknown agent: a tool error naming it.
    let none = bridge
        .call("find_skills", json!({"query": "zzzz qqqq"}))
        .await;
    assert!(!none.is_error());
    assert_eq!(none.structured()["skills"], json!([]));
    let unknown = bridge
        .call("find_skills", json!({"query": a, "agent": "nobody"}))
        .await;
    assert!(unknown.is_error());
    assert!(unknown.text().contains("nobody"), "{}", unknown.text());

    let call = bridge
        .call(
            "send_message",
            json!({"agent": "big", "skill": best["skill"], "message": "hello"}),
        )
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed");
    assert_eq!(agent.skill_ids(), [Some(format!("skill-{TARGET}"))]);

    // A skill tool the list leaves out is still routed (a client may have listed it in skills mode).
    let hidden = bridge
        .call("big_skill-7", json!({"message": "hello"}))
        .await;
    assert!(!hidden.is_error(), "{}", hidden.text());
    assert_eq!(
        agent.skill_ids()[1..],
        [Some("skill-7".to_owned())],
        "the hidden route carries its skill id"
    );
    // A name no card gave: the error says how skills are reached, and which agent the name reads as.
    let err = bridge
        .try_call("big_nope", json!({"message": "x"}))
        .await
        .err()
        .expect("an unknown tool is a protocol error")
        .to_string();
    assert!(
        err.contains("-32602")
            && err.contains("find_skills")
            && err.contains("send_message")
            && err.contains("agent \"big\""),
        "{err}"
    );

    // list_agents gives the skill ids send_message takes, no tool where there is none, and says how.
    let list = bridge.call("list_agents", json!({})).await;
    let text = list.text();
    assert!(
        text.contains("; skills: skill-0, skill-1, skill-2,"),
        "{}",
        &text[..300.min(text.len())]
    );
    assert!(
        !text.contains("(tool"),
        "no skill has a tool in compact mode"
    );
    assert!(
        text.ends_with("Skills are not listed as tools: call send_message with the agent and the skill id (find_skills searches them)."),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
}

/// Auto mode (the default) turns compact past its threshold and says so in the server instructions; a
/// cursor from another list is refused.
#[tokio::test]
async fn auto_mode_turns_compact_and_says_so() {
    let agent = Scripted::with_skills(SKILLS).await;
    let bridge = bridge_for(&agent, "").await;
    let names = bridge.tool_names().await;
    assert!(names.contains(&"find_skills".to_owned()), "{names:?}");
    assert_eq!(names.len(), 8, "{names:?}");
    let instructions = bridge
        .client
        .peer_info()
        .and_then(|i| i.instructions.clone())
        .unwrap_or_default();
    // The instructions were written at `initialize`, possibly before the card came: either way they say
    // how find_skills is used.
    assert!(
        instructions.contains("tool_mode auto") && instructions.contains("find_skills"),
        "{instructions}"
    );
    let refused = bridge
        .client
        .peer()
        .list_tools(Some(
            PaginatedRequestParams::default().with_cursor(Some("3.00000000deadbeef".into())),
        ))
        .await;
    assert!(refused.is_err(), "{refused:?}");

    let [a, b, c] = skill_words(TARGET);
    let found = bridge
        .call(
            "find_skills",
            json!({"query": format!("{a} {b} {c}"), "agent": "BIG"}),
        )
        .await;
    assert_eq!(
        found.structured()["skills"][0]["skill"],
        format!("skill-{TARGET}")
    );
}

/// Skills mode lists all 2,006 tools; in pages of 150, each exactly once.
#[tokio::test]
async fn skills_mode_pages_every_tool_exactly_once() {
    let agent = Scripted::with_skills(SKILLS).await;
    let bridge = bridge_for(&agent, "tool_mode = \"skills\"\ntools_page_size = 150").await;
    let names = list_in_pages(&bridge, 150, SKILLS + 10).await;
    assert_once(&names);
    assert_eq!(names.len(), SKILLS + 7);
    assert!(!names.contains(&"find_skills".to_owned()));
    assert_eq!(bridge.tool_names().await, names);
}
