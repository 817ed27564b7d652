//! Where an agent's requests may go (pure: no IO).
//!
//! Credentials are bound to the origins the user configured for an agent (its `url`, `card_url`, `endpoint`,
//! OAuth2 `token_url` and `allowed_origins`): an endpoint a card advertises on any other origin is refused for
//! an agent with credentials. Whatever the credentials, a card may not send the bridge to link-local or cloud
//! metadata addresses (server-side request forgery from the bridge's network position) unless
//! `allow_link_local` is set, nor to loopback unless the user configured a loopback URL for the agent.
//! Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) stay allowed: agents commonly live there and cards
//! routinely name internal hosts; credentials are protected by the origin binding instead.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::{A2aError, redact_url};

/// Host names of cloud metadata services (GCP, AWS, Azure, Alibaba, OpenStack, Oracle).
const METADATA_HOSTS: [&str; 7] = [
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.azure.internal",
    "metadata.tencentyun.com",
];

/// What the config allows for one agent.
#[derive(Debug, Clone)]
pub struct EndpointPolicy {
    /// The agent's name, for messages.
    pub agent: String,
    /// The origins the user configured (see `AgentConfig::configured_origins`).
    pub origins: Vec<url::Origin>,
    /// The agent has credentials: an endpoint off `origins` is refused.
    pub credentials: bool,
    /// `allow_link_local`: link-local and metadata addresses are allowed.
    pub allow_link_local: bool,
}

impl EndpointPolicy {
    /// Checks the endpoint requests will go to. An endpoint on a configured origin is always fine: the user
    /// named it.
    pub fn check(&self, endpoint: &str) -> Result<(), A2aError> {
        let url = url::Url::parse(endpoint).map_err(|e| {
            A2aError::EndpointRefused(format!(
                "the card's endpoint {endpoint:?} is not a URL: {e}"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(A2aError::EndpointRefused(format!(
                "the card's endpoint {} is not http(s); set endpoint for agent \"{}\"",
                redact_url(endpoint),
                self.agent
            )));
        }
        let origin = url.origin();
        if self.origins.contains(&origin) {
            return Ok(());
        }
        let shown = origin.ascii_serialization();
        if self.credentials {
            return Err(A2aError::EndpointRefused(format!(
                "the card sends requests to {shown}, not an origin configured for this agent ({}); its \
                 credentials go only there. Set endpoint, or add \"{shown}\" to allowed_origins for agent \"{}\"",
                self.configured(),
                self.agent
            )));
        }
        let host = url.host();
        if !self.allow_link_local && host.as_ref().is_some_and(is_link_local_or_metadata) {
            return Err(A2aError::EndpointRefused(format!(
                "the card sends requests to {shown}, a link-local or cloud metadata address; set endpoint, or \
                 allow_link_local = true for agent \"{}\" if that is really where it lives",
                self.agent
            )));
        }
        let loopback_configured = self
            .origins
            .iter()
            .any(|o| matches!(o, url::Origin::Tuple(_, h, _) if is_loopback(h)));
        if host.as_ref().is_some_and(is_loopback) && !loopback_configured {
            return Err(A2aError::EndpointRefused(format!(
                "the card sends requests to {shown}, a loopback address, but the agent is configured on {}; set \
                 endpoint, or add \"{shown}\" to allowed_origins for agent \"{}\"",
                self.configured(),
                self.agent
            )));
        }
        Ok(())
    }

    fn configured(&self) -> String {
        let list: Vec<String> = self
            .origins
            .iter()
            .map(url::Origin::ascii_serialization)
            .collect();
        list.join(", ")
    }
}

/// Whether two URLs share scheme, host and port.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin() == b.origin()
}

fn is_loopback<S: AsRef<str>>(host: &url::Host<S>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.as_ref().trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Link-local (169.254.0.0/16, fe80::/10), the metadata addresses outside it (AWS `fd00:ec2::254`, Alibaba
/// `100.100.100.200`) and metadata host names.
pub fn is_link_local_or_metadata<S: AsRef<str>>(host: &url::Host<S>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.as_ref().trim_end_matches('.').to_ascii_lowercase();
            METADATA_HOSTS.contains(&d.as_str())
        }
        url::Host::Ipv4(ip) => v4_is_link_local_or_metadata(*ip),
        url::Host::Ipv6(ip) => ip_is_link_local_or_metadata(IpAddr::V6(*ip)),
    }
}

fn v4_is_link_local_or_metadata(ip: Ipv4Addr) -> bool {
    ip.is_link_local() || ip == Ipv4Addr::new(100, 100, 100, 200)
}

fn ip_is_link_local_or_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_is_link_local_or_metadata(v4),
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(v4_is_link_local_or_metadata)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(urls: &[&str], credentials: bool) -> EndpointPolicy {
        EndpointPolicy {
            agent: "a".into(),
            origins: urls
                .iter()
                .map(|u| url::Url::parse(u).unwrap().origin())
                .collect(),
            credentials,
            allow_link_local: false,
        }
    }

    #[test]
    fn credentials_stay_on_configured_origins() {
        let p = policy(
            &["http://127.0.0.1:8000", "https://id.example.com/token"],
            true,
        );
        assert!(p.check("http://127.0.0.1:8000/rpc").is_ok());
        let e = p.check("http://localhost:9000/").unwrap_err().to_string();
        assert!(e.contains("http://localhost:9000"), "{e}");
        assert!(e.contains("allowed_origins"), "{e}");
        assert!(e.contains("endpoint"), "{e}");
        // Same host, other port or scheme: another origin.
        assert!(p.check("http://127.0.0.1:8001/").is_err());
        assert!(p.check("https://127.0.0.1:8000/").is_err());
        // Without credentials a card may move the agent (cards often name internal hosts).
        let open = policy(&["https://agents.example.com"], false);
        assert!(open.check("https://internal.example.com/a2a").is_ok());
        assert!(open.check("http://10.1.2.3:8080/").is_ok());
    }

    #[test]
    fn link_local_and_metadata_are_refused_unless_allowed() {
        let mut p = policy(&["https://agents.example.com"], false);
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://METADATA.google.internal./",
            "http://100.100.100.200/",
            "http://[fd00:ec2::254]/",
        ] {
            let e = p.check(bad).unwrap_err().to_string();
            assert!(e.contains("allow_link_local"), "{bad}: {e}");
        }
        p.allow_link_local = true;
        assert!(p.check("http://169.254.169.254/").is_ok());
    }

    #[test]
    fn loopback_only_when_configured() {
        let remote = policy(&["https://agents.example.com"], false);
        for bad in [
            "http://127.0.0.1:80/",
            "http://localhost/",
            "http://[::1]:9/",
        ] {
            assert!(remote.check(bad).is_err(), "{bad}");
        }
        let local = policy(&["http://127.0.0.1:8000"], false);
        assert!(local.check("http://localhost:9000/").is_ok());
        assert!(local.check("ftp://127.0.0.1/").is_err());
    }
}
