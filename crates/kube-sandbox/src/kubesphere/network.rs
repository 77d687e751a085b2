//! What a member node can reach when its agent (or a probe pod) dials the proxy address.
//! Public addresses of the host (the tower load balancer's ingress, node ExternalIPs with the
//! tower NodePort, and a port forward in `lb-pending`) lead to the tower listener, a real TCP
//! port on 127.0.0.1; the host's InternalIPs and any other address are unreachable, as across
//! networks. The agent reports failures with Go's dialer texts (`resolve`).

use super::{HostSpec, FORWARDED_PORT, PUBLIC_IP};
use crate::error::Reported;
use crate::Cluster;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Why a dial failed: Go's error text, and how long the failure took to come.
#[derive(Debug, Clone, PartialEq)]
pub struct DialError {
    pub message: String,
    pub after: Duration,
}

/// host and port of an agent's `--proxy-server`, as its websocket dialer reads it.
pub fn endpoint(server: &str) -> Result<(String, u16), Reported> {
    let (scheme, rest) = server
        .split_once("://")
        .ok_or_else(|| "malformed ws or wss URL".to_string())?;
    let default_port = match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return Err("malformed ws or wss URL".into()),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, port)) => port
            .parse()
            .map(|p| (host.to_string(), p))
            .map_err(|_| Reported(format!("invalid port \":{port}\" after host"))),
        None => Ok((authority.to_string(), default_port)),
    }
}

/// The public (address, port) pairs that reach tower, read from the host's objects now.
fn public_routes(host: &Cluster, spec: &HostSpec) -> (Vec<(String, u16)>, Vec<String>, bool) {
    host.read(|objects| {
        let Some(tower) = objects.get("v1", "Service", "kubesphere-system", "tower") else {
            return (Vec::new(), Vec::new(), false);
        };
        let port = tower["spec"]["ports"][0]["port"]
            .as_u64()
            .unwrap_or_default() as u16;
        let node_port = tower["spec"]["ports"][0]["nodePort"]
            .as_u64()
            .unwrap_or_default() as u16;
        let mut routes: Vec<(String, u16)> = tower["status"]["loadBalancer"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
            .map(|ip| (ip.to_string(), port))
            .collect();
        let external_ips: Vec<String> = objects
            .list("v1", "Node", None)
            .iter()
            .flat_map(|n| {
                n["status"]["addresses"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|a: &Value| a["type"] == "ExternalIP")
            .filter_map(|a| a["address"].as_str().map(str::to_string))
            .collect();
        routes.extend(external_ips.iter().map(|ip| (ip.clone(), node_port)));
        if spec.forward {
            routes.push((PUBLIC_IP.into(), FORWARDED_PORT));
        }
        let mut public: Vec<String> = routes.iter().map(|(h, _)| h.clone()).collect();
        public.extend(external_ips);
        (routes, public, objects.has_endpoints(&tower))
    })
}

/// Where a dial from a member node to `host:port` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A public address of tower while its pods run: tower's real listener.
    Tower(SocketAddr),
    /// The right host with nothing behind the port (a wrong port, or tower stopped): the
    /// load balancer or kube-proxy rejects the connection at once.
    Refused,
    /// Any other address: across networks, nothing answers.
    TimedOut,
    /// A host name: the member's DNS (10.96.0.10) does not know it.
    NoSuchHost,
}

/// How the member's network treats a dial to `host:port`, read from the host's objects now.
pub fn route(
    host_cluster: &Cluster,
    spec: &HostSpec,
    tower: SocketAddr,
    host: &str,
    port: u16,
) -> Route {
    if host.parse::<IpAddr>().is_err() {
        return Route::NoSuchHost;
    }
    let (routes, public, tower_running) = public_routes(host_cluster, spec);
    if routes.iter().any(|(h, p)| h == host && *p == port) {
        return if tower_running {
            Route::Tower(tower)
        } else {
            Route::Refused
        };
    }
    if public.iter().any(|h| h == host) {
        return Route::Refused;
    }
    Route::TimedOut
}

/// Where the agent's dial to `host:port` lands, or Go's error for it and how long it took.
pub fn resolve(
    host_cluster: &Cluster,
    spec: &HostSpec,
    tower: SocketAddr,
    host: &str,
    port: u16,
    dial_timeout: Duration,
) -> Result<SocketAddr, DialError> {
    let fail = |message: String, after: Duration| Err(DialError { message, after });
    match route(host_cluster, spec, tower, host, port) {
        Route::Tower(address) => Ok(address),
        Route::Refused => fail(
            format!("dial tcp {host}:{port}: connect: connection refused"),
            Duration::ZERO,
        ),
        Route::TimedOut => fail(format!("dial tcp {host}:{port}: i/o timeout"), dial_timeout),
        Route::NoSuchHost => fail(
            format!("dial tcp: lookup {host} on 10.96.0.10:53: no such host"),
            Duration::ZERO,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn proxy_server_urls_are_read_like_the_agent_s_dialer() {
        assert_eq!(
            endpoint("http://139.198.120.120:30000").unwrap(),
            ("139.198.120.120".into(), 30000)
        );
        assert_eq!(
            endpoint("https://tower.example.com").unwrap(),
            ("tower.example.com".into(), 443)
        );
        assert_eq!(
            endpoint("139.198.120.120:30000").unwrap_err().0,
            "malformed ws or wss URL"
        );
    }
}
