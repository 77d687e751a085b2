//! busybox `wget` (1.36, `networking/wget.c`) in a member container, as a reachability probe
//! of the proxy address runs it: `wget -q -T 5 -O - http://139.198.120.120:8080/health`. The
//! dial goes through the member's network (`network::route`, the agent's), and where it
//! leads to tower, a real HTTP GET to tower's listener follows. The process then ends as
//! busybox's does: the body on stdout (`-O -`) and exit 0, or its error on stderr and exit 1
//! (`can't connect to remote host (H): Connection refused`, `download timed out`, `bad
//! address 'H'`, `server returned error: HTTP/1.1 404 Not Found`); the kubelet does the rest.

use super::network::{self, Route};
use super::programs::Instance;
use super::{wire, World};
use crate::error::Reported;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One wget invocation: what it fetches and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wget {
    url: String,
    quiet: bool,
    to_stdout: bool,
    /// `-T SEC`: gives up on a connection (or a read) after this long.
    timeout: Option<Duration>,
}

/// busybox wget's short options that take a value (getopt32 `O:o:P:Y:U:T:t:`) and long ones.
const SHORT_WITH_VALUE: &str = "OoPYUTt";
const LONG_WITH_VALUE: &[&str] = &[
    "output-document",
    "output-file",
    "directory-prefix",
    "proxy",
    "user-agent",
    "timeout",
    "tries",
    "header",
    "post-data",
    "post-file",
];

impl Wget {
    /// The wget this container runs (`wget …`, `/bin/wget …` or `busybox wget …`), if any.
    pub fn of(instance: &Instance) -> Option<Self> {
        let argv = instance.argv();
        let program = |word: &str| word.rsplit('/').next().unwrap_or(word).to_string();
        let args = match argv.as_slice() {
            [first, rest @ ..] if program(first) == "wget" => rest,
            [first, second, rest @ ..] if program(first) == "busybox" && *second == "wget" => rest,
            _ => return None,
        };
        let mut wget = Wget {
            url: String::new(),
            quiet: false,
            to_stdout: false,
            timeout: None,
        };
        let mut words = args.iter().copied();
        while let Some(word) = words.next() {
            let (option, value) = if let Some(long) = word.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let value = LONG_WITH_VALUE
                    .contains(&name)
                    .then(|| inline.or_else(|| words.next().map(str::to_string)))
                    .flatten();
                let option = match name {
                    "quiet" => 'q',
                    "output-document" => 'O',
                    "timeout" => 'T',
                    _ => continue,
                };
                (option, value)
            } else if let Some(letters) = word.strip_prefix('-').filter(|l| !l.is_empty()) {
                // Bundled letters (`-qO-`): the first that takes a value takes the rest.
                let mut found = ('-', None);
                for (i, letter) in letters.char_indices() {
                    if letter == 'q' {
                        wget.quiet = true;
                    } else if SHORT_WITH_VALUE.contains(letter) {
                        let rest = &letters[i + letter.len_utf8()..];
                        let value = match rest {
                            "" => words.next().map(str::to_string),
                            rest => Some(rest.to_string()),
                        };
                        found = (letter, value);
                        break;
                    }
                }
                found
            } else {
                if wget.url.is_empty() {
                    wget.url = word.to_string();
                }
                continue;
            };
            match option {
                'q' => wget.quiet = true,
                'O' => wget.to_stdout = value.as_deref() == Some("-"),
                'T' => wget.timeout = value.and_then(|v| v.parse().ok()).map(Duration::from_secs),
                _ => {}
            }
        }
        (!wget.url.is_empty()).then_some(wget)
    }
}

/// Where the URL points, as busybox's parse_url reads it: (host as written, host, port, path).
fn parse_url(url: &str) -> Result<(String, String, u16, String), Reported> {
    let (default_port, rest) = match url.split_once("://") {
        Some(("http", rest)) => (80, rest),
        Some(("https", rest)) => (443, rest),
        Some(("ftp", rest)) => (21, rest),
        Some(_) => return Err(format!("not an http or ftp url: {url}").into()),
        None => (80, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let path = match path.strip_prefix('/') {
        Some(p) => format!("/{}", p.split('#').next().unwrap_or_default()),
        None => format!("/{}", path.split('#').next().unwrap_or_default()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| Reported(format!("bad port '{port}'")))?;
            (host, port)
        }
        _ => (authority, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((authority.to_string(), host.to_string(), port, path))
}

/// The GET once the connection is up: the body, or busybox's error.
async fn fetch(
    world: &World,
    stream: TcpStream,
    written: &str,
    path: &str,
) -> Result<String, Reported> {
    let mut reader = BufReader::new(stream);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {written}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n"
    );
    let lost = |_| Reported::from("error getting response: Connection reset by peer");
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(lost)?;
    tokio::time::sleep(world.rtt).await;
    let head = wire::read_head(&mut reader)
        .await
        .ok_or_else(|| Reported::from("error getting response"))?;
    if !matches!(head.status(), Some(200..=299)) {
        return Err(format!("server returned error: {}", head.start).into());
    }
    let mut body = Vec::new();
    match head
        .header("Content-Length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).await.map_err(lost)?;
        }
        None => {
            reader.read_to_end(&mut body).await.map_err(lost)?;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// What the process writes to stdout or stderr, and its exit code.
async fn wget(world: &World, wget: &Wget) -> (String, i32) {
    let fail = |why: String| (format!("wget: {why}\n"), 1);
    let (written, host, port, path) = match parse_url(&wget.url) {
        Ok(parts) => parts,
        Err(why) => return fail(why.0),
    };
    let connecting = if wget.quiet {
        String::new()
    } else {
        format!("Connecting to {written} ({host}:{port})\n")
    };
    let route = network::route(&world.host, &world.spec, world.tower_address, &host, port);
    let outcome = match route {
        Route::NoSuchHost => return fail(format!("bad address '{written}'")),
        Route::Refused => Err(Reported(format!(
            "can't connect to remote host ({host}): Connection refused"
        ))),
        Route::TimedOut => {
            let waited = wget.timeout.map_or(world.timing.dial_timeout, |t| {
                t.min(world.timing.dial_timeout)
            });
            tokio::time::sleep(waited).await;
            Err(Reported(match wget.timeout {
                Some(_) => "download timed out".to_string(),
                None => format!("can't connect to remote host ({host}): Connection timed out"),
            }))
        }
        Route::Tower(address) => {
            tokio::time::sleep(world.rtt).await;
            match TcpStream::connect(address).await {
                Ok(stream) => fetch(world, stream, &written, &path).await,
                Err(_) => Err(Reported(format!(
                    "can't connect to remote host ({host}): Connection refused"
                ))),
            }
        }
    };
    match outcome {
        // Without `-O -` the body goes to a file in the container.
        Ok(body) if wget.to_stdout => (connecting + &body, 0),
        Ok(_) => (connecting, 0),
        Err(why) => (connecting + &format!("wget: {why}\n"), 1),
    }
}

/// The wget process of one container instance.
pub async fn program(world: Arc<World>, instance: Instance, invocation: Wget) {
    let (output, exit_code) = wget(&world, &invocation).await;
    let member = &world.member;
    member.append_pod_log(&instance.namespace, &instance.pod, instance.name(), &output);
    member.container_exited(
        &instance.namespace,
        &instance.pod,
        instance.name(),
        exit_code,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn instance(command: serde_json::Value) -> Instance {
        Instance {
            namespace: "default".into(),
            pod: "p".into(),
            container: json!({"name": "probe", "command": command}),
        }
    }

    #[test]
    fn probe_commands_are_recognised_by_their_wget() {
        let probe = instance(json!([
            "wget",
            "-q",
            "-T",
            "5",
            "-O",
            "-",
            "http://139.198.120.120:8080/health"
        ]));
        assert_eq!(
            Wget::of(&probe),
            Some(Wget {
                url: "http://139.198.120.120:8080/health".into(),
                quiet: true,
                to_stdout: true,
                timeout: Some(Duration::from_secs(5)),
            })
        );
        let busybox = instance(json!(["busybox", "wget", "-qO-", "-T5", "h:1/x"]));
        assert!(Wget::of(&busybox).is_some_and(|w| w.url == "h:1/x"));
        assert_eq!(Wget::of(&instance(json!(["sleep", "3600"]))), None);
        assert_eq!(Wget::of(&instance(json!(["wget", "-q"]))), None, "no URL");
    }

    #[test]
    fn urls_are_split_like_busybox() {
        let parts = parse_url;
        assert_eq!(
            parts("http://139.198.120.120:8080/health").unwrap(),
            (
                "139.198.120.120:8080".into(),
                "139.198.120.120".into(),
                8080,
                "/health".into()
            )
        );
        assert_eq!(parts("tower.example.com").unwrap().2, 80);
        assert_eq!(parts("https://h/x").unwrap().2, 443);
        assert_eq!(parts("http://h:99999/").unwrap_err().0, "bad port '99999'");
        assert_eq!(
            parts("ftp2://x/y").unwrap_err().0,
            "not an http or ftp url: ftp2://x/y"
        );
    }
}
