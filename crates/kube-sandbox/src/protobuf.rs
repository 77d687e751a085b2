//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl's typed
//! clients send for `create secret`, `create configmap`, `create namespace`, `auth can-i`,
//! `create deployment|service|role|…` and `--dry-run=server` on those. The envelope is `k8s\0` + runtime.Unknown; the kinds
//! we decode are turned into the JSON the rest of the server works on.

use crate::status::{ApiError, ApiResult};
use base64::Engine;
use k8s_pb::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_pb::apimachinery::pkg::runtime::Unknown;
use prost::Message;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const MAGIC: &[u8] = b"k8s\0";

fn opt(map: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        map.insert(key.into(), json!(v));
    }
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    json!(m)
}

fn bytes_map(m: &BTreeMap<String, Vec<u8>>) -> Value {
    let engine = base64::engine::general_purpose::STANDARD;
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), json!(engine.encode(v))))
            .collect(),
    )
}

fn metadata(meta: Option<&ObjectMeta>) -> Value {
    let mut out = Map::new();
    if let Some(m) = meta {
        opt(&mut out, "name", m.name.as_ref());
        opt(&mut out, "generateName", m.generate_name.as_ref());
        opt(&mut out, "namespace", m.namespace.as_ref());
        opt(&mut out, "resourceVersion", m.resource_version.as_ref());
        opt(&mut out, "uid", m.uid.as_ref());
        if !m.labels.is_empty() {
            out.insert("labels".into(), string_map(&m.labels));
        }
        if !m.annotations.is_empty() {
            out.insert("annotations".into(), string_map(&m.annotations));
        }
        if !m.finalizers.is_empty() {
            out.insert("finalizers".into(), json!(m.finalizers));
        }
    }
    Value::Object(out)
}

fn insert_non_empty(object: &mut Value, key: &str, value: Value) {
    let empty = value.as_object().is_some_and(Map::is_empty)
        || value.as_array().is_some_and(Vec::is_empty)
        || value.is_null();
    if !empty {
        object[key] = value;
    }
}

fn decode_kind(kind: &str, raw: &[u8]) -> Result<Value, prost::DecodeError> {
    use k8s_pb::api::authentication::v1 as authn;
    use k8s_pb::api::authorization::v1 as authz;
    use k8s_pb::api::core::v1 as core;
    Ok(match kind {
        "Secret" => {
            let s = core::Secret::decode(raw)?;
            let mut o = json!({"metadata": metadata(s.metadata.as_ref())});
            insert_non_empty(&mut o, "data", bytes_map(&s.data));
            insert_non_empty(&mut o, "stringData", string_map(&s.string_data));
            if let Some(t) = s.r#type.filter(|t| !t.is_empty()) {
                o["type"] = json!(t);
            }
            if let Some(i) = s.immutable {
                o["immutable"] = json!(i);
            }
            o
        }
        "ConfigMap" => {
            let c = core::ConfigMap::decode(raw)?;
            let mut o = json!({"metadata": metadata(c.metadata.as_ref())});
            insert_non_empty(&mut o, "data", string_map(&c.data));
            insert_non_empty(&mut o, "binaryData", bytes_map(&c.binary_data));
            if let Some(i) = c.immutable {
                o["immutable"] = json!(i);
            }
            o
        }
        "Namespace" => {
            json!({"metadata": metadata(core::Namespace::decode(raw)?.metadata.as_ref())})
        }
        "ServiceAccount" => {
            json!({"metadata": metadata(core::ServiceAccount::decode(raw)?.metadata.as_ref())})
        }
        "SelfSubjectAccessReview" => {
            let r = authz::SelfSubjectAccessReview::decode(raw)?;
            let spec = r.spec.unwrap_or_default();
            let mut spec_json = json!({});
            if let Some(a) = spec.resource_attributes {
                let mut attrs = Map::new();
                for (k, v) in [
                    ("namespace", &a.namespace),
                    ("verb", &a.verb),
                    ("group", &a.group),
                    ("version", &a.version),
                    ("resource", &a.resource),
                    ("subresource", &a.subresource),
                    ("name", &a.name),
                ] {
                    opt(&mut attrs, k, v.as_ref());
                }
                spec_json["resourceAttributes"] = Value::Object(attrs);
            }
            if let Some(a) = spec.non_resource_attributes {
                let mut attrs = Map::new();
                opt(&mut attrs, "path", a.path.as_ref());
                opt(&mut attrs, "verb", a.verb.as_ref());
                spec_json["nonResourceAttributes"] = Value::Object(attrs);
            }
            json!({"metadata": metadata(r.metadata.as_ref()), "spec": spec_json})
        }
        "SelfSubjectRulesReview" => {
            let r = authz::SelfSubjectRulesReview::decode(raw)?;
            let namespace = r.spec.and_then(|s| s.namespace).unwrap_or_default();
            json!({"metadata": metadata(r.metadata.as_ref()), "spec": {"namespace": namespace}})
        }
        "SelfSubjectReview" => {
            json!({"metadata": metadata(authn::SelfSubjectReview::decode(raw)?.metadata.as_ref())})
        }
        other => return crate::protobuf_workloads::decode(other, raw, &metadata),
    })
}

/// Decodes a protobuf body into JSON with apiVersion and kind; 415 for kinds we don't read.
pub fn decode(body: &[u8]) -> ApiResult<Value> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| ApiError::bad_request("protobuf body without the k8s envelope"))?;
    let unknown = Unknown::decode(envelope)
        .map_err(|e| ApiError::bad_request(format!("invalid protobuf envelope: {e}")))?;
    let type_meta = unknown.type_meta.unwrap_or_default();
    let kind = type_meta.kind.unwrap_or_default();
    let mut object = decode_kind(&kind, unknown.raw.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("invalid protobuf {kind}: {e}")))?;
    if object.is_null() {
        return Err(ApiError::unsupported_media_type(&format!("application/vnd.kubernetes.protobuf ({kind} bodies are not supported by the sandbox; send JSON)")));
    }
    object["apiVersion"] = json!(type_meta.api_version.unwrap_or_default());
    object["kind"] = json!(kind);
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_pb::api::core::v1::Secret;
    use k8s_pb::apimachinery::pkg::runtime::TypeMeta;

    #[test]
    fn secrets_decode_from_the_envelope() {
        let secret = Secret {
            metadata: Some(ObjectMeta {
                name: Some("tower".into()),
                ..Default::default()
            }),
            data: BTreeMap::from([("k".to_string(), b"v".to_vec())]),
            r#type: Some("Opaque".into()),
            ..Default::default()
        };
        let unknown = Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some("v1".into()),
                kind: Some("Secret".into()),
            }),
            raw: Some(secret.encode_to_vec()),
            content_encoding: None,
            content_type: None,
        };
        let mut body = MAGIC.to_vec();
        body.extend(unknown.encode_to_vec());
        let json = decode(&body).unwrap();
        assert_eq!(json["metadata"]["name"], "tower");
        assert_eq!(json["data"]["k"], "dg==");
        assert_eq!(json["kind"], "Secret");
    }
}
