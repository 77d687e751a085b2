//! The subset of JSONPath CRD printer columns use: `.a.b`, `.a[0]`, `.a[*].b` and filters
//! like `.status.conditions[?(@.type=="Ready")].status`.

use serde_json::Value;

enum Step {
    Field(String),
    Index(usize),
    All,
    Filter(String, String),
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('$');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            steps.push(Step::Field(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = &after[..end];
            if inner == "*" {
                steps.push(Step::All);
            } else if let Some(filter) =
                inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')'))
            {
                let (field, value) = filter.split_once("==")?;
                steps.push(Step::Filter(
                    field.trim().into(),
                    value.trim().trim_matches(['"', '\'']).into(),
                ));
            } else {
                steps.push(Step::Index(inner.parse().ok()?));
            }
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first value the path selects, if any.
pub fn first(object: &Value, path: &str) -> Option<Value> {
    let steps = parse(path)?;
    let mut current = vec![object];
    for step in &steps {
        current = current
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match step {
                    Step::Field(f) => v.get(f).into_iter().collect(),
                    Step::Index(i) => v.get(*i).into_iter().collect(),
                    Step::All => v.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
                    Step::Filter(field, value) => v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter(|item| {
                                    item.get(field).is_some_and(|f| scalar_text(f) == *value)
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
    }
    current.first().map(|v| (*v).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_select_conditions_by_type() {
        let o = json!({"status": {"conditions": [{"type": "Init", "status": "True"}, {"type": "Ready", "status": "False"}]}});
        assert_eq!(
            first(&o, ".status.conditions[?(@.type==\"Ready\")].status"),
            Some(json!("False"))
        );
        assert_eq!(first(&o, ".status.conditions[0].type"), Some(json!("Init")));
        assert_eq!(first(&o, ".spec.missing"), None);
    }
}
