//! Does something answer at the proxy address, seen from this workstation? tower's proxy
//! serves `GET /health` (TOWER `pkg/proxy`; its readiness probe uses it), so for `http://`
//! we send exactly that and report the status line. For `https://` only the TCP connection
//! is tried: TLS in front of tower is the user's own (a load balancer, an ingress), and its
//! certificate is not ours to judge.
//!
//! The workstation is not a member node: an answer here is encouraging, no answer from
//! here does not prove members cannot reach it (and vice versa).

use super::proxy_url::ProxyUrl;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Reachability {
    pub url: String,
    /// A TCP connection was made.
    pub connected: bool,
    /// The HTTP status of `GET /health` (http only).
    pub health_status: Option<u16>,
    /// What happened, in one sentence.
    pub detail: String,
    pub elapsed_ms: u32,
}

pub async fn probe(url: &ProxyUrl, timeout: Duration) -> Reachability {
    let started = Instant::now();
    let mut out = Reachability {
        url: url.url.clone(),
        connected: false,
        health_status: None,
        detail: String::new(),
        elapsed_ms: 0,
    };
    let attempt = tokio::time::timeout(timeout, try_probe(url, &mut out)).await;
    if attempt.is_err() {
        out.detail = format!(
            "no answer within {} ms{}",
            timeout.as_millis(),
            if out.connected {
                " after connecting"
            } else {
                ""
            }
        );
    }
    out.elapsed_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    out
}

async fn try_probe(url: &ProxyUrl, out: &mut Reachability) {
    let mut stream = match TcpStream::connect((url.host.as_str(), url.port)).await {
        Ok(stream) => stream,
        Err(e) => {
            out.detail = format!(
                "could not connect to {}:{}: {}",
                url.host,
                url.port,
                e.kind()
            );
            return;
        }
    };
    out.connected = true;
    if url.https {
        out.detail =
            "TCP connection made; https is not checked further (TLS in front of tower is yours)"
                .into();
        return;
    }
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: ks-onboard\r\nConnection: close\r\n\r\n",
        url.port
    );
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        out.detail = format!("connected, but sending the request failed: {}", e.kind());
        return;
    }
    // The status line is all we need; read little, whatever answers.
    let mut buffer = vec![0u8; 256];
    let mut filled = 0;
    while filled < buffer.len() {
        match stream.read(&mut buffer[filled..]).await {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if buffer[..filled].contains(&b'\n') {
                    break;
                }
            }
            Err(e) => {
                out.detail = format!("connected, but reading the answer failed: {}", e.kind());
                return;
            }
        }
    }
    let head = String::from_utf8_lossy(&buffer[..filled]);
    let status = head
        .lines()
        .next()
        .filter(|line| line.starts_with("HTTP/"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok());
    out.health_status = status;
    out.detail = match status {
        Some(200) => {
            "GET /health answered 200: something healthy answers there (tower's proxy does)".into()
        }
        Some(code) => {
            format!("GET /health answered {code}: something answers, but not a healthy tower")
        }
        None if filled == 0 => "connected, but the connection closed without an HTTP answer".into(),
        None => "connected, but the answer is not HTTP".into(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubesphere::proxy_url;
    use tokio::net::TcpListener;

    async fn serve_once(answer: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 1024];
            let n = socket.read(&mut request).await.unwrap();
            assert!(String::from_utf8_lossy(&request[..n]).starts_with("GET /health HTTP/1.1\r\n"));
            socket.write_all(answer).await.unwrap();
        });
        port
    }

    fn url(port: u16, scheme: &str) -> ProxyUrl {
        proxy_url::parse(&format!("{scheme}://127.0.0.1:{port}")).unwrap()
    }

    #[tokio::test]
    async fn a_healthy_answer_is_reported_with_its_status() {
        let port = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let result = probe(&url(port, "http"), Duration::from_secs(5)).await;
        assert!(result.connected);
        assert_eq!(result.health_status, Some(200), "{result:?}");
        let port = serve_once(b"HTTP/1.1 404 Not Found\r\n\r\n").await;
        let result = probe(&url(port, "http"), Duration::from_secs(5)).await;
        assert_eq!(result.health_status, Some(404));
        assert!(result.detail.contains("not a healthy tower"));
    }

    #[tokio::test]
    async fn nothing_listening_and_silence_are_told_apart() {
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let result = probe(&url(port, "http"), Duration::from_secs(5)).await;
        assert!(!result.connected);
        assert!(result.detail.contains("could not connect"), "{result:?}");

        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let result = probe(&url(port, "http"), Duration::from_millis(300)).await;
        assert!(result.connected, "the kernel accepts on a listening socket");
        assert_eq!(result.health_status, None);
        assert!(
            result
                .detail
                .contains("no answer within 300 ms after connecting"),
            "{result:?}"
        );
        drop(silent);
    }
}
