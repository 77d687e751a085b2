//! The proxy address a user types: `http(s)://host:port`, nothing else. The agent turns it
//! into its websocket URL (TOWER `cmd/agent/app/options.go`: http→ws, https→wss), and the
//! extension backend refuses anything Go's `url.Parse` reads without a host ("invalid proxy
//! address …, should format like http[s]://1.2.3.4:123", TEXT `pkg/apis/v1alpha1/handler.go`),
//! so we insist on scheme, host and port, and warn about addresses members cannot reach.

use super::detect::{NodeAddresses, TowerService};
use crate::{Error, Result};
use serde::Serialize;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProxyUrl {
    /// What is written: `scheme://host:port`, no trailing slash.
    pub url: String,
    pub https: bool,
    /// Without brackets for IPv6.
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum UrlWarningCode {
    /// 8080 is tower's in-cluster port, rarely what is forwarded (kubesphere/kubesphere#4755).
    Port8080,
    /// The tower NodePort on an address that is none of the nodes'.
    NodePortOnOtherAddress,
    /// 127.0.0.0/8, ::1, localhost: members would dial themselves.
    Loopback,
    /// RFC 1918, CGNAT, link-local, IPv6 ULA: only members on the same network reach it.
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UrlWarning {
    pub code: UrlWarningCode,
    pub message: String,
}

fn invalid(text: &str, why: &str) -> Error {
    Error::invalid_input(format!("\"{text}\" is not a proxy address: {why}")).with_hint(
        "write it as http://PUBLIC_IP:PORT (or https://), e.g. http://139.198.120.120:30000",
    )
}

/// Parses `text` as `http(s)://host:port[/]`.
pub fn parse(text: &str) -> Result<ProxyUrl> {
    let trimmed = text.trim();
    let (https, rest) = if let Some(rest) = trimmed.strip_prefix("http://") {
        (false, rest)
    } else if let Some(rest) = trimmed.strip_prefix("https://") {
        (true, rest)
    } else {
        return Err(invalid(trimmed, "it must start with http:// or https://"));
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(invalid(
            trimmed,
            "a path, query or fragment is not used by the agent",
        ));
    }
    if authority.contains('@') {
        return Err(invalid(
            trimmed,
            "user names and passwords do not belong in it",
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| invalid(trimmed, "the IPv6 address has no closing ]"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid(trimmed, "the part in [ ] is not an IPv6 address"));
        }
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = port.filter(|p| !p.is_empty()).ok_or_else(|| {
        invalid(
            trimmed,
            "the port is missing (members dial exactly this port)",
        )
    })?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| invalid(trimmed, "the port must be a number from 1 to 65535"))?;
    if host.is_empty() {
        return Err(invalid(trimmed, "the host is missing"));
    }
    if !host.contains(':') && !is_dns_name(host) {
        return Err(invalid(
            trimmed,
            "the host is neither an IP address nor a DNS name",
        ));
    }
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_ascii_lowercase()
    };
    Ok(ProxyUrl {
        url: format!("{}://{shown}:{port}", if https { "https" } else { "http" }),
        https,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// RFC 1123 host name (which an IPv4 address also is).
fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// What members may fail to reach, knowing the tower Service and the nodes.
pub fn warnings(
    url: &ProxyUrl,
    service: Option<&TowerService>,
    nodes: &[NodeAddresses],
) -> Vec<UrlWarning> {
    let mut out = Vec::new();
    let mut warn = |code, message: String| out.push(UrlWarning { code, message });
    if url.port == 8080 {
        warn(UrlWarningCode::Port8080, "port 8080 is tower's port inside the cluster; members outside reach tower through the forwarded port or the NodePort, rarely 8080".into());
    }
    let node_ips = nodes
        .iter()
        .flat_map(|n| n.internal_ip.iter().chain(&n.external_ip))
        .any(|ip| ip.eq_ignore_ascii_case(&url.host));
    if let Some(node_port) = service.and_then(|s| s.node_port) {
        if url.port == node_port && !node_ips {
            warn(UrlWarningCode::NodePortOnOtherAddress, format!("{node_port} is tower's NodePort, but {} is none of the nodes' addresses: check that it forwards {node_port} to a node unchanged", url.host));
        }
    }
    let ip = url.host.parse::<IpAddr>().ok();
    if url.host == "localhost"
        || url.host.ends_with(".localhost")
        || ip.is_some_and(|ip| ip.is_loopback())
    {
        warn(
            UrlWarningCode::Loopback,
            format!(
                "{} is a loopback address: every member would dial itself, not the host",
                url.host
            ),
        );
    } else if ip.is_some_and(is_private) {
        warn(
            UrlWarningCode::Private,
            format!(
                "{} is a private address: only members on the same network can reach it",
                url.host
            ),
        );
    }
    out
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        // fc00::/7 unique local, fe80::/10 link-local.
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(
        url: &str,
        service: Option<&TowerService>,
        nodes: &[NodeAddresses],
    ) -> Vec<UrlWarningCode> {
        warnings(&parse(url).unwrap(), service, nodes)
            .into_iter()
            .map(|w| w.code)
            .collect()
    }

    #[test]
    fn accepts_scheme_host_port_and_normalises() {
        let url = parse(" http://139.198.120.120:30000/ ").unwrap();
        assert_eq!(url.url, "http://139.198.120.120:30000");
        assert_eq!(
            (url.https, url.host.as_str(), url.port),
            (false, "139.198.120.120", 30000)
        );
        assert_eq!(
            parse("https://Tower.Example.com:443").unwrap().url,
            "https://tower.example.com:443"
        );
        let v6 = parse("http://[2001:db8::1]:30000").unwrap();
        assert_eq!(
            (v6.url.as_str(), v6.host.as_str()),
            ("http://[2001:db8::1]:30000", "2001:db8::1")
        );
    }

    #[test]
    fn refuses_what_the_agent_cannot_dial() {
        for (text, why) in [
            ("139.198.120.120:30000", "http:// or https://"),
            ("ws://1.2.3.4:80", "http:// or https://"),
            ("http://1.2.3.4", "port is missing"),
            ("http://1.2.3.4:", "port is missing"),
            ("http://1.2.3.4:0", "1 to 65535"),
            ("http://1.2.3.4:70000", "1 to 65535"),
            ("http://1.2.3.4:80x", "1 to 65535"),
            ("http://:30000", "host is missing"),
            ("http://1.2.3.4:30000/tower", "path"),
            ("http://admin:pw@1.2.3.4:30000", "passwords"),
            ("http://bad_host:30000", "neither an IP"),
            ("http://[::1:30000", "closing ]"),
            ("http://[nothost]:1", "not an IPv6"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.message.contains(why), "{text}: {}", error.message);
            assert!(error.hint.is_some());
        }
    }

    #[test]
    fn warns_about_8080_nodeport_loopback_and_private() {
        let service = TowerService {
            service_type: "LoadBalancer".into(),
            external: vec![],
            port: Some(8080),
            node_port: Some(30721),
        };
        let nodes = vec![NodeAddresses {
            name: "n".into(),
            internal_ip: vec!["192.168.0.10".into()],
            external_ip: vec!["139.198.121.10".into()],
        }];
        assert_eq!(
            codes("http://139.198.120.120:30000", Some(&service), &nodes),
            vec![]
        );
        assert_eq!(
            codes("http://139.198.121.10:8080", Some(&service), &nodes),
            vec![UrlWarningCode::Port8080]
        );
        assert_eq!(
            codes("http://139.198.121.10:30721", Some(&service), &nodes),
            vec![]
        );
        assert_eq!(
            codes("http://139.198.120.120:30721", Some(&service), &nodes),
            vec![UrlWarningCode::NodePortOnOtherAddress]
        );
        assert_eq!(
            codes("http://127.0.0.1:30000", None, &[]),
            vec![UrlWarningCode::Loopback]
        );
        assert_eq!(
            codes("http://localhost:30000", None, &[]),
            vec![UrlWarningCode::Loopback]
        );
        assert_eq!(
            codes("http://[::1]:30000", None, &[]),
            vec![UrlWarningCode::Loopback]
        );
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.10",
            "100.64.0.1",
            "169.254.1.1",
            "[fd00::1]",
        ] {
            assert_eq!(
                codes(&format!("http://{private}:30000"), None, &[]),
                vec![UrlWarningCode::Private],
                "{private}"
            );
        }
        assert_eq!(codes("http://172.32.0.1:30000", None, &[]), vec![]);
    }
}
