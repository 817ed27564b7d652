//! The quickstart's built-in config and the instructions it prints.

use super::*;

/// The built-in config is valid and names the agent `demo`.
#[test]
fn demo_config_points_at_the_agent() {
    let config = demo_config("http://127.0.0.1:41241/").unwrap();
    assert_eq!(config.agents.len(), 1);
    assert_eq!(config.agents[0].name, AGENT);
    assert_eq!(config.agents[0].url, "http://127.0.0.1:41241/");
}

/// The instructions name every tool and give pasteable commands with the executable's path.
#[test]
fn instructions_name_the_tools_and_the_commands() {
    let text = instructions(
        "http://127.0.0.1:41241/",
        &Transport::Stdio,
        "/opt/my tools/mcp-a2a-bridge",
    );
    for tool in [
        "demo_stream",
        "demo_work",
        "demo_ask",
        "demo_echo",
        "demo_files",
        "demo_long",
    ] {
        assert!(text.contains(tool), "{text}");
    }
    assert!(text.contains(
        r#"{"mcpServers": {"demo": {"command": "/opt/my tools/mcp-a2a-bridge", "args": ["demo"]}}}"#
    ), "{text}");
    assert!(
        text.contains("claude mcp add demo -- '/opt/my tools/mcp-a2a-bridge' demo"),
        "{text}"
    );
    assert!(text.contains("--cli -q '/opt/my tools/mcp-a2a-bridge' demo --method tools/list"));
}

/// Words that need no quoting stay as they are; others are single-quoted.
#[test]
fn shell_quoting() {
    assert_eq!(shell_quote("/usr/bin/x"), "/usr/bin/x");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}
