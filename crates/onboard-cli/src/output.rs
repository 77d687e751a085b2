//! Prints results as a kubectl-style table, JSON or YAML.

use crate::cli::Output;
use serde::Serialize;
use std::io::{BufWriter, Write};

/// Something the CLI can print in every output format.
pub trait Printable: Serialize {
    /// Column headers, upper-case like kubectl's.
    fn headers() -> &'static [&'static str];
    /// One row of cells per item, in header order.
    fn rows(&self) -> Vec<Vec<String>>;
    /// The items' names for `-o name`; `None` where a command has no names to list.
    fn names(&self) -> Option<Vec<String>> {
        None
    }
}

pub fn print<T: Printable>(value: &T, format: Output) -> onboard_core::Result<()> {
    to_stdout(|out| write(out, value, format))
}

/// The two document formats, for commands that print one big document (`kubeconfig view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Json,
    Yaml,
}

/// `-o json|yaml` as a document format; `None` for the table and `-o name`.
pub fn document_format(format: Output) -> Option<Document> {
    match format {
        Output::Json => Some(Document::Json),
        Output::Yaml => Some(Document::Yaml),
        Output::Table | Output::Name => None,
    }
}

/// Prints `value` as it is serialized, never holding the whole text: a merged kubeconfig
/// of 50,000 contexts is 300 MB.
pub fn print_document<T: Serialize + ?Sized>(
    value: &T,
    format: Document,
) -> onboard_core::Result<()> {
    to_stdout(|out| write_document(out, value, format))
}

fn to_stdout(
    write: impl FnOnce(&mut dyn Write) -> onboard_core::Result<()>,
) -> onboard_core::Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    write(&mut out)?;
    out.flush().map_err(|e| internal("output", &e))
}

fn write<T: Printable>(out: &mut dyn Write, value: &T, format: Output) -> onboard_core::Result<()> {
    let text = match format {
        Output::Table => table(T::headers(), &value.rows()),
        Output::Json => return write_document(out, value, Document::Json),
        Output::Yaml => return write_document(out, value, Document::Yaml),
        Output::Name => value
            .names()
            .map(|names| names.iter().map(|n| format!("{n}\n")).collect())
            .ok_or_else(|| {
                onboard_core::Error::invalid_input("this command has no -o name output")
                    .with_hint("use -o table, json or yaml")
            })?,
    };
    out.write_all(text.as_bytes())
        .map_err(|e| internal("output", &e))
}

fn write_document<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
    format: Document,
) -> onboard_core::Result<()> {
    match format {
        Document::Json => serde_json::to_writer_pretty(&mut *out, value)
            .map_err(|e| internal("JSON", &e))
            .and_then(|()| out.write_all(b"\n").map_err(|e| internal("JSON", &e))),
        // YAML 1.1 readers (kubectl, Helm) take a bare `yes` or `off` for a boolean: quote them.
        Document::Yaml => onboard_core::kubeconfig::yaml11::to_string(value)
            .map_err(|e| internal("YAML", &e))
            .and_then(|text| {
                out.write_all(text.as_bytes())
                    .map_err(|e| internal("YAML", &e))
            }),
    }
}

fn internal(format: &str, error: &dyn std::fmt::Display) -> onboard_core::Error {
    onboard_core::Error::new(
        onboard_core::ErrorKind::Internal,
        format!("could not write the result as {format}: {error}"),
    )
    .with_hint("try another -o format and report this bug")
}

/// Left-aligned columns separated by three spaces, as kubectl's tabwriter prints them.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header_row).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i] - cell.chars().count() + 3;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render<T: Printable>(value: &T, format: Output) -> onboard_core::Result<String> {
        let mut out = Vec::new();
        write(&mut out, value, format)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[derive(Serialize)]
    struct Pair(Vec<(String, String)>);

    impl Printable for Pair {
        fn headers() -> &'static [&'static str] {
            &["NAME", "VALUE"]
        }
        fn rows(&self) -> Vec<Vec<String>> {
            self.0
                .iter()
                .map(|(a, b)| vec![a.clone(), b.clone()])
                .collect()
        }
    }

    #[test]
    fn table_aligns_columns_with_three_spaces() {
        let value = Pair(vec![
            ("a".into(), "1".into()),
            ("longer".into(), "2".into()),
        ]);
        assert_eq!(
            render(&value, Output::Table).unwrap(),
            "NAME     VALUE\na        1\nlonger   2\n"
        );
    }

    #[test]
    fn table_counts_characters_not_bytes() {
        let value = Pair(vec![("集群".into(), "x".into())]);
        assert_eq!(
            render(&value, Output::Table).unwrap(),
            "NAME   VALUE\n集群     x\n"
        );
    }

    #[test]
    fn json_and_yaml_serialize_the_value_itself() {
        let value = Pair(vec![("a".into(), "1".into())]);
        assert_eq!(
            render(&value, Output::Json).unwrap(),
            "[\n  [\n    \"a\",\n    \"1\"\n  ]\n]\n"
        );
        assert_eq!(render(&value, Output::Yaml).unwrap(), "- - a\n  - '1'\n");
        // A context named `yes` stays a string for YAML 1.1 readers.
        let named_yes = Pair(vec![("yes".into(), "off".into())]);
        let yaml = render(&named_yes, Output::Yaml).unwrap();
        assert!(!yaml.contains("- yes") && !yaml.contains("- off"), "{yaml}");
    }
}
