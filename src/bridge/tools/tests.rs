use super::*;
use crate::a2a::AgentCard;

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
        description: None,
        filter,
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
    let table = build_table(&agents, &ToolShapes::new(600.0));
    let n = names(&table);
    assert_eq!(&n[..5], &GenericTool::ALL.map(|g| g.name().to_owned()));
    assert_eq!(&n[5..], ["a_echo", "a_research", "b_sum"]);
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
    let first = names(&build_table(&agents, &ToolShapes::new(1.0)));
    let again = names(&build_table(&agents, &ToolShapes::new(1.0)));
    assert_eq!(first, again);
    let name = first.last().unwrap();
    assert!(name.len() <= MAX_TOOL_NAME_LEN, "{name}");
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
    let n = names(&build_table(&agents, &ToolShapes::new(1.0)));
    let unique: HashSet<_> = n.iter().collect();
    assert_eq!(unique.len(), n.len(), "{n:?}");
    assert_eq!(n[5], "a_b_c");
    assert!(
        n[6].starts_with("a_b_c_") && n[6].len() == "a_b_c_".len() + 6,
        "{n:?}"
    );
    let list = build_table(
        &[tools_of("list", &filter, Some(&card(&["agents"])))],
        &ToolShapes::new(1.0),
    );
    assert!(names(&list)[5].starts_with("list_agents_"));
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
            description: Some("Mine."),
            filter: &none,
            card: Some(&c2),
        },
    ];
    let table = build_table(&agents, &ToolShapes::new(1.0));
    assert_eq!(&names(&table)[5..], ["a_echo", "solo"]);
    assert_eq!(
        table.routes["solo"],
        Route::Skill {
            agent: 1,
            skill_id: None
        }
    );
    let solo = &table.tools[6];
    assert!(solo.description.as_deref().unwrap().contains("Mine."));
}

#[test]
fn skill_tool_description_names_agent_skill_and_examples() {
    let filter = SkillFilter::default();
    let mut c = card(&["echo"]);
    c.skills[0].examples = vec!["hello".into()];
    let table = build_table(&[tools_of("a", &filter, Some(&c))], &ToolShapes::new(1.0));
    let d = table.tools[5].description.as_deref().unwrap().to_owned();
    assert!(d.starts_with("does echo"), "{d}");
    assert!(d.contains("agent \"a\""), "{d}");
    assert!(d.contains("Examples: \"hello\""), "{d}");
    assert!(d.contains("context_id"), "{d}");
    assert_eq!(
        table.tools[5].input_schema["required"],
        serde_json::json!(["message"])
    );
}

#[test]
fn schemas_are_plain_derived_and_shared() {
    let filter = SkillFilter::default();
    let c = card(&["echo", "sum"]);
    let shapes = ToolShapes::new(42.0);
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
    assert_eq!(send["additionalProperties"], false);
    assert_eq!(send["properties"]["context_id"]["type"], "string");
    assert_eq!(send["properties"]["wait_seconds"]["maximum"], 42.0);
    let list = &table.get("list_agents").unwrap().0.input_schema;
    assert_eq!(list["properties"], serde_json::json!({}));
    // Built once: every skill tool and every table shares one input and one output schema.
    let (echo, sum) = (&table.tools[5], &table.tools[6]);
    assert!(Arc::ptr_eq(&echo.input_schema, &sum.input_schema));
    assert!(Arc::ptr_eq(
        echo.output_schema.as_ref().unwrap(),
        sum.output_schema.as_ref().unwrap()
    ));
    let again = build_table(&[], &shapes);
    assert!(Arc::ptr_eq(
        &again.tools[2].input_schema,
        &table.tools[2].input_schema
    ));
}
