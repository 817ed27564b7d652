//! Agent cards → MCP tools (pure: no IO).
//!
//! Names are `{prefix}_{skill}` (the prefix is the agent's name unless `tool_prefix` says otherwise),
//! sanitized to `[A-Za-z0-9_-]` and starting with a letter or `_`, as the model APIs behind the hosts require
//! (MCP 2025-11-25 tools, SEP-986). Hosts put the server's name in front of a tool's and cap the whole
//! (`config::DEFAULT_MAX_TOOL_NAME_LEN` says why the default is 40), so a longer name is shortened, most
//! readable way first: skill words that repeat the prefix are dropped, then filler words ("agent", "skill",
//! "tool"), then the longest words of the skill, then of the prefix, lose letters (never below `MIN_WORD` letters); only a name that still does
//! not fit is cut and given a suffix hashed from its identity (agent and skill id). Names must not change
//! between runs (clients cache tool lists and the model learns them), so everything here depends only on the
//! config and the cards; a name that clashes with an earlier one gets the hash suffix, and only when that
//! clashes too is a retry number mixed into the hash. Order is stable: generic tools, then agents in config
//! order, skills in card order.
//!
//! Which tools an agent gets follows `tool_mode` (`skills`; `compact`: only the generic tools and
//! `find_skills`; `auto`: compact once the skills-mode list would exceed `compact_above_tools`) and the
//! agent's `expose`, which holds in every mode. Names are always computed as in skills mode, so a tool keeps its
//! name when the mode switches, and a compact table still routes every skill tool it leaves out of the list:
//! a client that listed tools before `auto` turned compact can go on calling them.
//!
//! Input schemas come from the argument types of the handlers. Skill tools declare no output schema (a client
//! compiles a validator for every schema it is given; MCP 2025-11-25 tools: `outputSchema` is optional), yet
//! return the same `structuredContent` (`result::CallOutput`) as the generic tools, text included: some hosts
//! hand the model `structuredContent` instead of the text when there is one (Claude Code 2.1).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};

use super::catalog::{Catalog, Entry};
use super::handlers::{GenericTool, agent_input_schema, skill_input_schema};
use crate::a2a::{AgentCard, Skill};
use crate::config::{Expose, SkillFilter, ToolMode};

/// Characters of the hash suffix used on truncation or collision.
const HASH_SUFFIX_LEN: usize = 6;
/// Shortening never leaves a word shorter than this (a longer word is cut to it before the hash is used).
const MIN_WORD: usize = 4;
/// Words dropped from a skill id that is too long: they tell the model nothing about what the tool does.
const FILLER: [&str; 6] = ["agent", "agents", "skill", "skills", "tool", "tools"];

/// What a tool call is routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A skill of the agent at this index in the config (`None`: the agent has no skills listed, or is
    /// exposed as one tool).
    Skill {
        agent: usize,
        skill_id: Option<String>,
    },
    /// One of the bridge's own tools.
    Generic(GenericTool),
}

/// The tools of the moment and where each one goes.
#[derive(Debug, Clone, Default)]
pub struct ToolTable {
    /// In listing order.
    pub tools: Vec<Tool>,
    pub routes: HashMap<String, Route>,
    /// Tool name → index in `tools`, so a lookup costs the same however many agents there are.
    index: HashMap<String, usize>,
    /// Skill tools the list leaves out (a compact list), by name: still routed, so a call to a tool the
    /// client saw before the list turned compact keeps working (not in `routes`, which is what is listed).
    hidden: HashMap<String, (Tool, Route)>,
    /// Whether the list is the compact one (`tool_mode` compact, or auto past its threshold).
    pub compact: bool,
    /// How many tools the skills-mode list has (what `auto` compared with its threshold).
    pub skills_mode_count: usize,
    /// The skills `find_skills` searches; empty unless `find_skills` is listed.
    pub catalog: Arc<Catalog>,
    /// A hash of the listed names in order: a `tools/list` cursor is valid only for the list it was cut from.
    pub fingerprint: u64,
}

impl ToolTable {
    /// The tool a call names and where it goes: a listed tool, else a skill tool the list leaves out.
    pub fn get(&self, name: &str) -> Option<(&Tool, &Route)> {
        match self.routes.get(name) {
            Some(route) => Some((self.tools.get(*self.index.get(name)?)?, route)),
            None => self.hidden.get(name).map(|(tool, route)| (tool, route)),
        }
    }

    fn push(&mut self, tool: Tool, route: Route) {
        let name = tool.name.to_string();
        self.index.insert(name.clone(), self.tools.len());
        self.routes.insert(name, route);
        self.tools.push(tool);
    }
}

/// One agent as the table builder sees it.
pub struct AgentTools<'a> {
    pub name: &'a str,
    /// What its tool names start with: `tool_prefix` from the config, else the agent's name; may be empty.
    pub prefix: &'a str,
    /// The description from the config, which wins over the card's.
    pub description: Option<&'a str>,
    pub filter: &'a SkillFilter,
    /// `expose` from the config (`None`: as the tool mode says).
    pub expose: Option<Expose>,
    /// `None` while the agent has not answered: it contributes no tools yet.
    pub card: Option<&'a AgentCard>,
}

/// What every table starts from: the generic tools, the one input schema of skill tools, the longest
/// name and the tool mode. Built once (the schemas depend only on `max_wait_seconds`) and shared by every
/// rebuild.
pub struct ToolShapes {
    generic: Vec<(Tool, GenericTool)>,
    find_skills: Tool,
    skill_input: Arc<JsonObject>,
    /// The same with the `files` argument, for skills that accept more than plain text (`files::takes_files`).
    skill_input_files: Arc<JsonObject>,
    /// The two of an agent's own tool (`expose = "agent"`): the same plus an optional `skill`.
    agent_input: Arc<JsonObject>,
    agent_input_files: Arc<JsonObject>,
    max_name_len: usize,
    mode: ToolMode,
    compact_above: usize,
}

impl ToolShapes {
    /// `max_name_len`: the config's `max_tool_name_length` (at least 16). The mode is `skills` until
    /// `with_mode` says otherwise.
    pub fn new(max_wait_secs: f64, max_name_len: usize) -> Self {
        ToolShapes {
            generic: GenericTool::ALL
                .iter()
                .map(|g| (g.tool(max_wait_secs), *g))
                .collect(),
            find_skills: GenericTool::FindSkills.tool(max_wait_secs),
            skill_input: skill_input_schema(),
            skill_input_files: super::files::with_files(&skill_input_schema()),
            agent_input: agent_input_schema(),
            agent_input_files: super::files::with_files(&agent_input_schema()),
            max_name_len: max_name_len.max(HASH_SUFFIX_LEN + 2),
            mode: ToolMode::Skills,
            compact_above: usize::MAX,
        }
    }

    /// The input schema of a skill tool whose skill accepts these media types (`inputModes`).
    fn skill_input(&self, modes: &[String]) -> &Arc<JsonObject> {
        if super::files::takes_files(modes) {
            &self.skill_input_files
        } else {
            &self.skill_input
        }
    }

    /// Whether `file://` URIs are read (stdio): the `files` argument's description says so only then
    /// (`files::for_transport`).
    pub fn with_local_files(mut self, local: bool) -> Self {
        self.skill_input_files = super::files::for_transport(&self.skill_input_files, local);
        self.agent_input_files = super::files::for_transport(&self.agent_input_files, local);
        for (tool, _) in self
            .generic
            .iter_mut()
            .filter(|(_, g)| *g == GenericTool::SendMessage)
        {
            tool.input_schema = super::files::for_transport(&tool.input_schema, local);
        }
        self
    }

    /// The input schema of an agent's own tool, for a card whose defaults are these media types.
    fn agent_input(&self, modes: &[String]) -> &Arc<JsonObject> {
        if super::files::takes_files(modes) {
            &self.agent_input_files
        } else {
            &self.agent_input
        }
    }

    /// `tool_mode` and, for `auto`, `compact_above_tools` from the config.
    pub fn with_mode(mut self, mode: ToolMode, compact_above: usize) -> Self {
        self.mode = mode;
        self.compact_above = compact_above;
        self
    }
}

/// Builds the tool table: generic tools first (with `find_skills` when the list is compact or an agent is
/// exposed as `none`), then each agent's tools as its `expose` and the tool mode say, in config order.
pub fn build_table(agents: &[AgentTools<'_>], shapes: &ToolShapes) -> ToolTable {
    // Skill tools share two input schemas (with and without `files`): they are built once.
    let mut taken: HashSet<String> = shapes
        .generic
        .iter()
        .map(|(t, _)| t.name.to_ascii_lowercase())
        .chain([shapes.find_skills.name.to_ascii_lowercase()])
        .collect();
    // The skills-mode list of every agent's tools, named as in skills mode whatever the mode, so an agent with
    // an explicit `expose` keeps its tool names when the list turns compact. `true`: `expose` is set.
    let mut agent_tools: Vec<(Tool, Route, bool)> = Vec::new();
    let mut hidden = false;
    for (index, agent) in agents.iter().enumerate() {
        let Some(card) = agent.card else { continue };
        let description = agent.description.unwrap_or(&card.description);
        let explicit = agent.expose.is_some();
        let expose = agent.expose.unwrap_or(Expose::Skills);
        // An agent whose card lists no skills still gets one tool: the agent itself.
        let whole = expose == Expose::Agent || (expose == Expose::Skills && card.skills.is_empty());
        let default_modes = super::files::default_input_modes(card);
        if expose == Expose::None {
            hidden = true;
        } else if whole {
            let prefix = if agent.prefix.is_empty() {
                agent.name
            } else {
                agent.prefix
            };
            let name = unique_name(prefix, None, agent.name, shapes.max_name_len, &mut taken);
            // A card without skills leaves nothing to pick: no `skill` argument then.
            let skills: Vec<&str> = card
                .skills
                .iter()
                .filter(|s| agent.filter.allows(&s.id))
                .map(|s| s.id.as_str())
                .collect();
            let input = if skills.is_empty() {
                shapes.skill_input(&default_modes)
            } else {
                shapes.agent_input(&default_modes)
            };
            let tool = agent_tool(&name, agent.name, card, description, &skills, input);
            let route = Route::Skill {
                agent: index,
                skill_id: None,
            };
            agent_tools.push((tool, route, explicit));
        } else {
            for skill in card.skills.iter().filter(|s| agent.filter.allows(&s.id)) {
                let name = unique_name(
                    agent.prefix,
                    Some(&skill.id),
                    agent.name,
                    shapes.max_name_len,
                    &mut taken,
                );
                // A skill that lists no input modes takes the card's defaults (A2A v0.3 §5.5.4).
                let modes = if skill.input_modes.is_empty() {
                    &default_modes
                } else {
                    &skill.input_modes
                };
                let input = shapes.skill_input(modes);
                let mut tool = skill_tool(&name, agent.name, skill, input);
                // The media types it takes, so the model knows what to put in `files`.
                if let Some(line) = super::files::files_line(modes) {
                    let d = tool.description.as_deref().unwrap_or_default();
                    tool.description = Some(format!("{d}\n{line}").into());
                }
                let route = Route::Skill {
                    agent: index,
                    skill_id: Some(skill.id.clone()),
                };
                agent_tools.push((tool, route, explicit));
            }
        }
    }
    let skills_mode_count = shapes.generic.len() + usize::from(hidden) + agent_tools.len();
    let compact = match shapes.mode {
        ToolMode::Skills => false,
        ToolMode::Compact => true,
        ToolMode::Auto => skills_mode_count > shapes.compact_above,
    };
    let mut table = ToolTable {
        compact,
        skills_mode_count,
        ..ToolTable::default()
    };
    for (tool, generic) in &shapes.generic {
        table.push(tool.clone(), Route::Generic(*generic));
    }
    let searchable = compact || hidden;
    if searchable {
        table.push(
            shapes.find_skills.clone(),
            Route::Generic(GenericTool::FindSkills),
        );
    }
    for (tool, route, explicit) in agent_tools {
        if !compact || explicit {
            table.push(tool, route);
        } else {
            table.hidden.insert(tool.name.to_string(), (tool, route));
        }
    }
    if searchable {
        table.catalog = Arc::new(catalog_of(agents, &table));
    }
    table.fingerprint = table.tools.iter().fold(0xcbf2_9ce4_8422_2325, |h, t| {
        fnv1a_from(h, t.name.as_bytes()) ^ 0xff
    });
    table
}

/// Every allowed skill of every agent with a card, with its tool when `table` lists one.
fn catalog_of(agents: &[AgentTools<'_>], table: &ToolTable) -> Catalog {
    let mut tool_of: HashMap<(usize, &str), &str> = HashMap::new();
    for tool in &table.tools {
        if let Some(Route::Skill {
            agent,
            skill_id: Some(id),
        }) = table.routes.get(tool.name.as_ref())
        {
            tool_of.insert((*agent, id.as_str()), tool.name.as_ref());
        }
    }
    let mut entries = Vec::new();
    for (index, agent) in agents.iter().enumerate() {
        let Some(card) = agent.card else { continue };
        for skill in card.skills.iter().filter(|s| agent.filter.allows(&s.id)) {
            entries.push(Entry {
                agent: agent.name.to_owned(),
                skill: skill.clone(),
                tool: tool_of
                    .get(&(index, skill.id.as_str()))
                    .map(|t| (*t).to_owned()),
            });
        }
    }
    Catalog::new(entries)
}

/// `{prefix}_{skill}` made safe, at most `max` characters and unique, deterministically. `agent` (the
/// configured name) and the skill id are the identity hashed into a suffix when one is needed.
fn unique_name(
    prefix: &str,
    skill: Option<&str>,
    agent: &str,
    max: usize,
    taken: &mut HashSet<String>,
) -> String {
    let identity = match skill {
        Some(s) => format!("{agent}\u{0}{s}"),
        None => agent.to_owned(),
    };
    let mut name = short_name(prefix, skill, max);
    if name.len() > max {
        name = with_suffix(&name, &identity, max);
    }
    // Clients compare names case-sensitively, but some hosts do not: treat case-only differences as clashes.
    if taken.contains(&name.to_ascii_lowercase()) {
        name = with_suffix(&name, &identity, max);
        let mut salt = 1u32;
        while taken.contains(&name.to_ascii_lowercase()) {
            name = with_suffix(&name, &format!("{identity}\u{0}{salt}"), max);
            salt += 1;
        }
    }
    taken.insert(name.to_ascii_lowercase());
    name
}

/// One word of a tool name and the separator before it (`None` for the first word).
#[derive(Debug, Clone)]
struct Word {
    sep: Option<char>,
    text: String,
    /// Part of the prefix (never dropped, only shortened).
    prefix: bool,
}

/// `{prefix}_{skill}`, shortened readably towards `max` characters (see the module docs); may still be
/// longer than `max` when every word is already at `MIN_WORD` letters.
pub fn short_name(prefix: &str, skill: Option<&str>, max: usize) -> String {
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        sanitize(prefix)
    };
    let skill = skill.map(sanitize);
    let mut words = split_words(&prefix, true);
    if let Some(skill) = &skill {
        words.extend(split_words(skill, false));
    }
    let full = join_words(&words);
    if full.len() <= max {
        return full;
    }
    // 1. Skill words the prefix already says ("travel" + "travel_booking" → "travel_booking").
    let said: HashSet<String> = words
        .iter()
        .filter(|w| w.prefix)
        .map(|w| w.text.to_ascii_lowercase())
        .collect();
    drop_words(&mut words, |w| said.contains(&w.to_ascii_lowercase()));
    // 2. Filler words.
    if join_words(&words).len() > max {
        drop_words(&mut words, |w| {
            FILLER.contains(&w.to_ascii_lowercase().as_str())
        });
    }
    // 3. The longest skill word loses its last letter (the later one on a tie) until the name fits; then, if
    //    need be, the prefix's words.
    let mut len = join_words(&words).len();
    let mut fallback = None;
    for prefix in [false, true] {
        if prefix && len > max {
            // Should the prefix's words not make it fit either, the hash cuts a name whose prefix is whole.
            fallback = Some(join_words(&words));
        }
        while len > max {
            let Some(longest) = words
                .iter_mut()
                .filter(|w| w.prefix == prefix && w.text.len() > MIN_WORD)
                .max_by_key(|w| w.text.len())
            else {
                break;
            };
            longest.text.pop();
            len -= 1;
        }
    }
    match fallback {
        Some(whole_prefix) if len > max => whole_prefix,
        _ => join_words(&words),
    }
}

/// Splits a sanitized name into words at `_` and `-`, keeping each separator.
fn split_words(s: &str, prefix: bool) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut sep = None;
    let mut text = String::new();
    for c in s.chars() {
        if c == '_' || c == '-' {
            if !text.is_empty() {
                words.push(Word {
                    sep,
                    text: std::mem::take(&mut text),
                    prefix,
                });
            }
            sep = Some(c);
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        words.push(Word { sep, text, prefix });
    }
    words
}

/// Drops the skill words `drop` picks, unless that would leave the skill with no word at all.
fn drop_words(words: &mut Vec<Word>, drop: impl Fn(&str) -> bool) {
    let kept = words.iter().filter(|w| !w.prefix && !drop(&w.text)).count();
    if kept > 0 {
        words.retain(|w| w.prefix || !drop(&w.text));
    }
}

/// The words joined by their separators (`_` where the prefix meets the skill), starting with a letter or
/// `_` as Gemini's function names must.
fn join_words(words: &[Word]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let boundary = words[i - 1].prefix && !w.prefix;
            out.push(if boundary { '_' } else { w.sep.unwrap_or('_') });
        }
        out.push_str(&w.text);
    }
    if out.is_empty() {
        return "x".to_owned();
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, '_');
    }
    out
}

/// Keeps `[A-Za-z0-9_-]`, turns anything else into `_`, and folds runs of `_`.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name` cut to fit `max`, plus `_` and a short hash of `identity`.
fn with_suffix(name: &str, identity: &str, max: usize) -> String {
    let hash = format!("{:016x}", fnv1a(identity.as_bytes()));
    let keep = max - HASH_SUFFIX_LEN - 1;
    let prefix: String = name.chars().take(keep).collect();
    format!(
        "{}_{}",
        prefix.trim_end_matches(['_', '-']),
        &hash[..HASH_SUFFIX_LEN]
    )
}

/// FNV-1a: tiny and, unlike std's hasher, guaranteed stable across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(0xcbf2_9ce4_8422_2325, bytes)
}

/// FNV-1a continued from `h`.
fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What the arguments of every message-sending tool mean, in full: said once, in `send_message`'s description
/// and in the server instructions, because skill tools repeat their input schema and so describe each
/// argument in a few words only (see `handlers::message::MessageArgs`).
pub const ARGUMENTS_EXPLAINED: &str = "Arguments of every tool that sends a message: message, what to ask in \
plain language; context_id, from an earlier result of the same agent, to continue that conversation; task_id, \
from an input-required result, to answer the agent's question; data, a JSON object (as JSON text) sent as a data \
part; files, where a tool takes them, files of the types its description names; wait_seconds, how long to wait before \
a task still running comes back with its task_id for get_task.";

/// Most examples of a skill shown in its tool's description (the rest are searched by `find_skills`).
const MAX_EXAMPLES: usize = 3;
/// Most characters of one example shown in a tool's description; a longer one is cut and ends with `…`.
const MAX_EXAMPLE_CHARS: usize = 80;

/// Annotations of a tool that sends a message to an agent: its hints only where they differ from MCP's
/// defaults (MCP 2025-11-25 `ToolAnnotations`: not read-only, destructive, not idempotent, open-world).
/// Agents act in the world and their answers vary (the defaults), but a message is a request, not a
/// deletion: not destructive. The title is the tool's own `title`, not repeated here.
pub fn agent_call_annotations() -> ToolAnnotations {
    ToolAnnotations::new().destructive(false)
}

/// Ends `text` with a period unless it already ends a sentence (a card's description usually does).
fn end_sentence(text: &mut String) {
    if !text.ends_with(['.', '!', '?', '…']) {
        text.push('.');
    }
}

/// `text` cut to `max` characters, ending with `…` when cut.
fn cut_chars(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()).into(),
        None => text.into(),
    }
}

/// A skill tool: what the model reads is the skill's description (bounded by `max_description_chars`) and a
/// few short examples; the title names the agent and the skill (and the description does, for a skill that
/// has neither). The agent's own description is not repeated per skill: `list_agents` and the agent's card say
/// it once. What the arguments mean is said once, in the server instructions and `send_message`'s description.
fn skill_tool(name: &str, agent: &str, skill: &Skill, input: &Arc<JsonObject>) -> Tool {
    let mut d = String::new();
    let description = skill.description.trim();
    if !description.is_empty() {
        d.push_str(description);
        end_sentence(&mut d);
    }
    let examples: Vec<String> = skill
        .examples
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .take(MAX_EXAMPLES)
        .map(|e| format!("{:?}", cut_chars(e, MAX_EXAMPLE_CHARS)))
        .collect();
    if !examples.is_empty() {
        if !d.is_empty() {
            d.push('\n');
        }
        d.push_str(&format!("Examples: {}.", examples.join(", ")));
    }
    if d.is_empty() {
        d = format!("Skill \"{}\" of the A2A agent \"{agent}\".", skill.name);
    }
    Tool::new(name.to_owned(), d, Arc::clone(input))
        .with_title(format!("{agent}: {}", skill.name))
        .with_annotations(agent_call_annotations())
}

/// Most skill ids an agent's own tool names in its description; the rest are counted.
const MAX_SKILLS_LISTED: usize = 10;

/// The tool of an agent exposed as one tool (or whose card lists no skills): the agent's description is the
/// only one it has, so it is kept, followed by the ids of its `skills` (the first `MAX_SKILLS_LISTED`) that the
/// optional `skill` argument takes.
fn agent_tool(
    name: &str,
    agent: &str,
    card: &AgentCard,
    description: &str,
    skills: &[&str],
    input: &Arc<JsonObject>,
) -> Tool {
    let mut d = format!(
        "Send a message to the A2A agent \"{agent}\" ({})",
        card.name
    );
    if !description.trim().is_empty() {
        d.push_str(&format!(": {}", description.trim()));
    }
    end_sentence(&mut d);
    if !skills.is_empty() {
        let listed = skills.len().min(MAX_SKILLS_LISTED);
        d.push_str(&format!(
            " Skills (optional skill argument): {}",
            skills[..listed].join(", ")
        ));
        if skills.len() > listed {
            d.push_str(&format!(
                " and {} more (see get_agent_card)",
                skills.len() - listed
            ));
        }
        d.push('.');
    }
    Tool::new(name.to_owned(), d, Arc::clone(input))
        .with_title(agent.to_owned())
        .with_annotations(agent_call_annotations())
}

#[cfg(test)]
mod tests;
