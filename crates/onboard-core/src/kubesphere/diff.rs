//! A side-by-side line diff of two small documents (a configuration is a few dozen lines,
//! so the quadratic longest-common-subsequence table is fine).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Change {
    Same,
    Removed,
    Added,
}

/// One row: the line before on the left, after on the right (absent on the other side for
/// removed and added lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DiffRow {
    pub change: Change,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn lines(before: &str, after: &str) -> Vec<DiffRow> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let row = |change, before: Option<&str>, after: Option<&str>| DiffRow {
        change,
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(row(Change::Same, Some(a[i]), Some(b[j])));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(row(Change::Removed, Some(a[i]), None));
            i += 1;
        } else {
            out.push(row(Change::Added, None, Some(b[j])));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_kept_removed_and_added_lines() {
        let rows = lines("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 9\nc: 3\nd: 4\n");
        let changes: Vec<(Change, Option<&str>, Option<&str>)> = rows
            .iter()
            .map(|r| (r.change, r.before.as_deref(), r.after.as_deref()))
            .collect();
        assert_eq!(
            changes,
            vec![
                (Change::Same, Some("a: 1"), Some("a: 1")),
                (Change::Removed, Some("b: 2"), None),
                (Change::Added, None, Some("b: 9")),
                (Change::Same, Some("c: 3"), Some("c: 3")),
                (Change::Added, None, Some("d: 4")),
            ]
        );
        assert!(lines("", "").is_empty());
        assert_eq!(lines("", "x\n")[0].change, Change::Added);
    }
}
