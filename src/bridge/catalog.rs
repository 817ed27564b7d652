//! The skill catalog behind `find_skills`: every allowed skill of every reachable agent, ranked for a query
//! with BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009) over
//! the skill's name, id, tags, description and examples (pure: no IO).
//!
//! Built with the tool table, so a search costs one query embedding and the documents sharing a term with
//! it. Names and tags count twice: a word in a skill's name says more than one in a long description.

use bm25::{Embedder, EmbedderBuilder, Scorer, Tokenizer};

use crate::a2a::Skill;

/// Words too common in skill descriptions to tell skills apart.
const STOP_WORDS: [&str; 32] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "how", "i", "in",
    "is", "it", "me", "my", "of", "on", "or", "that", "the", "this", "to", "use", "what", "when",
    "with", "you", "your",
];

/// One skill of one agent, as `find_skills` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The agent's configured name (what `send_message` takes).
    pub agent: String,
    /// The skill as the card describes it (A2A `AgentSkill`), with the limits of `card_limits` applied.
    pub skill: Skill,
    /// The skill's own tool, when `tools/list` has one.
    pub tool: Option<String>,
}

/// A hit: the entry's index in `Catalog::entries` and its BM25 score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into `Catalog::entries`.
    pub index: usize,
    /// BM25 score; only comparable within one query.
    pub score: f32,
}

/// The searchable skills.
pub struct Catalog {
    /// Every skill listed, in tool-table order (agents in config order, skills in card order).
    pub entries: Vec<Entry>,
    embedder: Embedder<u32, Words>,
    scorer: Scorer<usize, u32>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::new(Vec::new())
    }
}

impl Catalog {
    /// Indexes `entries` (in listing order, which also breaks ties between equal scores).
    pub fn new(entries: Vec<Entry>) -> Catalog {
        let documents: Vec<String> = entries.iter().map(document).collect();
        let corpus: Vec<&str> = documents.iter().map(String::as_str).collect();
        let embedder: Embedder<u32, Words> =
            EmbedderBuilder::with_tokenizer_and_fit_to_corpus(Words, &corpus).build();
        let mut scorer = Scorer::new();
        for (i, doc) in corpus.iter().enumerate() {
            scorer.upsert(&i, embedder.embed(doc));
        }
        Catalog {
            entries,
            embedder,
            scorer,
        }
    }

    /// The best `limit` entries for `query`, best first, only of `agent` (case-insensitive) when given.
    /// An empty or all-stop-word query matches nothing.
    pub fn search(&self, query: &str, agent: Option<&str>, limit: usize) -> Vec<Hit> {
        let query = self.embedder.embed(query);
        let mut hits: Vec<Hit> = match agent {
            // Only that agent's skills are scored, not every match of the catalog.
            Some(agent) => self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.agent.eq_ignore_ascii_case(agent))
                .filter_map(|(index, _)| {
                    let score = self.scorer.score(&index, &query)?;
                    (score > 0.0).then_some(Hit { index, score })
                })
                .collect(),
            None => self
                .scorer
                .matches(&query)
                .into_iter()
                .map(|m| Hit {
                    index: m.id,
                    score: m.score,
                })
                .collect(),
        };
        // The scorer's order among equal scores depends on hashing: listing order makes it deterministic.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(limit);
        hits
    }
}

/// The text a skill is found by.
fn document(entry: &Entry) -> String {
    let s = &entry.skill;
    let tags = s.tags.join(" ");
    format!(
        "{name} {name} {id} {tags} {tags} {agent} {description} {examples}",
        name = s.name,
        id = s.id,
        agent = entry.agent,
        description = s.description,
        examples = s.examples.join(" "),
    )
}

/// The tokenizer: lower-case words of letters and digits, `snake_case`, `kebab-case` and `camelCase` split,
/// stop words dropped, and a light plural fold (`flights` → `flight`, `queries` → `query`).
#[derive(Debug, Clone, Copy, Default)]
struct Words;

impl Tokenizer for Words {
    fn tokenize(&self, input_text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut prev_lower = false;
        for c in input_text.chars() {
            if c.is_alphanumeric() {
                // camelCase: a capital after a small letter starts a word.
                if c.is_uppercase() && prev_lower {
                    push_word(&mut out, &mut word);
                }
                prev_lower = c.is_lowercase() || c.is_numeric();
                word.extend(c.to_lowercase());
            } else {
                prev_lower = false;
                push_word(&mut out, &mut word);
            }
        }
        push_word(&mut out, &mut word);
        out
    }
}

fn push_word(out: &mut Vec<String>, word: &mut String) {
    if word.is_empty() {
        return;
    }
    let w = std::mem::take(word);
    if STOP_WORDS.contains(&w.as_str()) {
        return;
    }
    out.push(fold_plural(w));
}

/// `queries` → `query`, `flights` → `flight`; leaves `class`, `status`, `analysis` and short words alone.
fn fold_plural(mut w: String) -> String {
    if w.chars().count() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.chars().count() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        w.pop();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(agent: &str, id: &str, description: &str, tags: &[&str]) -> Entry {
        Entry {
            agent: agent.into(),
            skill: Skill {
                id: id.into(),
                name: id.replace('_', " "),
                description: description.into(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                ..Skill::default()
            },
            tool: None,
        }
    }

    #[test]
    fn tokenizer_splits_cases_and_folds_plurals() {
        assert_eq!(
            Words.tokenize("bookFlights for the_travel-queries, Status 42"),
            vec!["book", "flight", "travel", "query", "status", "42"]
        );
    }

    #[test]
    fn ranks_by_description_tags_and_name() {
        let catalog = Catalog::new(vec![
            entry(
                "travel",
                "book_flight",
                "Books airline flights between cities.",
                &["air"],
            ),
            entry(
                "travel",
                "book_hotel",
                "Reserves hotel rooms.",
                &["lodging"],
            ),
            entry(
                "finance",
                "convert_currency",
                "Converts money between currencies.",
                &[],
            ),
        ]);
        let hits = catalog.search("hotel rooms", None, 5);
        assert_eq!(hits[0].index, 1);
        let hits = catalog.search("airline", None, 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].index, 0);
        let hits = catalog.search("lodging", None, 5);
        assert_eq!(hits[0].index, 1);
        // "between" is in two descriptions; the agent filter keeps one.
        let hits = catalog.search("between", Some("FINANCE"), 5);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![2]);
        assert!(catalog.search("the of", None, 5).is_empty());
        assert!(catalog.search("", None, 5).is_empty());
        assert_eq!(catalog.search("book", None, 1).len(), 1);
    }

    #[test]
    fn equal_scores_keep_listing_order() {
        let catalog = Catalog::new(
            (0..50)
                .map(|i| entry("a", &format!("s{i}"), "same words", &[]))
                .collect(),
        );
        let hits = catalog.search("same", None, 50);
        assert_eq!(
            hits.iter().map(|h| h.index).collect::<Vec<_>>(),
            (0..50).collect::<Vec<_>>()
        );
    }
}
