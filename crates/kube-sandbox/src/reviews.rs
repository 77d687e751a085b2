//! The self-review resources: SelfSubjectAccessReview (`kubectl auth can-i`),
//! SelfSubjectRulesReview (`auth can-i --list`) and SelfSubjectReview (`auth whoami`).

use crate::auth::Identity;
use crate::rbac::{self, Attributes};
use crate::store::Store;
use serde_json::{json, Value};

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// Fills in `status` of a review created by `who`; None for kinds that are not reviews.
pub fn answer(kind: &str, mut review: Value, who: &Identity, store: &Store) -> Option<Value> {
    match kind {
        "SelfSubjectAccessReview" => {
            let spec = &review["spec"];
            let attrs = if let Some(r) = spec.get("resourceAttributes").filter(|r| r.is_object()) {
                Attributes {
                    verb: str_of(r, "verb"),
                    group: str_of(r, "group"),
                    resource: str_of(r, "resource"),
                    subresource: str_of(r, "subresource"),
                    namespace: str_of(r, "namespace"),
                    name: str_of(r, "name"),
                    path: None,
                }
            } else {
                let n = &spec["nonResourceAttributes"];
                Attributes {
                    verb: str_of(n, "verb"),
                    path: Some(str_of(n, "path")),
                    ..Default::default()
                }
            };
            let allowed = rbac::allowed(store, who, &attrs);
            review["status"] = json!({"allowed": allowed});
        }
        "SelfSubjectRulesReview" => {
            let namespace = review["spec"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let rules = rbac::rules_for(store, who, &namespace);
            let resource_rules: Vec<Value> = rules
                .iter()
                .filter(|r| r.get("resources").is_some())
                .map(|r| json!({"verbs": r["verbs"], "apiGroups": r["apiGroups"], "resources": r["resources"], "resourceNames": r.get("resourceNames").cloned().unwrap_or(json!([]))}))
                .collect();
            let non_resource_rules: Vec<Value> = rules
                .iter()
                .filter(|r| r.get("nonResourceURLs").is_some())
                .map(|r| json!({"verbs": r["verbs"], "nonResourceURLs": r["nonResourceURLs"]}))
                .collect();
            review["status"] = json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false});
        }
        "SelfSubjectReview" => {
            review["status"] = json!({"userInfo": {"username": who.user, "groups": who.groups}});
        }
        _ => return None,
    }
    if review["metadata"].is_null() {
        review["metadata"] = json!({});
    }
    review["metadata"]["creationTimestamp"] = Value::Null;
    Some(review)
}
