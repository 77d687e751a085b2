//! The agent's command line as its binary reads it: cobra 1.6.1 + pflag 1.0.5 with klog's
//! flags added (TOWER `cmd/agent/app/agent.go`, `options.go`), values parsed by Go's rules
//! (`time.ParseDuration`, `strconv`, the `flag` package, klog's `Level` and friends). A flag
//! that does not parse ends the process as TOWER `cmd/agent/main.go` does: cobra prints
//! `Error: …` and the usage, then `log.Fatalln` the error, exit 1; `--help` prints the help,
//! exit 0. Every text was checked against a build of those libraries (Go 1.19, as TOWER's).

use crate::error::Reported;
use std::time::Duration;

/// What the agent runs with (TOWER `pkg/agent/options.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub name: String,
    pub token: String,
    pub server: String,
    pub kubesphere: String,
    pub kubernetes: String,
    pub kubeconfig: String,
    /// Go durations may be negative (no keepalive then): nanoseconds.
    pub keepalive: i64,
    pub max_retry: i64,
    /// After `Validate`: below one second means 5 minutes.
    pub max_retry_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: String::new(),
            token: String::new(),
            server: "http://127.0.0.1:8080".into(),
            kubesphere: "ks-apiserver.kubesphere-system.svc".into(),
            kubernetes: "kubernetes.default.svc".into(),
            kubeconfig: String::new(),
            keepalive: 30_000_000_000,
            max_retry: 0,
            max_retry_interval: Duration::from_secs(120),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run(Options),
    Help,
}

/// How each flag's value is read (its `flag.Value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// pflag's DurationVar: `time.ParseDuration`.
    Duration,
    /// pflag's IntVar: `strconv.ParseInt(s, 0, 64)`.
    Int,
    /// cobra's `--help`: pflag's bool, `strconv.ParseBool`.
    Help,
    /// klog's Go `flag` bools and uint64: their errors read "parse error".
    GoBool,
    GoUint,
    /// klog's Level: `strconv.ParseInt(s, 10, 32)`.
    Level,
    /// klog's severity: a name, else a Level.
    Severity,
    Vmodule,
    Trace,
}

const FLAGS: &[(&str, Kind)] = &[
    ("add-dir-header", Kind::GoBool),
    ("alsologtostderr", Kind::GoBool),
    ("help", Kind::Help),
    ("keepalive", Kind::Duration),
    ("kubeconfig", Kind::Text),
    ("kubernetes-service", Kind::Text),
    ("kubesphere-service", Kind::Text),
    ("log-backtrace-at", Kind::Trace),
    ("log-dir", Kind::Text),
    ("log-file", Kind::Text),
    ("log-file-max-size", Kind::GoUint),
    ("logtostderr", Kind::GoBool),
    ("max-retry", Kind::Int),
    ("max-retry-interval", Kind::Duration),
    ("name", Kind::Text),
    ("one-output", Kind::GoBool),
    ("proxy-server", Kind::Text),
    ("skip-headers", Kind::GoBool),
    ("skip-log-headers", Kind::GoBool),
    ("stderrthreshold", Kind::Severity),
    ("token", Kind::Text),
    ("v", Kind::Level),
    ("vmodule", Kind::Vmodule),
];

/// cobra's usage of the agent command, as printed after an error (and in the help).
const USAGE: &str = r#"Usage:
  Agent [flags]

Flags:
      --add-dir-header                   If true, adds the file directory to the header of the log messages
      --alsologtostderr                  log to standard error as well as files (no effect when -logtostderr=true)
  -h, --help                             help for Agent
      --keepalive duration               Keepalive duration (default 30s)
      --kubeconfig string                Use kubeconfig instead of in-cluster config
      --kubernetes-service string        Kubernetes service name (default "kubernetes.default.svc")
      --kubesphere-service string        KubeSphere service name (default "ks-apiserver.kubesphere-system.svc")
      --log-backtrace-at traceLocation   when logging hits line file:N, emit a stack trace (default :0)
      --log-dir string                   If non-empty, write log files in this directory (no effect when -logtostderr=true)
      --log-file string                  If non-empty, use this log file (no effect when -logtostderr=true)
      --log-file-max-size uint           Defines the maximum size a log file can grow to (no effect when -logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800)
      --logtostderr                      log to standard error instead of files (default true)
      --max-retry int                    Maximum retries, 0 means never stop
      --max-retry-interval duration      Maximum duration between two retries (default 2m0s)
      --name string                      Agent name
      --one-output                       If true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when -logtostderr=true)
      --proxy-server string              Proxy server address (default "http://127.0.0.1:8080")
      --skip-headers                     If true, avoid header prefixes in the log messages
      --skip-log-headers                 If true, avoid headers when opening log files (no effect when -logtostderr=true)
      --stderrthreshold severity         logs at or above this threshold go to stderr when writing to files and stderr (no effect when -logtostderr=true or -alsologtostderr=false) (default 2)
      --token string                     Token to authenticate with proxy server
  -v, --v Level                          number for the log level verbosity
      --vmodule moduleSpec               comma-separated list of pattern=N settings for file-filtered logging
"#;

/// What `--help` prints (cobra's help template: the long description, then the usage).
pub fn help() -> String {
    format!("Agent client run in user cluster\n\n{USAGE}")
}

/// What the process writes to stderr when its command line fails: cobra's error and usage,
/// then `log.Fatalln`'s line (`at` the member's clock).
pub fn failure(error: &str, at: std::time::SystemTime) -> String {
    format!(
        "Error: {error}\n{USAGE}\n{}",
        super::klog::std_line(error, at)
    )
}

/// The flag a shorthand letter stands for (pflag gives one-letter Go flags a shorthand).
fn shorthand(letter: char) -> Option<&'static str> {
    match letter {
        'h' => Some("help"),
        'v' => Some("v"),
        _ => None,
    }
}

/// The flag's name in pflag's errors: `"-v, --v"` with a shorthand, else `"--name"`.
fn display(name: &str) -> String {
    match name {
        "help" => "-h, --help".into(),
        "v" => "-v, --v".into(),
        _ => format!("--{name}"),
    }
}

fn takes_no_value(kind: Kind) -> bool {
    matches!(kind, Kind::Help | Kind::GoBool)
}

/// Reads the words after the binary (the container's command and args) as pflag does:
/// flags anywhere, `--` ends them, other words are arguments the agent ignores.
pub fn parse(words: &[&str]) -> Result<Command, Reported> {
    let mut options = Options::default();
    let mut help = false;
    let mut rest = words.iter().copied();
    while let Some(word) = rest.next() {
        if word == "--" {
            break;
        }
        if word.len() < 2 || !word.starts_with('-') {
            continue;
        }
        let found = if let Some(long) = word.strip_prefix("--") {
            if long.is_empty() || long.starts_with(['-', '=']) {
                return Err(format!("bad flag syntax: {word}").into());
            }
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let kind = kind_of(name).ok_or_else(|| format!("unknown flag: --{name}"))?;
            let value = match inline {
                Some(v) => v,
                None if takes_no_value(kind) => "true".into(),
                None => rest
                    .next()
                    .map(str::to_string)
                    .ok_or_else(|| format!("flag needs an argument: {word}"))?,
            };
            vec![(name, value)]
        } else {
            short(&word[1..], &mut rest)?
        };
        for (name, value) in found {
            set(&mut options, &mut help, name, &value)?;
        }
    }
    if options.max_retry_interval < Duration::from_secs(1) {
        options.max_retry_interval = Duration::from_secs(300);
    }
    Ok(if help {
        Command::Help
    } else {
        Command::Run(options)
    })
}

fn kind_of(name: &str) -> Option<Kind> {
    FLAGS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// One `-x…` word, read letter by letter as pflag's parseSingleShortArg does: `-v=3`, `-v3`
/// and `-v 3` give a value; `-h` takes none, so letters may follow it (`-hv3`).
fn short<'a>(
    shorthands: &str,
    rest: &mut impl Iterator<Item = &'a str>,
) -> Result<Vec<(&'static str, String)>, Reported> {
    let mut found = Vec::new();
    let mut letters = shorthands;
    while let Some(letter) = letters.chars().next() {
        let name = shorthand(letter)
            .ok_or_else(|| format!("unknown shorthand flag: '{letter}' in -{letters}"))?;
        let after = &letters[letter.len_utf8()..];
        let value = match after.strip_prefix('=') {
            Some(v) if !v.is_empty() => v.to_string(),
            _ if name == "help" => {
                found.push((name, "true".to_string()));
                letters = after;
                continue;
            }
            _ if !after.is_empty() => after.to_string(),
            _ => rest
                .next()
                .map(str::to_string)
                .ok_or_else(|| format!("flag needs an argument: '{letter}' in -{letters}"))?,
        };
        found.push((name, value));
        break;
    }
    Ok(found)
}

fn set(options: &mut Options, help: &mut bool, name: &str, value: &str) -> Result<(), Reported> {
    let kind = kind_of(name).unwrap_or(Kind::Text);
    let invalid = |why: String| {
        format!(
            "invalid argument {} for {} flag: {why}",
            go_quote(value),
            go_quote(&display(name))
        )
    };
    match kind {
        Kind::Text => {}
        Kind::Duration => {
            let nanos = parse_duration(value).map_err(|e| invalid(e.0))?;
            match name {
                "keepalive" => options.keepalive = nanos,
                _ => options.max_retry_interval = Duration::from_nanos(nanos.max(0).unsigned_abs()),
            }
        }
        Kind::Int => {
            options.max_retry =
                parse_int(value, 0, 64).map_err(|e| invalid(e.text("ParseInt", value)))?
        }
        Kind::Help => {
            *help = parse_bool(value)
                .ok_or_else(|| invalid(NumError::Syntax.text("ParseBool", value)))?
        }
        Kind::GoBool => {
            parse_bool(value).ok_or_else(|| invalid("parse error".into()))?;
        }
        Kind::GoUint => {
            parse_uint(value, 0, 64).map_err(|e| invalid(e.flag_text()))?;
        }
        Kind::Level => {
            parse_int(value, 10, 32).map_err(|e| invalid(e.text("ParseInt", value)))?;
        }
        Kind::Severity => {
            let named = ["INFO", "WARNING", "ERROR", "FATAL"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(value));
            if !named {
                parse_int(value, 10, 32).map_err(|e| invalid(e.text("ParseInt", value)))?;
            }
        }
        Kind::Vmodule => check_vmodule(value).map_err(|e| invalid(e.into()))?,
        Kind::Trace => check_trace(value).map_err(|e| invalid(e.into()))?,
    }
    let slot = match name {
        "name" => &mut options.name,
        "token" => &mut options.token,
        "proxy-server" => &mut options.server,
        "kubesphere-service" => &mut options.kubesphere,
        "kubernetes-service" => &mut options.kubernetes,
        "kubeconfig" => &mut options.kubeconfig,
        _ => return Ok(()),
    };
    *slot = value.to_string();
    Ok(())
}

/// klog's `parseModuleSpec`.
fn check_vmodule(value: &str) -> Result<(), &'static str> {
    const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
    for pattern in value.split(',').filter(|p| !p.is_empty()) {
        let parts: Vec<&str> = pattern.split('=').collect();
        let [file, level] = parts[..] else {
            return Err(SYNTAX);
        };
        if file.is_empty() || level.is_empty() {
            return Err(SYNTAX);
        }
        if parse_int(level, 10, 32).map_err(|_| SYNTAX)? < 0 {
            return Err("negative value for vmodule level");
        }
    }
    Ok(())
}

/// klog's `traceLocation.Set`.
fn check_trace(value: &str) -> Result<(), &'static str> {
    const SYNTAX: &str = "syntax error: expect file.go:234";
    if value.is_empty() {
        return Ok(());
    }
    let parts: Vec<&str> = value.split(':').collect();
    let [file, line] = parts[..] else {
        return Err(SYNTAX);
    };
    if !file.contains('.') {
        return Err(SYNTAX);
    }
    match line.parse::<i64>() {
        Ok(n) if n <= 0 => Err("negative or zero value for level"),
        Ok(_) => Ok(()),
        Err(_) => Err(SYNTAX),
    }
}

/// Go's `strconv.Quote` for the texts that reach these errors: `"` and `\` escaped,
/// control characters as Go writes them.
fn go_quote(text: &str) -> String {
    let mut quoted = String::from('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                quoted.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The `time` package's own quoting: bytes outside printable ASCII as `\xNN`.
fn time_quote(text: &str) -> String {
    let mut quoted = String::from('"');
    for b in text.bytes() {
        match b {
            b'"' | b'\\' => {
                quoted.push('\\');
                quoted.push(b as char);
            }
            0x20..=0x7e => quoted.push(b as char),
            _ => quoted.push_str(&format!("\\x{b:02x}")),
        }
    }
    quoted.push('"');
    quoted
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumError {
    Syntax,
    Range,
}

impl NumError {
    /// `strconv.NumError`'s text.
    fn text(self, function: &str, value: &str) -> String {
        let why = match self {
            Self::Syntax => "invalid syntax",
            Self::Range => "value out of range",
        };
        format!("strconv.{function}: parsing {}: {why}", go_quote(value))
    }

    /// The Go `flag` package's rewording of it.
    fn flag_text(self) -> String {
        match self {
            Self::Syntax => "parse error".into(),
            Self::Range => "value out of range".into(),
        }
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `strconv.ParseUint`; base 0 takes `0x`, `0o`, `0b` and leading-`0` (octal) prefixes
/// and `_` between digits.
fn parse_uint(value: &str, base: u32, bits: u32) -> Result<u64, NumError> {
    if value.is_empty() {
        return Err(NumError::Syntax);
    }
    let base0 = base == 0;
    let (base, digits) = if !base0 {
        (base, value)
    } else if !value.starts_with('0') {
        (10, value)
    } else {
        match value.as_bytes().get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if value.len() >= 3 => (2, &value[2..]),
            Some(b'o') if value.len() >= 3 => (8, &value[2..]),
            Some(b'x') if value.len() >= 3 => (16, &value[2..]),
            _ => (8, &value[1..]),
        }
    };
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut result: u64 = 0;
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' && base0 {
            underscores = true;
            continue;
        }
        let digit = c.to_digit(base).ok_or(NumError::Syntax)?;
        result = result
            .checked_mul(u64::from(base))
            .and_then(|r| r.checked_add(u64::from(digit)))
            .filter(|r| *r <= max)
            .ok_or(NumError::Range)?;
    }
    if underscores && !underscores_ok(value) {
        return Err(NumError::Syntax);
    }
    Ok(result)
}

/// strconv's `underscoreOK`: each `_` between digits (or after the base prefix).
fn underscores_ok(value: &str) -> bool {
    let text = value.trim_start_matches(['+', '-']).to_ascii_lowercase();
    let (hex, digits) = match text.as_bytes() {
        [b'0', b'x', ..] => (true, &text[2..]),
        [b'0', b'b' | b'o', ..] => (false, &text[2..]),
        _ => (false, text.as_str()),
    };
    // What came last: a digit (or the prefix), an underscore, or anything else.
    let mut last = if digits.len() < text.len() { '0' } else { '^' };
    for c in digits.chars() {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            last = '0';
        } else if c == '_' {
            if last != '0' {
                return false;
            }
            last = '_';
        } else {
            if last == '_' {
                return false;
            }
            last = '!';
        }
    }
    last != '_'
}

/// `strconv.ParseInt`: an optional sign, then `parse_uint`'s digits, within `bits`.
fn parse_int(value: &str, base: u32, bits: u32) -> Result<i64, NumError> {
    let (negative, magnitude) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let magnitude = parse_uint(magnitude, base, bits)?;
    let limit = 1u64 << (bits - 1);
    match (negative, magnitude) {
        (false, m) if m < limit => i64::try_from(m).map_err(|_| NumError::Range),
        (true, m) if m <= limit => Ok(0i64.wrapping_sub_unsigned(m)),
        _ => Err(NumError::Range),
    }
}

/// `time.ParseDuration`, to nanoseconds.
fn parse_duration(value: &str) -> Result<i64, Reported> {
    let invalid = || Reported(format!("time: invalid duration {}", time_quote(value)));
    let (negative, mut rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = |text: &str| {
            text.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(text.len())
        };
        let (whole, mut after) = rest.split_at(digits(rest));
        let mut fraction = "";
        if let Some(tail) = after.strip_prefix('.') {
            (fraction, after) = tail.split_at(digits(tail));
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(Reported(format!(
                "time: missing unit in duration {}",
                time_quote(value)
            )));
        }
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(Reported(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit),
                    time_quote(value)
                )))
            }
        };
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| invalid())?
        };
        // Digits past the 18th cannot move a nanosecond count below 2^63.
        let kept = fraction.len().min(18);
        let fraction: u128 = fraction[..kept].parse().unwrap_or(0);
        let part = whole
            .checked_mul(scale)
            .map(|p| p + fraction * scale / 10u128.pow(kept as u32));
        total = part
            .and_then(|p| total.checked_add(p))
            .ok_or_else(invalid)?;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
        rest = next;
    }
    match (negative, i64::try_from(total)) {
        (false, Ok(n)) => Ok(n),
        (true, Ok(n)) => Ok(-n),
        (true, Err(_)) if total == 1u128 << 63 => Ok(i64::MIN),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(words: &[&str]) -> Result<Options, Reported> {
        match parse(words)? {
            Command::Run(options) => Ok(options),
            Command::Help => Err("help".into()),
        }
    }

    /// Each case and its text as the real binary (cobra 1.6.1, pflag 1.0.5, klog 2, Go 1.19)
    /// reports it.
    #[test]
    fn bad_values_fail_with_pflag_s_words() {
        let cases = [
            (
                "--keepalive=abc",
                r#"invalid argument "abc" for "--keepalive" flag: time: invalid duration "abc""#,
            ),
            (
                "--keepalive=10",
                r#"invalid argument "10" for "--keepalive" flag: time: missing unit in duration "10""#,
            ),
            (
                "--keepalive=",
                r#"invalid argument "" for "--keepalive" flag: time: invalid duration """#,
            ),
            (
                "--keepalive=10x",
                r#"invalid argument "10x" for "--keepalive" flag: time: unknown unit "x" in duration "10x""#,
            ),
            (
                "--keepalive=5S",
                r#"invalid argument "5S" for "--keepalive" flag: time: unknown unit "S" in duration "5S""#,
            ),
            (
                "--keepalive=-",
                r#"invalid argument "-" for "--keepalive" flag: time: invalid duration "-""#,
            ),
            (
                "--keepalive=9999999h",
                r#"invalid argument "9999999h" for "--keepalive" flag: time: invalid duration "9999999h""#,
            ),
            (
                "--max-retry=abc",
                r#"invalid argument "abc" for "--max-retry" flag: strconv.ParseInt: parsing "abc": invalid syntax"#,
            ),
            (
                "--max-retry=99999999999999999999",
                r#"invalid argument "99999999999999999999" for "--max-retry" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range"#,
            ),
            (
                "--v=abc",
                r#"invalid argument "abc" for "-v, --v" flag: strconv.ParseInt: parsing "abc": invalid syntax"#,
            ),
            (
                "--logtostderr=maybe",
                r#"invalid argument "maybe" for "--logtostderr" flag: parse error"#,
            ),
            (
                "--log-file-max-size=-1",
                r#"invalid argument "-1" for "--log-file-max-size" flag: parse error"#,
            ),
            (
                "--stderrthreshold=bogus",
                r#"invalid argument "bogus" for "--stderrthreshold" flag: strconv.ParseInt: parsing "bogus": invalid syntax"#,
            ),
            (
                "--vmodule=bad",
                r#"invalid argument "bad" for "--vmodule" flag: syntax error: expect comma-separated list of filename=N"#,
            ),
            (
                "--log-backtrace-at=bad",
                r#"invalid argument "bad" for "--log-backtrace-at" flag: syntax error: expect file.go:234"#,
            ),
            ("--foo=bar", "unknown flag: --foo"),
            ("-x", "unknown shorthand flag: 'x' in -x"),
            ("--keepalive", "flag needs an argument: --keepalive"),
            ("--name", "flag needs an argument: --name"),
            ("---x", "bad flag syntax: ---x"),
            ("-hv", "flag needs an argument: 'v' in -v"),
            (
                "--keepalive=1.2.3s",
                r#"invalid argument "1.2.3s" for "--keepalive" flag: time: missing unit in duration "1.2.3s""#,
            ),
            (
                "--keepalive=1_0s",
                r#"invalid argument "1_0s" for "--keepalive" flag: time: unknown unit "_" in duration "1_0s""#,
            ),
            (
                "--max-retry=08",
                r#"invalid argument "08" for "--max-retry" flag: strconv.ParseInt: parsing "08": invalid syntax"#,
            ),
            (
                "--max-retry=1__0",
                r#"invalid argument "1__0" for "--max-retry" flag: strconv.ParseInt: parsing "1__0": invalid syntax"#,
            ),
            (
                "--vmodule=a=1,b=-1",
                r#"invalid argument "a=1,b=-1" for "--vmodule" flag: negative value for vmodule level"#,
            ),
            (
                "-v=",
                r#"invalid argument "=" for "-v, --v" flag: strconv.ParseInt: parsing "=": invalid syntax"#,
            ),
            (
                "--help=x",
                r#"invalid argument "x" for "-h, --help" flag: strconv.ParseBool: parsing "x": invalid syntax"#,
            ),
        ];
        for (word, want) in cases {
            assert_eq!(
                run(&["--name=member", word]).unwrap_err(),
                Reported::from(want),
                "{word}"
            );
        }
    }

    #[test]
    fn good_values_read_like_go() {
        let read = |words: &[&str]| run(words).unwrap();
        assert_eq!(read(&["--keepalive=1.5h"]).keepalive, 5_400_000_000_000);
        assert_eq!(read(&["--keepalive=.5s"]).keepalive, 500_000_000);
        assert_eq!(read(&["--keepalive=1h1h"]).keepalive, 7_200_000_000_000);
        assert_eq!(read(&["--keepalive=1µs"]).keepalive, 1_000);
        assert_eq!(read(&["--keepalive=+0"]).keepalive, 0);
        assert_eq!(read(&["--keepalive", "5s"]).keepalive, 5_000_000_000);
        for (text, want) in [
            ("0x1f", 31),
            ("-3", -3),
            ("+3", 3),
            ("0b11", 3),
            ("017", 15),
            ("1_000", 1000),
            ("0x_1f", 31),
        ] {
            assert_eq!(
                read(&[&format!("--max-retry={text}")]).max_retry,
                want,
                "{text}"
            );
        }
        let interval = read(&["--max-retry-interval=-1h"]).max_retry_interval;
        assert_eq!(
            interval,
            Duration::from_secs(300),
            "Validate: under 1s means 5m"
        );
        for ok in [
            &["-v", "3"][..],
            &["-v3"],
            &["-v=3"],
            &["--v", "2"],
            &["--logtostderr", "false"],
            &["--", "--keepalive=abc"],
            &["extra", "--keepalive=5m"],
        ] {
            run(ok).unwrap();
        }
        let manifest = read(&[
            "--name=member",
            "--token=abc",
            "--proxy-server=http://1.2.3.4:30000",
            "--keepalive=10s",
            "--kubesphere-service=ks-apiserver.kubesphere-system.svc:80",
            "--kubernetes-service=kubernetes.default.svc:443",
            "--v=0",
        ]);
        assert_eq!(
            (manifest.name.as_str(), manifest.token.as_str()),
            ("member", "abc")
        );
        assert_eq!(manifest.server, "http://1.2.3.4:30000");
        assert_eq!(manifest.kubernetes, "kubernetes.default.svc:443");
        assert_eq!(parse(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(&["-hv3"]).unwrap(), Command::Help);
        assert_eq!(
            parse(&["-h=false"]).unwrap(),
            Command::Run(Options::default())
        );
    }

    #[test]
    fn failures_print_cobra_s_error_usage_and_the_fatal_line() {
        let at = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_626_116);
        let text = failure("unknown flag: --foo", at);
        assert!(
            text.starts_with("Error: unknown flag: --foo\nUsage:\n  Agent [flags]\n\nFlags:\n"),
            "{text}"
        );
        assert!(text.contains(
            "      --keepalive duration               Keepalive duration (default 30s)\n"
        ));
        assert!(
            text.ends_with("file-filtered logging\n\n2025/12/01 21:55:16 unknown flag: --foo\n"),
            "{text}"
        );
        assert!(help().starts_with("Agent client run in user cluster\n\nUsage:\n"));
    }
}
