//! The security a card declares (pure): its schemes (A2A v0.3 §5.5.3 `securitySchemes`, OpenAPI style with a
//! `type`; A2A v1.0 §4.5 `SecurityScheme`, a oneof wrapper such as `oauth2SecurityScheme`) and which of them a
//! client must use (v0.3 `security: [{name: [scopes]}]`, v1.0 `securityRequirements: [{schemes: {name: {list:
//! [scopes]}}}]`; alternatives across the list, all schemes of one entry together).
//!
//! Unknown or malformed entries are skipped: a card's security section describes, it cannot break the card.

use serde_json::Value;

use super::str_field;

/// Most schemes and requirements read from one card (a card is a few kilobytes; the rest is ignored).
const MAX_ENTRIES: usize = 32;

/// One named scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The key in `securitySchemes`, which requirements refer to.
    pub name: String,
    pub kind: SchemeKind,
}

/// What a scheme asks the client to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// A key in the header, query parameter or cookie `name` (`location`: `header`, `query`, `cookie`).
    ApiKey { location: String, name: String },
    /// HTTP authentication (`scheme`: `bearer`, `basic`, …, lower case).
    Http { scheme: String },
    /// OAuth2 with these flows.
    OAuth2 { flows: Vec<OAuthFlow> },
    /// OpenID Connect, discovered from `url`.
    OpenIdConnect { url: String },
    /// A TLS client certificate.
    MutualTls,
}

/// One OAuth2 flow of a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthFlow {
    pub kind: FlowKind,
    pub token_url: Option<String>,
    /// Where a user signs in (authorization code, implicit) or gets a user code (device code).
    pub user_url: Option<String>,
    /// The scopes the flow offers (the keys of its `scopes` map).
    pub scopes: Vec<String>,
}

/// OAuth2 flow kinds (A2A v0.3 §5.5.3 `OAuthFlows`, A2A v1.0 `OAuthFlows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    ClientCredentials,
    AuthorizationCode,
    DeviceCode,
    Implicit,
    Password,
}

impl FlowKind {
    /// The flow's key in `flows`.
    pub fn key(self) -> &'static str {
        match self {
            FlowKind::ClientCredentials => "clientCredentials",
            FlowKind::AuthorizationCode => "authorizationCode",
            FlowKind::DeviceCode => "deviceCode",
            FlowKind::Implicit => "implicit",
            FlowKind::Password => "password",
        }
    }

    const ALL: [FlowKind; 5] = [
        FlowKind::ClientCredentials,
        FlowKind::AuthorizationCode,
        FlowKind::DeviceCode,
        FlowKind::Implicit,
        FlowKind::Password,
    ];
}

/// One alternative: schemes to use together, each with the scopes it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    pub schemes: Vec<(String, Vec<String>)>,
}

/// A card's security section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardSecurity {
    pub schemes: Vec<SecurityScheme>,
    /// Alternatives, in the card's order. Empty: the card states none (its schemes, if any, are each an
    /// alternative of their own).
    pub requirements: Vec<Requirement>,
}

impl CardSecurity {
    /// The scheme called `name`.
    pub fn scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    /// Whether the card declares anything at all.
    pub fn is_empty(&self) -> bool {
        self.schemes.is_empty() && self.requirements.is_empty()
    }

    /// The alternatives a client may pick from: the stated requirements, else each declared scheme alone.
    pub fn alternatives(&self) -> Vec<Requirement> {
        if !self.requirements.is_empty() {
            return self.requirements.clone();
        }
        self.schemes
            .iter()
            .map(|s| Requirement {
                schemes: vec![(s.name.clone(), Vec::new())],
            })
            .collect()
    }
}

/// Reads the security section of a raw card in any shape (v0.3, v1.0, or a2a-sdk's dual card, whose
/// entries carry both spellings: the v1.0 one is read first).
pub fn decode_security(card: &Value) -> CardSecurity {
    let schemes = card
        .get("securitySchemes")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .take(MAX_ENTRIES)
                .filter_map(|(name, v)| {
                    decode_scheme(v).map(|kind| SecurityScheme {
                        name: name.clone(),
                        kind,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let requirements = match card.get("securityRequirements").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .take(MAX_ENTRIES)
            .filter_map(|r| r.get("schemes").and_then(Value::as_object))
            .map(|schemes| Requirement {
                schemes: schemes
                    .iter()
                    .map(|(name, scopes)| {
                        (name.clone(), strings(scopes.get("list").unwrap_or(scopes)))
                    })
                    .collect(),
            })
            .collect(),
        None => card
            .get("security")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .take(MAX_ENTRIES)
                    .filter_map(Value::as_object)
                    .map(|schemes| Requirement {
                        schemes: schemes
                            .iter()
                            .map(|(name, scopes)| (name.clone(), strings(scopes)))
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    CardSecurity {
        schemes,
        requirements,
    }
}

/// The strings of a JSON list (anything else: none).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .take(MAX_ENTRIES)
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn decode_scheme(v: &Value) -> Option<SchemeKind> {
    // v1.0: one wrapper key.
    if let Some(s) = v.get("apiKeySecurityScheme") {
        return Some(SchemeKind::ApiKey {
            location: str_field(s, "location")
                .unwrap_or_else(|| "header".into())
                .to_ascii_lowercase(),
            name: str_field(s, "name")?,
        });
    }
    if let Some(s) = v.get("httpAuthSecurityScheme") {
        return Some(SchemeKind::Http {
            scheme: str_field(s, "scheme")?.to_ascii_lowercase(),
        });
    }
    if let Some(s) = v.get("oauth2SecurityScheme") {
        return Some(SchemeKind::OAuth2 {
            flows: decode_flows(s.get("flows")?),
        });
    }
    if let Some(s) = v.get("openIdConnectSecurityScheme") {
        return Some(SchemeKind::OpenIdConnect {
            url: str_field(s, "openIdConnectUrl")?,
        });
    }
    if v.get("mtlsSecurityScheme").is_some() {
        return Some(SchemeKind::MutualTls);
    }
    // v0.3: OpenAPI's `type`.
    match str_field(v, "type")?.as_str() {
        "apiKey" => Some(SchemeKind::ApiKey {
            location: str_field(v, "in")
                .unwrap_or_else(|| "header".into())
                .to_ascii_lowercase(),
            name: str_field(v, "name")?,
        }),
        "http" => Some(SchemeKind::Http {
            scheme: str_field(v, "scheme")?.to_ascii_lowercase(),
        }),
        "oauth2" => Some(SchemeKind::OAuth2 {
            flows: decode_flows(v.get("flows")?),
        }),
        "openIdConnect" => Some(SchemeKind::OpenIdConnect {
            url: str_field(v, "openIdConnectUrl")?,
        }),
        "mutualTLS" => Some(SchemeKind::MutualTls),
        _ => None,
    }
}

fn decode_flows(flows: &Value) -> Vec<OAuthFlow> {
    FlowKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let f = flows.get(kind.key()).filter(|f| f.is_object())?;
            Some(OAuthFlow {
                kind,
                token_url: str_field(f, "tokenUrl"),
                user_url: str_field(f, "authorizationUrl")
                    .or_else(|| str_field(f, "deviceAuthorizationUrl")),
                scopes: f
                    .get("scopes")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().take(MAX_ENTRIES).cloned().collect())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn v03_schemes_and_requirements() {
        let card = json!({
            "securitySchemes": {
                "oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                    "tokenUrl": "https://id.example.com/token", "scopes": {"read": "r", "write": "w"}}}},
                "key": {"type": "apiKey", "in": "header", "name": "X-Agent-Key"},
                "odd": {"type": "somethingElse"},
                "bad": 7
            },
            "security": [{"oauth": ["read"]}, {"key": []}]
        });
        let s = decode_security(&card);
        assert_eq!(s.schemes.len(), 2);
        assert_eq!(
            s.scheme("key").unwrap().kind,
            SchemeKind::ApiKey {
                location: "header".into(),
                name: "X-Agent-Key".into()
            }
        );
        let SchemeKind::OAuth2 { flows } = &s.scheme("oauth").unwrap().kind else {
            panic!()
        };
        assert_eq!(flows[0].kind, FlowKind::ClientCredentials);
        assert_eq!(
            flows[0].token_url.as_deref(),
            Some("https://id.example.com/token")
        );
        assert_eq!(flows[0].scopes, ["read", "write"]);
        assert_eq!(s.requirements.len(), 2);
        assert_eq!(
            s.requirements[0].schemes,
            [("oauth".into(), vec!["read".into()])]
        );
    }

    #[test]
    fn v1_and_dual_cards_read_the_v1_spelling() {
        let card = json!({
            "securitySchemes": {
                "dev": {"oauth2SecurityScheme": {"flows": {"deviceCode": {
                    "deviceAuthorizationUrl": "https://id.example.com/device",
                    "tokenUrl": "https://id.example.com/token", "scopes": {}}}}},
                "apikey": {"apiKeySecurityScheme": {"location": "header", "name": "X-API-Key"},
                           "in": "query", "name": "wrong", "type": "apiKey"},
                "bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}
            },
            "securityRequirements": [{"schemes": {"dev": {"list": ["a2a"]}}}, {"schemes": {"apikey": {}, "bearer": {}}}],
            "security": [{"ignored": []}]
        });
        let s = decode_security(&card);
        assert_eq!(
            s.scheme("apikey").unwrap().kind,
            SchemeKind::ApiKey {
                location: "header".into(),
                name: "X-API-Key".into()
            }
        );
        assert_eq!(
            s.scheme("bearer").unwrap().kind,
            SchemeKind::Http {
                scheme: "bearer".into()
            }
        );
        assert_eq!(
            s.requirements[0].schemes,
            [("dev".into(), vec!["a2a".into()])]
        );
        assert_eq!(s.requirements[1].schemes.len(), 2);
        assert!(decode_security(&json!({"name": "x"})).is_empty());
        let only_schemes = decode_security(&json!({"securitySchemes": card["securitySchemes"]}));
        assert_eq!(only_schemes.alternatives().len(), 3);
    }
}
