//! Caps on what one agent card may put into the tool list (pure).
//!
//! A card is the agent's to write: a 10 MB description or 10,000 skills would reach every `tools/list`,
//! `list_agents` and tool description. `limit_card` cuts descriptions to `max_description_chars` and skills to
//! `max_skills_per_agent` (in card order), and says what it cut so the registry can log it. A catalog that
//! large needs a compact tool mode, not a bigger list.

use crate::a2a::AgentCard;

/// Most examples, tags and input or output modes kept per skill.
const MAX_LIST: usize = 20;

/// The caps (from `[bridge]`).
#[derive(Debug, Clone, Copy)]
pub struct CardLimits {
    pub max_skills: usize,
    pub max_description_chars: usize,
}

/// Cuts `card` down to `limits`; returns one line per kind of cut, for a warning.
pub fn limit_card(card: &mut AgentCard, limits: CardLimits) -> Vec<String> {
    let mut cuts = Vec::new();
    let max = limits.max_description_chars;
    if card.skills.len() > limits.max_skills {
        cuts.push(format!(
            "the card lists {} skills; only the first {} become tools (bridge.max_skills_per_agent)",
            card.skills.len(),
            limits.max_skills
        ));
        card.skills.truncate(limits.max_skills);
    }
    let mut long = 0usize;
    let mut cut = |text: &mut String, max_chars: usize| {
        if let Some((end, _)) = text.char_indices().nth(max_chars) {
            long += 1;
            *text = format!("{}…", &text[..end]);
        }
    };
    cut(&mut card.description, max);
    cut(&mut card.name, max);
    for skill in &mut card.skills {
        cut(&mut skill.description, max);
        cut(&mut skill.name, max);
        cut(&mut skill.id, max);
        skill.examples.truncate(MAX_LIST);
        skill.tags.truncate(MAX_LIST);
        skill.input_modes.truncate(MAX_LIST);
        skill.output_modes.truncate(MAX_LIST);
        for text in skill
            .examples
            .iter_mut()
            .chain(&mut skill.tags)
            .chain(&mut skill.input_modes)
            .chain(&mut skill.output_modes)
        {
            cut(text, max);
        }
    }
    if long > 0 {
        cuts.push(format!(
            "{long} names or descriptions were longer than {max} characters and were cut \
             (bridge.max_description_chars)"
        ));
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::a2a::Skill;

    #[test]
    fn cuts_descriptions_and_skills() {
        let mut card = AgentCard {
            name: "n".into(),
            description: "é".repeat(5000),
            streaming: false,
            skills: (0..500)
                .map(|i| Skill {
                    id: format!("s{i}"),
                    name: format!("S{i}"),
                    description: "x".repeat(10),
                    ..Skill::default()
                })
                .collect(),
            interfaces: vec![],
            raw: serde_json::Value::Null,
        };
        let cuts = limit_card(
            &mut card,
            CardLimits {
                max_skills: 100,
                max_description_chars: 2000,
            },
        );
        assert_eq!(card.skills.len(), 100);
        assert_eq!(card.description.chars().count(), 2001);
        assert_eq!(cuts.len(), 2, "{cuts:?}");
        assert!(cuts[0].contains("500 skills"), "{cuts:?}");
        assert!(cuts[1].contains("max_description_chars"), "{cuts:?}");
    }
}
