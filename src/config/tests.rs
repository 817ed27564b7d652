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
fn draft_protocol_and_bindings_are_read() {
    let c = parse(
        "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nprotocol = \"draft\"\n[[agents]]\nname = \"b\"\nurl = \"http://y/\"\nbinding = \"http+json\"\n",
    )
    .unwrap();
    assert_eq!(
        c.agents[0].protocol,
        Some(crate::a2a::ProtocolVersion::Draft)
    );
    assert_eq!(c.agents[0].binding, None);
    assert_eq!(c.agents[1].binding, Some(crate::a2a::Binding::HttpJson));
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
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nbinding = \"grpc\"\n",
            "agents[0].binding: expected \"auto\", \"jsonrpc\" or \"http+json\"",
        ),
        (
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nprotocol = \"draft\"\nbinding = \"http+json\"\n",
            "agents[0].binding: the pre-0.2 draft",
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

/// Every `…_env = "VAR"` and `{ env = "VAR" }` secret reference, pointed at a fixture file instead.
fn env_refs_to_fixture(text: &str) -> String {
    const FIXTURE: &str = "\"tests/data/example-secret.txt\"";
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_owned();
        for (key, replacement) in [("_env = \"", "_file = "), ("{ env = \"", "{ file = ")] {
            while let Some(start) = line.find(key) {
                let value_start = start + key.len();
                let Some(len) = line[value_start..].find('"') else {
                    break;
                };
                line.replace_range(
                    start..value_start + len + 1,
                    &format!("{replacement}{FIXTURE}"),
                );
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn the_example_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bridge.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The example names its secrets by environment variable; point them at a fixture file instead.
    let c = Config::parse(&env_refs_to_fixture(&text), &path);
    assert!(c.is_ok(), "{}", c.unwrap_err());
    assert!(c.unwrap().agents.len() >= 4);
}

#[test]
fn oauth2_client_credentials() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "s3cret\n").unwrap();
    let text = "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = { type = \"oauth2\", token_url = \"https://id.example.com/token\", client_id = \"bridge\", client_secret_file = \"secret\", scopes = [\"a2a\"] }\n";
    let c = Config::parse(text, &dir.path().join("bridge.toml")).unwrap();
    let o = c.agents[0].oauth2.as_ref().unwrap();
    assert_eq!(o.client_secret.expose(), "s3cret");
    assert_eq!(o.scopes, ["a2a"]);
    assert!(
        !c.agents[0]
            .headers
            .contains_key(http::header::AUTHORIZATION)
    );
    assert!(!format!("{c:?}").contains("s3cret"));
    for (auth, want) in [
        (
            "{ type = \"oauth2\", token_url = \"https://t/\", client_secret_env = \"X\" }",
            "agents[0].auth.client_id: required",
        ),
        (
            "{ type = \"oauth2\", token_url = \"https://t/\", client_id = \"b\" }",
            "agents[0].auth.client_secret_env:",
        ),
        (
            "{ type = \"oauth2\", token_url = \"https://t/\", client_id = \"b\", client_secret_env = \"MCP_A2A_UNSET_SECRET\" }",
            "agents[0].auth.client_secret_env: environment variable MCP_A2A_UNSET_SECRET is not set",
        ),
        (
            "{ type = \"oauth2\", token_url = \"nope\", client_id = \"b\", client_secret_env = \"X\" }",
            "agents[0].auth.token_url: expected an absolute http(s) URL",
        ),
    ] {
        let e = parse(&format!(
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = {auth}\n"
        ))
        .unwrap_err();
        assert!(e.contains(want), "{auth}: {e}");
    }
}

/// Each auth type takes only its own keys; serde names the stray key, the table and what would fit.
#[test]
fn auth_keys_belong_to_their_type() {
    for (auth, want) in [
        (
            "{ type = \"bearer\", header = \"X\", token_env = \"X\" }",
            "agents[0].auth: unknown field `header`, expected `token_env` or `token_file`",
        ),
        (
            "{ type = \"api_key\", key_env = \"X\", token_env = \"X\" }",
            "agents[0].auth: unknown field `token_env`, expected one of `header`, `key_env`, `key_file`",
        ),
        (
            "{ type = \"none\", token_env = \"X\" }",
            "agents[0].auth: unknown field `token_env`",
        ),
        (
            "{ type = \"oauth2\", token_url = \"https://t/\", client_id = \"b\", client_secret_env = \"X\", username = \"u\" }",
            "agents[0].auth: unknown field `username`",
        ),
        (
            "{ token_env = \"X\" }",
            "agents[0].auth: missing field `type`",
        ),
        (
            "{ type = \"oauth\" }",
            "agents[0].auth.type: unknown variant `oauth`, expected one of `none`, `bearer`, `api_key`, `basic`, `oauth2`",
        ),
        (
            "\"bearer\"",
            "agents[0].auth: invalid type: string \"bearer\", expected a table such as { type = \"bearer\", token_env = \"VAR\" }",
        ),
        (
            "{ type = \"basic\", password_env = \"X\" }",
            "agents[0].auth.username: required for auth type \"basic\"",
        ),
        (
            "{ type = \"api_key\", header = \"bad header\", key_env = \"X\" }",
            "agents[0].auth.header: \"bad header\" is not a valid header name",
        ),
    ] {
        let e = parse(&format!(
            "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = {auth}\n"
        ))
        .unwrap_err();
        assert!(
            e.starts_with(&format!("/etc/bridge.toml: {want}")),
            "{auth}: {e}"
        );
    }
}

/// `type = "none"` sends nothing; `basic` and `api_key` become sensitive headers.
#[test]
fn auth_types_become_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "pw\n").unwrap();
    let agent = |auth: &str| {
        let text = format!("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = {auth}\n");
        let c = Config::parse(&text, &dir.path().join("bridge.toml")).unwrap();
        c.agents.into_iter().next().unwrap()
    };
    let none = agent("{ type = \"none\" }");
    assert!(none.headers.is_empty() && none.oauth2.is_none());
    let basic = agent("{ type = \"basic\", username = \"me\", password_file = \"secret\" }");
    let value = &basic.headers[http::header::AUTHORIZATION];
    assert_eq!(value.to_str().unwrap(), "Basic bWU6cHc=");
    assert!(value.is_sensitive());
    let key = agent("{ type = \"api_key\", key_file = \"secret\" }");
    assert_eq!(key.headers["x-api-key"], "pw");
    assert!(key.headers["x-api-key"].is_sensitive());
}

#[test]
fn tool_name_length_and_prefix() {
    let c = parse("[[agents]]\nname = \"a\"\nurl = \"http://x\"\n").unwrap();
    assert_eq!(c.bridge.max_tool_name_len, DEFAULT_MAX_TOOL_NAME_LEN);
    assert_eq!(c.agents[0].tool_prefix, None);
    let c = parse(
        "[bridge]\nmax_tool_name_length = 64\n[[agents]]\nname = \"a\"\nurl = \"http://x\"\ntool_prefix = \"\"\n",
    )
    .unwrap();
    assert_eq!(c.bridge.max_tool_name_len, 64);
    assert_eq!(c.agents[0].tool_prefix.as_deref(), Some(""));
    let e =
        parse("[bridge]\nmax_tool_name_length = 8\n[[agents]]\nname = \"a\"\nurl = \"http://x\"\n")
            .unwrap_err();
    assert!(
        e.contains("bridge.max_tool_name_length: 8 is outside 16..=128"),
        "{e}"
    );
    let e =
        parse("[[agents]]\nname = \"a\"\nurl = \"http://x\"\ntool_prefix = \"a b\"\n").unwrap_err();
    assert!(e.contains("agents[0].tool_prefix"), "{e}");
}

#[test]
fn oauth2_token_url_and_api_key_header_may_come_from_the_card() {
    let text = "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nauth = { type = \"oauth2\", client_id = \"bridge\", client_secret_env = \"PATH\" }\n[[agents]]\nname = \"b\"\nurl = \"http://y/\"\nauth = { type = \"api_key\", key_env = \"PATH\" }\n[[agents]]\nname = \"c\"\nurl = \"http://z/\"\nauth = { type = \"api_key\", header = \"X-Mine\", key_env = \"PATH\" }\n";
    let c = Config::parse(text, std::path::Path::new("bridge.toml")).unwrap();
    assert_eq!(c.agents[0].oauth2.as_ref().unwrap().token_url, None);
    // Only the configured URL's origin: a card's token URL must be on it (or on allowed_origins).
    assert_eq!(c.agents[0].configured_origins().len(), 1);
    assert!(c.agents[1].api_key_header_from_card);
    assert!(c.agents[1].headers.contains_key("x-api-key"));
    assert!(!c.agents[2].api_key_header_from_card);
}

#[test]
fn tool_mode_and_expose() {
    let c = parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n").unwrap();
    assert_eq!(c.bridge.tool_mode, ToolMode::Auto);
    assert_eq!(c.bridge.compact_above_tools, DEFAULT_COMPACT_ABOVE_TOOLS);
    assert_eq!(c.agents[0].expose, None);
    let c = parse(
        "[bridge]\ntool_mode = \"compact\"\ncompact_above_tools = 3\ntools_page_size = 7\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nexpose = \"agent\"\n",
    )
    .unwrap();
    assert_eq!(c.bridge.tool_mode, ToolMode::Compact);
    assert_eq!(c.bridge.compact_above_tools, 3);
    assert_eq!(c.bridge.tools_page_size, 7);
    assert_eq!(c.agents[0].expose, Some(Expose::Agent));
    let e =
        parse("[bridge]\ntool_mode = \"tiny\"\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n")
            .unwrap_err();
    assert!(e.starts_with("/etc/bridge.toml: bridge.tool_mode: "), "{e}");
    let e = parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nexpose = \"all\"\n").unwrap_err();
    assert!(e.starts_with("/etc/bridge.toml: agents[0].expose: "), "{e}");
    let e = parse("[bridge]\ntools_page_size = 0\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n")
        .unwrap_err();
    assert!(
        e.contains("bridge.tools_page_size: must be greater than zero"),
        "{e}"
    );
}

#[test]
fn file_roots_and_max_file_bytes() {
    let c = parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n").unwrap();
    assert_eq!(c.bridge.max_file_bytes, DEFAULT_MAX_FILE_BYTES);
    assert_eq!(c.agents[0].max_file_bytes, DEFAULT_MAX_FILE_BYTES);
    assert!(c.bridge.file_roots.is_empty());
    let c = parse(
        "[bridge]\nmax_file_bytes = 100\nfile_roots = [\"/srv/in\", \"shared\"]\n\
         [[agents]]\nname = \"a\"\nurl = \"http://x/\"\n\
         [[agents]]\nname = \"b\"\nurl = \"http://y/\"\nmax_file_bytes = 7\n",
    )
    .unwrap();
    assert_eq!(c.agents[0].max_file_bytes, 100);
    assert_eq!(c.agents[1].max_file_bytes, 7);
    // A relative root is taken from the config file's directory.
    assert_eq!(
        c.bridge.file_roots,
        [PathBuf::from("/srv/in"), PathBuf::from("/etc/shared")]
    );
    if let Some(home) = std::env::var_os("HOME") {
        let c = parse(
            "[bridge]\nfile_roots = [\"~/work\"]\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n",
        )
        .unwrap();
        assert_eq!(c.bridge.file_roots, [PathBuf::from(home).join("work")]);
    }
    let e = parse(
        "[bridge]\nfile_roots = [\"/a\", \" \"]\n[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n",
    )
    .unwrap_err();
    assert!(
        e.starts_with("/etc/bridge.toml: bridge.file_roots[1]: expected a directory"),
        "{e}"
    );
    let e =
        parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nmax_file_bytes = 0\n").unwrap_err();
    assert!(
        e.contains("agents[0].max_file_bytes: must be greater than zero"),
        "{e}"
    );
}

#[test]
fn warnings_name_file_and_keys() {
    let c = parse("[[agents]]\nname = \"a\"\nurl = \"http://x/\"\n").unwrap();
    // The defaults work together, over stdio and HTTP.
    assert_eq!(c.warnings(false), Vec::<String>::new());
    assert_eq!(c.warnings(true), Vec::<String>::new());
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("later");
    let c = parse(&format!(
        "[bridge]\nmax_file_bytes = 7340032\nfile_roots = [{:?}, {:?}]\n\
         [[agents]]\nname = \"a\"\nurl = \"http://x/\"\n\
         [[agents]]\nname = \"b\"\nurl = \"http://y/\"\nmax_response_bytes = 33554432\n",
        dir.path().display().to_string(),
        missing.display().to_string()
    ))
    .unwrap();
    let stdio = c.warnings(false);
    assert_eq!(stdio.len(), 2, "{stdio:?}");
    // Agent "a" takes the [bridge] values; "b" has its own answer cap, which fits.
    assert_eq!(
        stdio[0],
        "/etc/bridge.toml: bridge.max_file_bytes (7340032) as base64 does not fit bridge.max_response_bytes \
         (4194304); an agent that echoes the message in its events will fail on large files: lower \
         max_file_bytes or raise max_response_bytes to at least 9852248"
    );
    assert!(
        stdio[1].starts_with("/etc/bridge.toml: bridge.file_roots[1]: ")
            && stdio[1].contains("later"),
        "{stdio:?}"
    );
    // Over HTTP the body cap too, said once for both agents.
    let http = c.warnings(true);
    assert_eq!(http.len(), 3, "{http:?}");
    assert!(
        http[1].starts_with(
            "/etc/bridge.toml: bridge.max_file_bytes (7340032) as base64 does not fit server.max_body_bytes (4194304)"
        ),
        "{http:?}"
    );
    let c = parse(
        "[[agents]]\nname = \"a\"\nurl = \"http://x/\"\nmax_file_bytes = 4194304\n\
         [[agents]]\nname = \"b\"\nurl = \"http://y/\"\n",
    )
    .unwrap();
    let w = c.warnings(false);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("/etc/bridge.toml: agents[0].max_file_bytes (4194304) as base64 does not fit agents[0].max_response_bytes"),
        "{w:?}"
    );
}
