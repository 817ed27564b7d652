//! Agent cards in every shape a client meets, and the choice of the interface to talk to (pure).
//!
//! A v0.3 card names its main interface with `url`, `preferredTransport` and `protocolVersion`, and others in
//! `additionalInterfaces` (A2A v0.3 §5.6); a v1.0 card lists `supportedInterfaces`, each with its own binding
//! and version (A2A v1.0 §8.3.1). a2a-sdk 1.x with its compatibility layer serves both at once (a "dual" card).

use serde_json::Value;

use super::{bad, str_field, string_list};
use crate::a2a::error::A2aError;
use crate::a2a::types::{AgentCard, AgentInterface, Binding, ProtocolVersion, Skill};

/// Parses a v0.3 card, a v1 card, or the merged "dual" card a2a-sdk 1.x serves with its compat layer.
pub fn decode_card(raw: Value) -> Result<AgentCard, A2aError> {
    if !raw.is_object() {
        return Err(bad("agent card is not a JSON object"));
    }
    let name = str_field(&raw, "name").ok_or_else(|| bad("agent card has no \"name\""))?;
    let capabilities = raw.get("capabilities").cloned().unwrap_or(Value::Null);
    let mut skills: Vec<Skill> = raw
        .get("skills")
        .and_then(Value::as_array)
        .map(|items| items.iter().enumerate().filter_map(decode_skill).collect())
        .unwrap_or_default();
    // A skill without its own modes takes the card's defaults (A2A v0.3 §5.5.4 `inputModes`/`outputModes`).
    let default_input = string_list(&raw, "defaultInputModes");
    let default_output = string_list(&raw, "defaultOutputModes");
    for skill in &mut skills {
        if skill.input_modes.is_empty() {
            skill.input_modes.clone_from(&default_input);
        }
        if skill.output_modes.is_empty() {
            skill.output_modes.clone_from(&default_output);
        }
    }

    // The card's own version: what its interfaces speak unless they say otherwise.
    let card_version = str_field(&raw, "protocolVersion");
    let mut interfaces = Vec::new();
    if let Some(list) = raw.get("supportedInterfaces").and_then(Value::as_array) {
        for entry in list {
            let Some(url) = str_field(entry, "url") else {
                continue;
            };
            interfaces.push(AgentInterface {
                url,
                binding: str_field(entry, "protocolBinding")
                    .or_else(|| str_field(entry, "transport"))
                    .unwrap_or_else(|| "JSONRPC".into()),
                // An interface without a version speaks the card's (a2a-java puts `protocolVersion: "1.0"`
                // only at the top); with neither, 0.3, as a2a-sdk 1.3.0's client assumes.
                protocol_version: str_field(entry, "protocolVersion")
                    .or_else(|| card_version.clone())
                    .unwrap_or_else(|| "0.3".into()),
                tenant: str_field(entry, "tenant"),
            });
        }
    }
    // v0.3 fields; on a dual card they describe the 0.3 interfaces, which may already be listed above.
    if let Some(url) = str_field(&raw, "url") {
        let version = card_version.clone().unwrap_or_else(|| "0.3".into());
        let binding = str_field(&raw, "preferredTransport").unwrap_or_else(|| "JSONRPC".into());
        let mut legacy = vec![AgentInterface {
            url,
            binding,
            protocol_version: version.clone(),
            tenant: None,
        }];
        if let Some(extra) = raw.get("additionalInterfaces").and_then(Value::as_array) {
            for entry in extra {
                if let Some(url) = str_field(entry, "url") {
                    legacy.push(AgentInterface {
                        url,
                        binding: str_field(entry, "transport").unwrap_or_else(|| "JSONRPC".into()),
                        protocol_version: version.clone(),
                        tenant: None,
                    });
                }
            }
        }
        for iface in legacy {
            let known = interfaces.iter().any(|i| {
                i.url == iface.url
                    && i.binding.eq_ignore_ascii_case(&iface.binding)
                    && major_of(&i.protocol_version) == major_of(&iface.protocol_version)
            });
            if !known {
                interfaces.push(iface);
            }
        }
    }

    Ok(AgentCard {
        name,
        description: str_field(&raw, "description").unwrap_or_default(),
        streaming: capabilities
            .get("streaming")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        skills,
        interfaces,
        raw,
    })
}

/// A skill (A2A v0.3 §5.5.4 `AgentSkill`, v1.0 `AgentSkill`). Real cards leave out fields the spec requires;
/// the skill is kept all the same: without an `id`, its name (else `skill-{n}`, n counted from 1) stands in.
fn decode_skill((index, v): (usize, &Value)) -> Option<Skill> {
    if !v.is_object() {
        return None;
    }
    let name = str_field(v, "name").filter(|s| !s.trim().is_empty());
    let id = str_field(v, "id")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| name.clone())
        .unwrap_or_else(|| format!("skill-{}", index + 1));
    Some(Skill {
        name: name.unwrap_or_else(|| id.clone()),
        description: str_field(v, "description").unwrap_or_default(),
        examples: string_list(v, "examples"),
        tags: string_list(v, "tags"),
        input_modes: string_list(v, "inputModes"),
        output_modes: string_list(v, "outputModes"),
        id,
    })
}

/// The required skill fields a card leaves out (A2A v0.3 §5.5.4: `id`, `name`, `description`), one line
/// each, such as `skills[2] ("Book") has no id`; for the log.
pub fn skill_gaps(raw: &Value) -> Vec<String> {
    let Some(skills) = raw.get("skills").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut gaps = Vec::new();
    for (i, v) in skills.iter().enumerate() {
        let Some(skill) = decode_skill((i, v)) else {
            gaps.push(format!("skills[{i}] is not an object; left out"));
            continue;
        };
        let missing: Vec<&str> = ["id", "name", "description"]
            .into_iter()
            .filter(|k| str_field(v, k).is_none_or(|s| s.trim().is_empty()))
            .collect();
        if !missing.is_empty() {
            gaps.push(format!(
                "skills[{i}] ({:?}) has no {}",
                skill.id,
                missing.join(", ")
            ));
        }
    }
    gaps
}

fn major_of(version: &str) -> u64 {
    version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(0)
}

/// Picks the JSON-RPC interface to use: version 1.x first (exactly 1.0 before later minors), else 0.3
/// (any 0.x ≥ 0.2). `wanted` (config `protocol = "0.3"` / `"1.0"` / `"draft"`) is the user's word on the
/// version: an interface labelled with it is preferred, else the first JSON-RPC interface is spoken to in
/// that version (cards mislabel or omit versions).
pub fn choose_interface(
    card: &AgentCard,
    wanted: Option<ProtocolVersion>,
) -> Option<(&AgentInterface, ProtocolVersion)> {
    choose_for(card, wanted, Binding::JsonRpc)
}

/// Picks the interface and binding to use (A2A v1.0 §8.3: the client picks among `supportedInterfaces`):
/// JSON-RPC when the card offers it, else HTTP+JSON; `binding` (config `binding`) allows only that one.
/// Within a binding, versions are chosen as `choose_interface` does. The draft has only JSON-RPC.
pub fn choose_binding(
    card: &AgentCard,
    wanted: Option<ProtocolVersion>,
    binding: Option<Binding>,
) -> Option<(&AgentInterface, ProtocolVersion, Binding)> {
    let with = |b: Binding| choose_for(card, wanted, b).map(|(i, v)| (i, v, b));
    match binding {
        Some(b) => with(b),
        None => with(Binding::JsonRpc).or_else(|| with(Binding::HttpJson)),
    }
}

/// Whether an interface's `protocolBinding` / `transport` names `binding` (`HTTP+JSON`, also spelled `REST`).
fn speaks(iface: &AgentInterface, binding: Binding) -> bool {
    let name = iface.binding.trim();
    match binding {
        Binding::JsonRpc => name.eq_ignore_ascii_case("JSONRPC"),
        Binding::HttpJson => {
            name.eq_ignore_ascii_case("HTTP+JSON") || name.eq_ignore_ascii_case("REST")
        }
    }
}

fn choose_for(
    card: &AgentCard,
    wanted: Option<ProtocolVersion>,
    binding: Binding,
) -> Option<(&AgentInterface, ProtocolVersion)> {
    let jsonrpc = || card.interfaces.iter().filter(move |i| speaks(i, binding));
    let v1 = || {
        let exact = jsonrpc().find(|i| i.protocol_version.trim() == "1.0");
        exact
            .or_else(|| jsonrpc().find(|i| major_of(&i.protocol_version) == 1))
            .map(|i| (i, ProtocolVersion::V1_0))
    };
    let v03 = || {
        jsonrpc()
            .find(|i| major_of(&i.protocol_version) == 0)
            .map(|i| (i, ProtocolVersion::V0_3))
    };
    match wanted {
        Some(ProtocolVersion::V1_0) => {
            v1().or_else(|| jsonrpc().next().map(|i| (i, ProtocolVersion::V1_0)))
        }
        Some(ProtocolVersion::V0_3) => {
            v03().or_else(|| jsonrpc().next().map(|i| (i, ProtocolVersion::V0_3)))
        }
        // The draft has no HTTP+JSON binding, and cards never label it.
        Some(ProtocolVersion::Draft) if binding == Binding::JsonRpc => {
            jsonrpc().next().map(|i| (i, ProtocolVersion::Draft))
        }
        Some(ProtocolVersion::Draft) => None,
        None => v1().or_else(v03),
    }
}

#[cfg(test)]
mod skill_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn skills_without_required_fields_are_kept_and_reported() {
        let raw = json!({"name": "c", "skills": [
            {"name": "Book a table"},
            {"description": "no id, no name"},
            {"id": "full", "name": "Full", "description": "all there"},
            {"id": "bare"},
            "not a skill"
        ]});
        let card = decode_card(raw.clone()).unwrap();
        let ids: Vec<&str> = card.skills.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["Book a table", "skill-2", "full", "bare"]);
        assert_eq!(card.skills[1].name, "skill-2");
        assert_eq!(card.skills[3].name, "bare");
        assert_eq!(
            skill_gaps(&raw),
            [
                "skills[0] (\"Book a table\") has no id, description",
                "skills[1] (\"skill-2\") has no id, name",
                "skills[3] (\"bare\") has no name, description",
                "skills[4] is not an object; left out",
            ]
        );
    }
}
