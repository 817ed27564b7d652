use super::*;
use crate::a2a::AgentCard;

/// How many generic tools come before the agents' tools.
const G: usize = GenericTool::ALL.len();
use crate::config::{Expose, ToolMode};

fn card(skills: &[&str]) -> AgentCard {
    AgentCard {
        name: "Card".into(),
        description: "An agent.".into(),
        streaming: true,
        skills: skills
            .iter()
            .map(|id| Skill {
                id: (*id).into(),
                name: id.to_uppercase(),
                description: format!("does {id}"),
                ..Skill::default()
            })
            .collect(),
        interfaces: vec![],
        raw: serde_json::Value::Null,
    }
}

fn tools_of<'a>(
    name: &'a str,
    filter: &'a SkillFilter,
    card: Option<&'a AgentCard>,
) -> AgentTools<'a> {
    AgentTools {
        name,
        prefix: name,
        description: None,
        filter,
        expose: None,
        card,
    }
}

fn names(table: &ToolTable) -> Vec<String> {
    table.tools.iter().map(|t| t.name.to_string()).collect()
}

#[test]
fn sanitize_keeps_safe_characters() {
    assert_eq!(sanitize("deep research/v2"), "deep_research_v2");
    assert_eq!(sanitize("a..b"), "a_b");
    assert_eq!(sanitize("ok-Name_1"), "ok-Name_1");
    assert_eq!(sanitize("日本"), "x");
}

#[test]
fn one_tool_per_skill_in_stable_order_after_generic_tools() {
    let filter = SkillFilter::default();
    let c1 = card(&["echo", "research"]);
    let c2 = card(&["sum"]);
    let agents = [
        tools_of("a", &filter, Some(&c1)),
        tools_of("down", &filter, None),
        tools_of("b", &filter, Some(&c2)),
    ];
    let table = build_table(&agents, &ToolShapes::new(600.0, 40));
    let n = names(&table);
    assert_eq!(&n[..G], &GenericTool::ALL.map(|g| g.name().to_owned()));
    assert_eq!(&n[G..], ["a_echo", "a_research", "b_sum"]);
    assert_eq!(
        table.routes["b_sum"],
        Route::Skill {
            agent: 2,
            skill_id: Some("sum".into())
        }
    );
}

#[test]
fn long_names_are_cut_with_a_stable_hash() {
    let filter = SkillFilter::default();
    let long = "s".repeat(100);
    let c = card(&[&long]);
    let agents = [tools_of("agent", &filter, Some(&c))];
    let first = names(&build_table(&agents, &ToolShapes::new(1.0, 40)));
    let again = names(&build_table(&agents, &ToolShapes::new(1.0, 40)));
    assert_eq!(first, again);
    let name = first.last().unwrap();
    assert!(name.len() <= 40, "{name}");
    assert!(name.starts_with("agent_sss"));
}

#[test]
fn collisions_get_distinct_deterministic_names() {
    let filter = SkillFilter::default();
    // "a_b" + "c" and "a" + "b_c" both sanitize to "a_b_c"; a skill may also shadow a generic tool.
    let c1 = card(&["c"]);
    let c2 = card(&["b_c", "agents"]);
    let agents = [
        tools_of("a_b", &filter, Some(&c1)),
        tools_of("a", &filter, Some(&c2)),
    ];
    let n = names(&build_table(&agents, &ToolShapes::new(1.0, 40)));
    let unique: HashSet<_> = n.iter().collect();
    assert_eq!(unique.len(), n.len(), "{n:?}");
    assert_eq!(n[G], "a_b_c");
    assert!(
        n[G + 1].starts_with("a_b_c_") && n[G + 1].len() == "a_b_c_".len() + 6,
        "{n:?}"
    );
    let list = build_table(
        &[tools_of("list", &filter, Some(&card(&["agents"])))],
        &ToolShapes::new(1.0, 40),
    );
    assert!(names(&list)[G].starts_with("list_agents_"));
}

#[test]
fn skill_filter_and_skill_less_agents() {
    let filter = SkillFilter {
        include: vec![],
        exclude: vec!["research".into()],
    };
    let c1 = card(&["echo", "research"]);
    let none = SkillFilter::default();
    let c2 = card(&[]);
    let agents = [
        tools_of("a", &filter, Some(&c1)),
        AgentTools {
            name: "solo",
            prefix: "solo",
            description: Some("Mine."),
            filter: &none,
            expose: None,
            card: Some(&c2),
        },
    ];
    let table = build_table(&agents, &ToolShapes::new(1.0, 40));
    assert_eq!(&names(&table)[G..], ["a_echo", "solo"]);
    assert_eq!(
        table.routes["solo"],
        Route::Skill {
            agent: 1,
            skill_id: None
        }
    );
    let solo = &table.tools[G + 1];
    assert!(solo.description.as_deref().unwrap().contains("Mine."));
}

#[test]
fn skill_tool_description_is_the_skills_own_with_short_examples() {
    let filter = SkillFilter::default();
    let mut c = card(&["echo", "bare"]);
    c.description = "A long agent description that every skill tool used to repeat.".into();
    c.skills[0].examples = vec![
        "hello".into(),
        " ".into(),
        "x".repeat(200),
        "third".into(),
        "fourth".into(),
    ];
    c.skills[1].description = String::new();
    let table = build_table(
        &[tools_of("a", &filter, Some(&c))],
        &ToolShapes::new(1.0, 40),
    );
    let echo = &table.tools[G];
    let d = echo.description.as_deref().unwrap().to_owned();
    assert!(d.starts_with("does echo.\n"), "{d}");
    // At most three examples, blank ones skipped, each cut to MAX_EXAMPLE_CHARS.
    let long = format!("\"{}…\"", "x".repeat(MAX_EXAMPLE_CHARS));
    assert!(
        d.ends_with(&format!("Examples: \"hello\", {long}, \"third\".")),
        "{d}"
    );
    // The agent's description is for list_agents and the card, not repeated per skill; the title names the
    // agent and the skill.
    assert!(!d.contains("every skill tool"), "{d}");
    assert_eq!(echo.title.as_deref(), Some("a: ECHO"));
    // A skill without a description or examples still says what it is.
    let bare = table.tools[G + 1].description.as_deref().unwrap();
    assert_eq!(bare, "Skill \"BARE\" of the A2A agent \"a\".");
    assert_eq!(
        echo.input_schema["required"],
        serde_json::json!(["message"])
    );
    // Arguments are explained once, in send_message's description, not per skill tool.
    let send = table.get("send_message").unwrap().0;
    let explained = send.description.as_deref().unwrap();
    for word in [
        "context_id",
        "task_id",
        "input-required",
        "data",
        "wait_seconds",
    ] {
        assert!(explained.contains(word), "{word}: {explained}");
    }
    let props = echo.input_schema["properties"].as_object().unwrap();
    let described: Vec<&str> = props
        .iter()
        .filter(|(_, p)| p.get("description").is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        described,
        ["data"],
        "only data's form is not in its name and type"
    );
    // A longer wait is cut to max_wait_seconds, not refused: skill tools state no maximum.
    assert_eq!(
        props["wait_seconds"],
        serde_json::json!({"type": "number", "minimum": 0})
    );
}

/// What `tools/list` costs the model per skill tool, for a catalog like the benchmark's (200 skills with
/// descriptions of a sentence or two and a few examples): about 550 bytes, whatever the agents' own
/// descriptions say. Loose bounds: a budget, not a measurement.
#[test]
fn two_hundred_skill_tools_fit_a_small_budget() {
    let filter = SkillFilter::default();
    let cards: Vec<AgentCard> = (0..50)
        .map(|a| {
            let mut c = card(&[]);
            c.description = "An agent that does many things, described at length. ".repeat(20);
            c.skills = (0..4)
                .map(|s| Skill {
                    id: format!("skill_{a}_{s}"),
                    name: format!("Skill {a}.{s}"),
                    description: format!(
                        "Looks up the {s}th kind of record for agent {a} and answers with a short summary \
                         of what it found, in plain language."
                    ),
                    tags: vec!["records".into(), "lookup".into()],
                    examples: vec![
                        format!("Find record {s} of the week"),
                        "Summarize the latest records".into(),
                    ],
                    input_modes: vec!["text/plain".into()],
                    ..Skill::default()
                })
                .collect();
            c
        })
        .collect();
    let names: Vec<String> = (0..50).map(|a| format!("agent{a}")).collect();
    let agents: Vec<AgentTools<'_>> = names
        .iter()
        .zip(&cards)
        .map(|(n, c)| tools_of(n, &filter, Some(c)))
        .collect();
    let table = build_table(&agents, &ToolShapes::new(600.0, 40));
    assert_eq!(table.tools.len(), G + 200);
    let bytes = |tools: &[Tool]| -> usize {
        tools
            .iter()
            .map(|t| serde_json::to_string(t).unwrap().len())
            .sum()
    };
    let per_skill_tool = bytes(&table.tools[G..]) / 200;
    eprintln!("{per_skill_tool} bytes per skill tool");
    assert!(
        per_skill_tool < 600,
        "{per_skill_tool} bytes per skill tool"
    );
    // The agents' long descriptions are not in any skill tool.
    assert!(
        table.tools[G..]
            .iter()
            .all(|t| !t.description.as_deref().unwrap().contains("at length")),
    );
}

#[test]
fn schemas_are_plain_derived_and_shared() {
    let filter = SkillFilter::default();
    let c = card(&["echo", "sum"]);
    let shapes = ToolShapes::new(42.0, 40);
    let table = build_table(&[tools_of("a", &filter, Some(&c))], &shapes);
    for tool in &table.tools {
        let text = serde_json::to_string(tool).unwrap();
        for noise in ["$ref", "$defs", "$schema", "\"format\"", "\"default\""] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
        assert_eq!(tool.input_schema["type"], "object", "{text}");
    }
    let send = &table.get("send_message").unwrap().0.input_schema;
    assert_eq!(send["required"], serde_json::json!(["agent", "message"]));
    assert!(send.get("additionalProperties").is_none());
    assert_eq!(send["properties"]["context_id"]["type"], "string");
    assert_eq!(send["properties"]["wait_seconds"]["maximum"], 42.0);
    let list = &table.get("list_agents").unwrap().0.input_schema;
    assert_eq!(list["properties"], serde_json::json!({}));
    // Built once: every skill tool and every table shares one input schema. Skill tools declare no output
    // schema; the generic tools that return a `CallOutput` share one.
    let (echo, sum) = (&table.tools[G], &table.tools[G + 1]);
    assert!(Arc::ptr_eq(&echo.input_schema, &sum.input_schema));
    assert!(echo.output_schema.is_none() && sum.output_schema.is_none());
    let (send, get) = (
        &table.get("send_message").unwrap().0,
        &table.get("get_task").unwrap().0,
    );
    assert!(Arc::ptr_eq(
        send.output_schema.as_ref().unwrap(),
        get.output_schema.as_ref().unwrap()
    ));
    let again = build_table(&[], &shapes);
    assert!(Arc::ptr_eq(
        &again.tools[2].input_schema,
        &table.tools[2].input_schema
    ));
}

#[test]
fn long_names_are_shortened_readably_before_any_hash() {
    // Google ADK sub-agent skills repeat the agent's name (63 characters in all).
    let adk = "travel_concierge_booking_agent-create_reservation";
    assert_eq!(
        short_name("travel_concierge", Some(adk), 64),
        "travel_concierge_booking_agent-create_reservation"
    );
    assert_eq!(
        short_name("travel_concierge", Some(adk), 40),
        "travel_concierge_booking-create_reservat"
    );
    assert_eq!(
        short_name("travel", Some(adk), 40),
        "travel_concierge_booking-create_reservat"
    );
    assert_eq!(
        short_name("tc", Some(adk), 32),
        "tc_trave_conci_booki-creat_reser"
    );
    // Fits: untouched, words the prefix says included.
    assert_eq!(
        short_name("research", Some("research_web"), 40),
        "research_research_web"
    );
    assert_eq!(
        short_name("", Some("create_reservation"), 40),
        "create_reservation"
    );
    // A single long word is cut only as far as needed.
    assert_eq!(short_name("a", Some(&"s".repeat(50)), 20).len(), 20);
    // Names start with a letter or '_' (Gemini function names).
    assert_eq!(short_name("7seas", Some("sail"), 40), "_7seas_sail");
    // Shortening that cannot make it fit keeps the prefix whole (the table then cuts it and adds the hash).
    assert_eq!(
        short_name("travel_concierge", Some(adk), 24),
        "trav_conc_book-crea_rese"
    );
    assert_eq!(
        short_name("travel_concierge", Some(adk), 20),
        "travel_concierge_book-crea_rese"
    );
    for max in [16, 24, 40, 64] {
        let n = short_name("travel_concierge", Some(adk), max);
        assert!(
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{n}"
        );
    }
}

#[test]
fn names_fit_the_limit_and_the_hash_is_the_last_resort() {
    let filter = SkillFilter::default();
    let many = "alpha_bravo_charlie_delta_echo_foxtrot_golf_hotel_india_juliet";
    let c = card(&["travel_concierge_booking_agent-create_reservation", many]);
    let agents = [tools_of("travel_concierge", &filter, Some(&c))];
    for max in [16, 40, 64] {
        let shapes = ToolShapes::new(1.0, max);
        let n = names(&build_table(&agents, &shapes));
        assert_eq!(n, names(&build_table(&agents, &shapes)), "stable");
        assert!(n.iter().all(|n| n.len() <= max), "{n:?}");
    }
    let n = names(&build_table(&agents, &ToolShapes::new(1.0, 40)));
    assert_eq!(n[G], "travel_concierge_booking-create_reservat");
    // Ten words of at least four letters cannot fit in 40: cut, with the hash of the identity.
    assert!(n[G + 1].starts_with("travel_concierge_alph"), "{n:?}");
    assert_eq!(n[G + 1].len(), 40, "{n:?}");
    assert!(n[G + 1].rsplit('_').next().unwrap().len() == 6, "{n:?}");
}

#[test]
fn the_tool_prefix_replaces_the_agent_name() {
    let filter = SkillFilter::default();
    let c = card(&["echo"]);
    let empty = card(&[]);
    let agents = [
        AgentTools {
            name: "research",
            prefix: "r",
            description: None,
            filter: &filter,
            expose: None,
            card: Some(&c),
        },
        AgentTools {
            name: "bare",
            prefix: "",
            description: None,
            filter: &filter,
            expose: None,
            card: Some(&c),
        },
        AgentTools {
            name: "solo",
            prefix: "",
            description: None,
            filter: &filter,
            expose: None,
            card: Some(&empty),
        },
    ];
    let table = build_table(&agents, &ToolShapes::new(1.0, 40));
    // An empty prefix leaves the skill alone; an agent without skills keeps its name.
    assert_eq!(&names(&table)[G..], ["r_echo", "echo", "solo"]);
}

#[test]
fn descriptions_end_with_one_period_and_tools_have_titles_and_hints() {
    let filter = SkillFilter::default();
    let c = card(&["echo"]);
    let mut empty = card(&[]);
    empty.description = "Does things!".into();
    let agents = [
        tools_of("a", &filter, Some(&c)),
        tools_of("b", &filter, Some(&empty)),
    ];
    let table = build_table(&agents, &ToolShapes::new(1.0, 40));
    let a = &table.tools[G];
    let d = a.description.as_deref().unwrap();
    assert_eq!(d, "does echo.");
    let b = table.tools[G + 1].description.as_deref().unwrap();
    assert!(b.ends_with("(Card): Does things!"), "{b}");
    for tool in &table.tools {
        assert!(tool.title.is_some(), "{} has no title", tool.name);
        let hints = tool.annotations.as_ref().expect("annotations");
        // The title is said once, in the tool's own `title` (MCP 2025-06-18 onwards).
        assert!(hints.title.is_none(), "{}", tool.name);
        match tool.name.as_ref() {
            "list_agents" | "get_agent_card" | "get_task" | "list_tasks" | "read_artifact" => {
                assert_eq!(hints.read_only_hint, Some(true), "{}", tool.name)
            }
            "cancel_task" => assert_eq!(hints.destructive_hint, Some(true)),
            _ => {
                // Tools that send a message: only the hint that differs from MCP's defaults (not read-only,
                // open-world) is sent, and the title is the tool's own.
                assert_eq!(
                    serde_json::to_value(hints).unwrap(),
                    serde_json::json!({"destructiveHint": false}),
                    "{}",
                    tool.name
                );
            }
        }
    }
}

/// What Gemini function declarations and OpenAI function calling accept: no `additionalProperties`, and no
/// object without declared properties below the root (`data` is JSON text).
#[test]
fn input_schemas_use_the_subset_hosts_translate() {
    fn check(schema: &serde_json::Value, root: bool, tool: &str) {
        let o = schema.as_object().unwrap();
        assert!(!o.contains_key("additionalProperties"), "{tool}: {schema}");
        if o.get("type") == Some(&serde_json::json!("object")) && !root {
            assert!(
                o.get("properties")
                    .and_then(|p| p.as_object())
                    .is_some_and(|p| !p.is_empty()),
                "{tool}: an object without properties: {schema}"
            );
        }
        if let Some(p) = o.get("properties").and_then(|p| p.as_object()) {
            for v in p.values() {
                check(v, false, tool);
            }
        }
        if let Some(items) = o.get("items") {
            check(items, false, tool);
        }
    }
    let filter = SkillFilter::default();
    let c = card(&["echo"]);
    let table = build_table(
        &[tools_of("a", &filter, Some(&c))],
        &ToolShapes::new(1.0, 40),
    );
    for tool in &table.tools {
        let schema = serde_json::Value::Object((*tool.input_schema).clone());
        check(&schema, true, &tool.name);
    }
    let echo = &table.get("a_echo").unwrap().0.input_schema;
    assert_eq!(echo["properties"]["data"]["type"], "string");
}

fn exposed<'a>(
    name: &'a str,
    filter: &'a SkillFilter,
    card: &'a AgentCard,
    expose: Expose,
) -> AgentTools<'a> {
    AgentTools {
        expose: Some(expose),
        ..tools_of(name, filter, Some(card))
    }
}

#[test]
fn auto_mode_turns_compact_past_the_threshold() {
    let filter = SkillFilter::default();
    let c = card(&["one", "two", "three"]);
    let agents = [tools_of("a", &filter, Some(&c))];
    // The generic tools + 3 skills.
    let at = ToolShapes::new(1.0, 40).with_mode(ToolMode::Auto, G + 3);
    let table = build_table(&agents, &at);
    assert!(!table.compact);
    assert_eq!(table.skills_mode_count, G + 3);
    assert!(!table.routes.contains_key("find_skills"));
    assert!(table.catalog.entries.is_empty());
    let past = ToolShapes::new(1.0, 40).with_mode(ToolMode::Auto, G + 2);
    let table = build_table(&agents, &past);
    assert!(table.compact);
    let n = names(&table);
    assert_eq!(&n[..G], &GenericTool::ALL.map(|g| g.name().to_owned()));
    assert_eq!(&n[G..], ["find_skills"]);
    assert_eq!(table.catalog.entries.len(), 3);
    assert!(table.catalog.entries.iter().all(|e| e.tool.is_none()));
    // Not listed, yet still routed: a client that listed them before the switch can call them.
    assert!(!table.routes.contains_key("a_two"));
    let (tool, route) = table.get("a_two").expect("a hidden route");
    assert_eq!(tool.name, "a_two");
    assert_eq!(
        route,
        &Route::Skill {
            agent: 0,
            skill_id: Some("two".into())
        }
    );
    assert!(table.get("a_four").is_none());
    // Compact whatever the count; skills mode never.
    let compact = ToolShapes::new(1.0, 40).with_mode(ToolMode::Compact, usize::MAX);
    assert!(build_table(&agents, &compact).compact);
    let skills = ToolShapes::new(1.0, 40).with_mode(ToolMode::Skills, 0);
    assert!(!build_table(&agents, &skills).compact);
}

#[test]
fn expose_holds_in_every_mode_with_the_same_names() {
    let filter = SkillFilter::default();
    let c1 = card(&["echo", "research"]);
    let c2 = card(&["sum"]);
    let c3 = card(&["hidden"]);
    let c4 = card(&["plain"]);
    let agents = [
        exposed("a", &filter, &c1, Expose::Skills),
        exposed("b", &filter, &c2, Expose::Agent),
        exposed("c", &filter, &c3, Expose::None),
        tools_of("d", &filter, Some(&c4)),
    ];
    let skills = build_table(&agents, &ToolShapes::new(1.0, 40));
    // `none` adds find_skills even in skills mode.
    assert_eq!(
        &names(&skills)[G..],
        ["find_skills", "a_echo", "a_research", "b", "d_plain"]
    );
    assert_eq!(
        skills.routes["b"],
        Route::Skill {
            agent: 1,
            skill_id: None
        }
    );
    // The agent's own tool names its skills and takes an optional `skill`; a skill tool does not.
    let (b, _) = skills.get("b").unwrap();
    assert!(
        b.description
            .as_deref()
            .unwrap()
            .ends_with(" Skills (optional skill argument): sum."),
        "{:?}",
        b.description
    );
    assert!(b.input_schema["properties"].get("skill").is_some());
    assert!(
        skills.get("a_echo").unwrap().0.input_schema["properties"]
            .get("skill")
            .is_none()
    );
    let compact = ToolShapes::new(1.0, 40).with_mode(ToolMode::Compact, 0);
    let table = build_table(&agents, &compact);
    assert_eq!(
        &names(&table)[G..],
        ["find_skills", "a_echo", "a_research", "b"]
    );
    // A compact list still routes `d_plain`; an agent exposed as `none` has no tool, listed or not.
    assert!(table.get("d_plain").is_some());
    assert!(table.get("c_hidden").is_none());
    // Every skill is searchable; those with a listed tool say which.
    let tools: Vec<(String, Option<String>)> = table
        .catalog
        .entries
        .iter()
        .map(|e| (e.skill.id.clone(), e.tool.clone()))
        .collect();
    assert_eq!(
        tools,
        [
            ("echo".into(), Some("a_echo".into())),
            ("research".into(), Some("a_research".into())),
            ("sum".into(), None),
            ("hidden".into(), None),
            ("plain".into(), None),
        ]
    );
    assert_ne!(skills.fingerprint, table.fingerprint);
    assert_eq!(
        table.fingerprint,
        build_table(&agents, &compact).fingerprint
    );
}

#[test]
fn an_agent_tool_lists_its_first_skills_and_counts_the_rest() {
    let filter = SkillFilter::default();
    let ids: Vec<String> = (0..13).map(|i| format!("s{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let c = card(&ids);
    let agents = [exposed("a", &filter, &c, Expose::Agent)];
    let table = build_table(&agents, &ToolShapes::new(1.0, 40));
    let d = table.get("a").unwrap().0.description.clone().unwrap();
    assert!(
        d.ends_with(
            " Skills (optional skill argument): s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 and 3 more \
             (see get_agent_card)."
        ),
        "{d}"
    );
    // A card without skills: nothing to pick, no `skill` argument.
    let empty = card(&[]);
    let agents = [tools_of("e", &filter, Some(&empty))];
    let table = build_table(&agents, &ToolShapes::new(1.0, 40));
    let (tool, _) = table.get("e").unwrap();
    assert!(tool.input_schema["properties"].get("skill").is_none());
    assert!(!tool.description.as_deref().unwrap().contains("Skills"));
}
