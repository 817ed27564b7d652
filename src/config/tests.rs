use super::*;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("/etc/bridge.toml")).map_err(|e| e.to_string())
}

#[test]
fn minimal_config() {
    let c = parse("[[agents]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\n").unwrap();
    assert_eq!(c.agents.len(), 1);
    assert_eq!(c.agents[0].wait, DEFAULT_WAIT);
    assert_eq!(c.agents[0].protocol, None);
}

#[test]
fn unknown_key_names_file_and_key() {
    let e =
        parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nurll = \"http://x/\"\n").unwrap_err();
    assert!(e.starts_with("/etc/bridge.toml: agents[0]"), "{e}");
    assert!(e.contains("unknown field `urll`"), "{e}");
}

#[test]
fn missing_env_secret_names_the_key_and_variable() {
    let e = parse(
        "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n[[agents]]\nname = \"b\"\nurl = \"http://y/\"\nauth = { type = \"bearer\", token_env = \"MCP_A2A_TEST_SURELY_UNSET\" }\n",
    )
    .unwrap_err();
    assert_eq!(
        e,
        "/etc/bridge.toml: agents[1].auth.token_env: environment variable MCP_A2A_TEST_SURELY_UNSET is not set"
    );
}

#[test]
fn secrets_from_files_become_sensitive_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
    let text = "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = { type = \"bearer\", token_file = \"token\" }\nheaders = { X-Team = \"blue\" }\n";
    let c = Config::parse(text, &dir.path().join("bridge.toml")).unwrap();
    let auth = &c.agents[0].headers[http::header::AUTHORIZATION];
    assert_eq!(auth.to_str().unwrap(), "Bearer s3cret");
    assert!(auth.is_sensitive());
    assert_eq!(c.agents[0].headers["x-team"], "blue");
    // The secret never shows in Debug output.
    assert!(!format!("{:?}", c).contains("s3cret"));
}

#[test]
fn bad_values_are_named() {
    for (text, want) in [
        (
            "[[agents]]\nname = \"a b\"\nurl = \"http://x/\"\n",
            "agents[0].name:",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"ftp://x/\"\n",
            "agents[0].url: expected an absolute http(s) URL",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nprotocol = \"2.0\"\n",
            "agents[0].protocol:",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n[[agents]]\nname = \"A\"\nurl = \"http://y/\"\n",
            "agents[1].name:",
        ),
        (
            "[bridge]\nwait_seconds = -1\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n",
            "bridge.wait_seconds:",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = { type = \"oauth\" }\n",
            "agents[0].auth.type:",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = { type = \"bearer\" }\n",
            "agents[0].auth.token_env:",
        ),
        ("", "agents: no agents configured"),
        ("[[agents]\n", "/etc/bridge.toml: "),
    ] {
        let e = parse(text).unwrap_err();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn the_example_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bridge.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The example names its secrets by environment variable; point them at a fixture file instead.
    let secret = "_file = \"tests/data/example-secret.txt\"";
    let text = text
        .replace("_env = \"RESEARCH_TOKEN\"", secret)
        .replace("_env = \"TRANSLATE_API_KEY\"", secret)
        .replace(
            "{ env = \"RESEARCH_TENANT_KEY\" }",
            "{ file = \"tests/data/example-secret.txt\" }",
        );
    let c = Config::parse(&text, &path);
    assert!(c.is_ok(), "{}", c.unwrap_err());
    assert_eq!(c.unwrap().agents.len(), 3);
}
