//! What a card's security section asks of the bridge (A2A v0.3 §5.5.3 `securitySchemes` / `security`, A2A
//! v1.0 §4.5 `securitySchemes` / `securityRequirements`), set against what the config provides (pure).
//!
//! The card's alternatives (`security` / `securityRequirements`, see `wire::security`) are tried in order; the
//! first one the config can satisfy decides how credentials are sent: the token URL and scopes of an OAuth2
//! client-credentials flow (when the config gives only the client id and secret), the header an API key goes
//! in (when the config does not name one). When none can be satisfied, `missing` says what to configure.
//! Flows that need a person (authorization code, device code) are described in `notes`, for `list_agents`.
//!
//! Nothing here decides where credentials may go: a token URL taken from a card still has to pass the agent's
//! origin policy (`origin::EndpointPolicy`) before it is used.

use super::wire::security::{CardSecurity, FlowKind, OAuthFlow, SchemeKind};

/// How an `Authorization` header in the config is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// `Authorization: Bearer …` (`auth.type = "bearer"`).
    Bearer,
    /// `Authorization: Basic …` (`auth.type = "basic"`).
    Basic,
    /// A literal `Authorization` header of another scheme.
    Other,
}

/// What the config provides for one agent.
#[derive(Debug, Clone, Default)]
pub struct Provided {
    /// A fixed `Authorization` header (`auth` bearer or basic, or a header table entry).
    pub authorization: Option<Authorization>,
    /// `auth.type = "api_key"`: the header it goes in (lower case), and whether the config named it.
    pub api_key: Option<(String, bool)>,
    /// `auth.type = "oauth2"`: the configured token URL, if any, and scopes.
    pub oauth2: Option<(Option<String>, Vec<String>)>,
    /// Names of every configured header, lower case.
    pub headers: Vec<String>,
}

/// How to use an OAuth2 client-credentials flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthUse {
    /// Where tokens are asked for (RFC 6749 §4.4 client-credentials grant).
    pub token_url: String,
    /// The scopes asked for, in order (empty: none named).
    pub scopes: Vec<String>,
    /// The token URL came from the card (it must pass the origin policy).
    pub token_url_from_card: bool,
}

/// The outcome: what to change in how requests are made, and what to tell the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthPlan {
    /// The OAuth2 flow to use, for an agent with `auth.type = "oauth2"`.
    pub oauth: Option<OAuthUse>,
    /// The header the configured API key goes in, named by the card (the config named none).
    pub api_key_header: Option<String>,
    /// What the card asks for that the config does not provide, as one sentence.
    pub missing: Option<String>,
    /// Flows of the card that need a person, and what the user must do.
    pub notes: Vec<String>,
}

/// Sets `security` against `provided`. With no security section: the config's own OAuth2 settings, if any.
pub fn plan(security: &CardSecurity, provided: &Provided) -> AuthPlan {
    let mut plan = AuthPlan {
        notes: user_flow_notes(security),
        ..AuthPlan::default()
    };
    let alternatives = security.alternatives();
    let mut missing: Vec<String> = Vec::new();
    for alternative in &alternatives {
        let mut effects = AuthPlan::default();
        let mut lacks: Vec<String> = Vec::new();
        for (name, scopes) in &alternative.schemes {
            match security.scheme(name) {
                Some(scheme) => {
                    if let Err(what) = satisfy(&scheme.kind, scopes, provided, &mut effects) {
                        lacks.push(format!("scheme \"{name}\": {what}"));
                    }
                }
                // A requirement naming a scheme the card does not declare: nothing to act on.
                None => lacks.push(format!(
                    "scheme \"{name}\", which the card does not declare"
                )),
            }
        }
        if lacks.is_empty() {
            plan.oauth = effects.oauth;
            plan.api_key_header = effects.api_key_header;
            break;
        }
        missing.push(lacks.join(" and "));
    }
    let satisfied = alternatives.is_empty() || missing.len() < alternatives.len();
    if !satisfied {
        plan.missing = Some(super::wire::truncate_str(
            &format!("the agent card asks for {}", missing.join("; or ")),
            MAX_MESSAGE_BYTES,
        ));
    }
    if plan.oauth.is_none()
        && let Some((Some(url), scopes)) = &provided.oauth2
    {
        plan.oauth = Some(OAuthUse {
            token_url: url.clone(),
            scopes: scopes.clone(),
            token_url_from_card: false,
        });
    }
    plan
}

/// Whether the config satisfies one scheme; on success records what the scheme decides in `effects`, else
/// says what is missing and which config provides it.
fn satisfy(
    kind: &SchemeKind,
    scopes: &[String],
    provided: &Provided,
    effects: &mut AuthPlan,
) -> Result<(), String> {
    let bearer = matches!(provided.authorization, Some(Authorization::Bearer));
    match kind {
        SchemeKind::ApiKey { location, name } if location == "header" => {
            let lower = name.to_ascii_lowercase();
            if provided.headers.contains(&lower) {
                return Ok(());
            }
            match &provided.api_key {
                Some((header, _)) if *header == lower => Ok(()),
                Some((_, false)) => {
                    effects.api_key_header = Some(name.clone());
                    Ok(())
                }
                Some((header, true)) => Err(format!(
                    "an API key in header {name}, but auth.header is {header:?}; remove auth.header or set it to {name:?}"
                )),
                None => Err(format!(
                    "an API key in header {name}: set auth = {{ type = \"api_key\", key_env = \"VAR\" }}"
                )),
            }
        }
        SchemeKind::ApiKey { location, name } => Err(format!(
            "an API key in the {location} parameter {name:?}, which the bridge does not send (only headers)"
        )),
        SchemeKind::Http { scheme } if scheme == "bearer" => {
            if bearer || provided.oauth2.is_some() {
                Ok(())
            } else {
                Err("a bearer token: set auth = { type = \"bearer\", token_env = \"VAR\" }".into())
            }
        }
        SchemeKind::Http { scheme } if scheme == "basic" => {
            if matches!(provided.authorization, Some(Authorization::Basic)) {
                Ok(())
            } else {
                Err("HTTP basic authentication: set auth = { type = \"basic\", username = \"…\", password_env = \"VAR\" }".into())
            }
        }
        SchemeKind::Http { scheme } => {
            if provided.authorization.is_some() {
                Ok(())
            } else {
                Err(format!(
                    "HTTP {scheme} authentication: set an Authorization header in headers"
                ))
            }
        }
        SchemeKind::OAuth2 { flows } => {
            let client = flows.iter().find(|f| f.kind == FlowKind::ClientCredentials);
            match (&provided.oauth2, client) {
                (Some((configured_url, configured_scopes)), flow) => {
                    let scopes = if configured_scopes.is_empty() {
                        scopes.to_vec()
                    } else {
                        configured_scopes.clone()
                    };
                    let (token_url, from_card) = match (
                        configured_url,
                        flow.and_then(|f| f.token_url.clone()),
                    ) {
                        (Some(url), _) => (url.clone(), false),
                        (None, Some(url)) => (url, true),
                        (None, None) => {
                            return Err("OAuth2, but the card declares no client-credentials flow with a tokenUrl: set auth.token_url".into());
                        }
                    };
                    effects.oauth = Some(OAuthUse {
                        token_url,
                        scopes,
                        token_url_from_card: from_card,
                    });
                    Ok(())
                }
                // A token the user obtained some other way.
                (None, _) if bearer => Ok(()),
                (None, Some(flow)) => Err(format!(
                    "OAuth2 client credentials{}: set auth = {{ type = \"oauth2\", client_id = \"…\", client_secret_env = \"VAR\" }} (the token URL and scopes come from the card)",
                    flow.token_url
                        .as_deref()
                        .map(|u| format!(" (token URL {})", shown_url(u)))
                        .unwrap_or_default()
                )),
                (None, None) => Err(format!(
                    "OAuth2 through {}, which needs a person: get a token and set auth = {{ type = \"bearer\", token_env = \"VAR\" }}",
                    flow_names(flows)
                )),
            }
        }
        SchemeKind::OpenIdConnect { url } => {
            if bearer || provided.oauth2.is_some() {
                Ok(())
            } else {
                Err(format!(
                    "OpenID Connect ({}): get a token and set auth = {{ type = \"bearer\", token_env = \"VAR\" }}",
                    shown_url(url)
                ))
            }
        }
        SchemeKind::MutualTls => {
            Err("a TLS client certificate, which the bridge does not present".into())
        }
    }
}

/// Most bytes of `AuthPlan::missing` and of each note (scheme names come from the card).
const MAX_MESSAGE_BYTES: usize = 1000;

/// Most bytes of a URL from a card quoted in a message (a card may carry any string).
const MAX_URL_BYTES: usize = 200;

/// A URL from the card as messages show it: without credentials or query, and cut to `MAX_URL_BYTES`.
fn shown_url(url: &str) -> String {
    super::wire::truncate_str(&super::error::redact_url(url), MAX_URL_BYTES)
}

fn flow_names(flows: &[OAuthFlow]) -> String {
    if flows.is_empty() {
        return "no flow the card names".into();
    }
    flows
        .iter()
        .map(|f| f.kind.key())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One note per OAuth2 flow that needs a person: what the user must do for the bridge to call the agent.
fn user_flow_notes(security: &CardSecurity) -> Vec<String> {
    let mut notes = Vec::new();
    for scheme in &security.schemes {
        let SchemeKind::OAuth2 { flows } = &scheme.kind else {
            continue;
        };
        for flow in flows {
            let at = flow
                .user_url
                .as_deref()
                .map(|u| format!(" at {}", shown_url(u)))
                .unwrap_or_default();
            let what = match flow.kind {
                FlowKind::AuthorizationCode | FlowKind::Implicit => {
                    format!("a user signs in{at} in a browser")
                }
                FlowKind::DeviceCode => format!("a user enters a device code{at}"),
                FlowKind::Password => "a user gives a username and password".to_owned(),
                FlowKind::ClientCredentials => continue,
            };
            let note = format!(
                "scheme \"{}\" offers the OAuth2 {} flow: {what}; the bridge cannot do this itself, so get an \
                 access token that way and configure it as auth = {{ type = \"bearer\", token_env = \"VAR\" }}",
                scheme.name,
                flow.kind.key()
            );
            notes.push(super::wire::truncate_str(&note, MAX_MESSAGE_BYTES));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::a2a::wire::security::decode_security;

    fn card() -> CardSecurity {
        decode_security(&json!({
            "securitySchemes": {
                "oauth": {"type": "oauth2", "flows": {
                    "clientCredentials": {"tokenUrl": "https://id.example.com/token", "scopes": {"read": ""}},
                    "authorizationCode": {"authorizationUrl": "https://id.example.com/authorize",
                                          "tokenUrl": "https://id.example.com/token", "scopes": {}}}},
                "key": {"type": "apiKey", "in": "header", "name": "X-Agent-Key"}
            },
            "security": [{"oauth": ["read"]}, {"key": []}]
        }))
    }

    #[test]
    fn oauth2_takes_token_url_and_scopes_from_the_card() {
        let p = plan(
            &card(),
            &Provided {
                oauth2: Some((None, Vec::new())),
                ..Provided::default()
            },
        );
        assert_eq!(
            p.oauth,
            Some(OAuthUse {
                token_url: "https://id.example.com/token".into(),
                scopes: vec!["read".into()],
                token_url_from_card: true
            })
        );
        assert_eq!(p.missing, None);
        assert_eq!(p.notes.len(), 1);
        assert!(p.notes[0].contains("authorizationCode"), "{:?}", p.notes);
        assert!(
            p.notes[0].contains("https://id.example.com/authorize"),
            "{:?}",
            p.notes
        );
        // The config's own token URL and scopes win.
        let own = plan(
            &card(),
            &Provided {
                oauth2: Some((Some("https://mine/token".into()), vec!["x".into()])),
                ..Provided::default()
            },
        );
        let o = own.oauth.unwrap();
        assert_eq!(
            (o.token_url.as_str(), o.token_url_from_card),
            ("https://mine/token", false)
        );
        assert_eq!(o.scopes, ["x"]);
    }

    #[test]
    fn an_api_key_goes_in_the_header_the_card_names() {
        let p = plan(
            &card(),
            &Provided {
                api_key: Some(("x-api-key".into(), false)),
                ..Provided::default()
            },
        );
        assert_eq!(p.api_key_header.as_deref(), Some("X-Agent-Key"));
        assert_eq!(p.missing, None);
        let named = plan(
            &card(),
            &Provided {
                api_key: Some(("x-other".into(), true)),
                ..Provided::default()
            },
        );
        let m = named.missing.unwrap();
        assert!(m.contains("auth.header is \"x-other\""), "{m}");
    }

    #[test]
    fn missing_credentials_are_named_with_the_config_that_provides_them() {
        let p = plan(&card(), &Provided::default());
        let m = p.missing.unwrap();
        assert!(m.contains("scheme \"oauth\": OAuth2 client credentials (token URL https://id.example.com/token)"), "{m}");
        assert!(m.contains("type = \"oauth2\""), "{m}");
        assert!(
            m.contains("; or scheme \"key\": an API key in header X-Agent-Key"),
            "{m}"
        );
        // A card without security asks for nothing.
        assert_eq!(
            plan(&CardSecurity::default(), &Provided::default()),
            AuthPlan::default()
        );
        // Only a person can get a token: a configured bearer token satisfies it.
        let user_only = decode_security(&json!({
            "securitySchemes": {"dev": {"oauth2SecurityScheme": {"flows": {"deviceCode": {
                "deviceAuthorizationUrl": "https://id.example.com/device", "tokenUrl": "https://id.example.com/token"}}}}},
            "securityRequirements": [{"schemes": {"dev": {"list": []}}}]
        }));
        let m = plan(&user_only, &Provided::default()).missing.unwrap();
        assert!(m.contains("needs a person"), "{m}");
        let with_token = plan(
            &user_only,
            &Provided {
                authorization: Some(Authorization::Bearer),
                ..Provided::default()
            },
        );
        assert_eq!(with_token.missing, None);
        assert!(with_token.notes[0].contains("device code at https://id.example.com/device"));
        // OAuth2 configured without a token URL, and the card has no client-credentials flow.
        let m = plan(
            &user_only,
            &Provided {
                oauth2: Some((None, Vec::new())),
                ..Provided::default()
            },
        )
        .missing
        .unwrap();
        assert!(m.contains("set auth.token_url"), "{m}");
    }
}
