//! The request pipeline: faults, authentication, routing, RBAC, then the verb.

use crate::auth::{self, Identity};
use crate::clock::Clock;
use crate::discovery;
use crate::faults::{Injected, RequestLine};
use crate::http::{self, Body};
use crate::logs;
use crate::openapi;
use crate::protobuf;
use crate::rbac::{self, Attributes};
use crate::registry::ResourceType;
use crate::request::{route, Query, Route, Target};
use crate::reviews;
use crate::scale;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::service_proxy::ProxyRequest;
use crate::state::Shared;
use crate::status::{ApiError, ApiResult};
use crate::table::{table, Include};
use crate::watch::{self, WatchRequest};
use crate::world::{DeleteOptions, PatchKind, Propagation, WriteOptions};
use base64::Engine;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The connection is dropped without an answer (an injected reset, or an unreadable body).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped")
    }
}

impl std::error::Error for Dropped {}

/// One request, read and authenticated.
struct Call {
    method: Method,
    query: Query,
    content_type: String,
    accept: String,
    user_agent: String,
    body: Bytes,
    who: Identity,
    /// The cluster's clock: Table ages are taken at its time.
    clock: Clock,
}

fn header(req: &Request<Incoming>, name: hyper::header::HeaderName) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Answers one request; every answer carries a `Date` header from the cluster's clock
/// (hyper would write the machine's).
pub async fn serve(
    shared: Arc<Shared>,
    peer_cert: Option<Arc<Vec<u8>>>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let mut response = answer(&shared, peer_cert, req).await?;
    if let Ok(date) = shared.clock.http_date().parse() {
        response.headers_mut().insert(hyper::header::DATE, date);
    }
    Ok(response)
}

async fn answer(
    shared: &Arc<Shared>,
    peer_cert: Option<Arc<Vec<u8>>>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let path = req.uri().path().to_string();
    let latency = shared.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let line = RequestLine {
        method: req.method().as_str(),
        path: &path,
        query: req.uri().query().unwrap_or_default(),
    };
    match shared.faults.on_request(&line) {
        Some(Injected::Reset) => return Err(Dropped),
        Some(Injected::Respond(e)) => return Ok(http::error(&e)),
        Some(Injected::Hang(struck)) => {
            struck.notify_one();
            return hang().await;
        }
        Some(Injected::HangAfterServing(struck)) => {
            let _served = serve_request(shared, peer_cert, req, path).await;
            struck.notify_one();
            return hang().await;
        }
        None => {}
    }
    serve_request(shared, peer_cert, req, path).await
}

/// Never answers; the connection is closed when the cluster stops.
async fn hang() -> Result<Response<Body>, Dropped> {
    std::future::pending::<()>().await;
    Err(Dropped)
}

async fn serve_request(
    shared: &Arc<Shared>,
    peer_cert: Option<Arc<Vec<u8>>>,
    req: Request<Incoming>,
    path: String,
) -> Result<Response<Body>, Dropped> {
    let authorization = header(&req, hyper::header::AUTHORIZATION);
    let who = auth::authenticate(
        &shared.users(),
        Some(authorization.as_str()).filter(|a| !a.is_empty()),
        peer_cert.as_deref().map(Vec::as_slice),
        shared.clock.now(),
    );
    let Some(who) = who else {
        return Ok(http::error(&ApiError::unauthorized()));
    };
    let who = match impersonate(shared, who, &req) {
        Ok(who) => who,
        Err(e) => return Ok(http::error(&e)),
    };
    let req_query = req.uri().query().unwrap_or_default().to_string();
    let call = Call {
        method: req.method().clone(),
        query: Query::parse(req.uri().query()),
        content_type: header(&req, hyper::header::CONTENT_TYPE),
        accept: header(&req, hyper::header::ACCEPT),
        user_agent: header(&req, hyper::header::USER_AGENT),
        body: req
            .into_body()
            .collect()
            .await
            .map_err(|_| Dropped)?
            .to_bytes(),
        who,
        clock: shared.clock.clone(),
    };
    let query = req_query;
    let answer = match route(&path) {
        Route::Object(target) => resource(shared, &call, target),
        Route::ServiceProxy {
            namespace,
            service,
            path,
        } => service_proxy(shared, &call, &namespace, &service, &path, &query),
        Route::Unknown => Err(ApiError::path_not_found()),
        other => non_resource(shared, &call, &path, other),
    };
    Ok(answer.unwrap_or_else(|e| http::error(&e)))
}

/// `Impersonate-User` / `Impersonate-Group` (kubectl `--as`, `--as-group`): allowed when
/// the requester may `impersonate` users and groups, as RBAC decides.
fn impersonate(shared: &Shared, who: Identity, req: &Request<Incoming>) -> ApiResult<Identity> {
    let Some(user) = req
        .headers()
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(who);
    };
    let groups: Vec<String> = req
        .headers()
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    let world = shared.world();
    let checks = std::iter::once(("users", user.to_string()))
        .chain(groups.iter().map(|g| ("groups", g.clone())));
    for (resource, name) in checks {
        let attrs = Attributes {
            verb: "impersonate".into(),
            resource: resource.into(),
            name,
            ..Default::default()
        };
        if !rbac::allowed(&world.store, &who, &attrs) {
            return Err(ApiError::forbidden(
                rbac::forbidden_message(&who, &attrs),
                "",
                resource,
                &attrs.name,
            ));
        }
    }
    let mut groups = groups;
    groups.push("system:authenticated".into());
    Ok(Identity {
        user: user.to_string(),
        groups,
    })
}

/// The service proxy: RBAC `get` on `services/proxy`, then the Service's backend.
fn service_proxy(
    shared: &Shared,
    call: &Call,
    namespace: &str,
    service: &str,
    path: &str,
    query: &str,
) -> ApiResult<Response<Body>> {
    if call.method != Method::GET {
        return Err(ApiError::method_not_supported(
            "",
            "services/proxy",
            call.method.as_str(),
        ));
    }
    let attrs = Attributes {
        verb: "get".into(),
        resource: "services".into(),
        subresource: "proxy".into(),
        namespace: namespace.into(),
        name: service.into(),
        ..Default::default()
    };
    if !rbac::allowed(&shared.world().store, &call.who, &attrs) {
        return Err(ApiError::forbidden(
            rbac::forbidden_message(&call.who, &attrs),
            "",
            "services",
            service,
        ));
    }
    crate::service_proxy::serve(shared, namespace, service, &ProxyRequest { path, query })
}

fn non_resource(
    shared: &Shared,
    call: &Call,
    path: &str,
    route: Route,
) -> ApiResult<Response<Body>> {
    if call.method != Method::GET {
        return Err(ApiError::method_not_supported(
            "",
            path,
            call.method.as_str(),
        ));
    }
    let world = shared.world();
    let attrs = Attributes {
        verb: "get".into(),
        path: Some(path.to_string()),
        ..Default::default()
    };
    if !rbac::allowed(&world.store, &call.who, &attrs) {
        return Err(ApiError::forbidden(
            rbac::forbidden_message(&call.who, &attrs),
            "",
            "",
            "",
        ));
    }
    let registry = &world.registry;
    let doc = match route {
        Route::Version => Some(discovery::version()),
        Route::Health => return Ok(http::text(200, "ok".into())),
        Route::CoreVersions | Route::Groups if call.accept.contains(discovery::AGGREGATED) => {
            let doc = discovery::aggregated(registry, route == Route::CoreVersions);
            return Ok(http::typed_json(
                200,
                discovery::AGGREGATED_CONTENT_TYPE,
                &doc,
            ));
        }
        Route::CoreVersions => Some(discovery::api_versions(&shared.address)),
        Route::Groups => Some(discovery::api_group_list(registry)),
        Route::Group(group) => discovery::api_group(registry, &group),
        Route::Resources { group, version } => discovery::resource_list(registry, &group, &version),
        Route::OpenApiRoot => Some(openapi::root(registry)),
        Route::OpenApiDocument(doc) => openapi::document(registry, &doc),
        Route::Object(_) | Route::ServiceProxy { .. } | Route::Unknown => None,
    };
    doc.map(|d| http::json(200, &d))
        .ok_or_else(ApiError::path_not_found)
}

fn verb_of(call: &Call, target: &Target) -> &'static str {
    let named = target.name.is_some();
    match call.method {
        Method::GET if named => "get",
        Method::GET if call.query.flag("watch") => "watch",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}

fn resource(shared: &Arc<Shared>, call: &Call, target: Target) -> ApiResult<Response<Body>> {
    let rt = shared
        .world()
        .registry
        .find(&target.group, &target.version, &target.plural)
        .cloned()
        .ok_or_else(ApiError::path_not_found)?;
    if !rt.namespaced && target.namespace.is_some() {
        return Err(ApiError::path_not_found());
    }
    if let Some(sub) = &target.subresource {
        if !rt.subresources.contains(sub) {
            return Err(ApiError::path_not_found());
        }
    }
    let verb = verb_of(call, &target);
    if !rt.verbs.iter().any(|v| v == verb) {
        return Err(ApiError::method_not_supported(&rt.group, &rt.plural, verb));
    }
    let namespace = target.namespace.clone().unwrap_or_default();
    let name = target.name.clone().unwrap_or_default();
    let attrs = Attributes {
        verb: verb.into(),
        group: rt.group.clone(),
        resource: rt.plural.clone(),
        subresource: target.subresource.clone().unwrap_or_default(),
        namespace: namespace.clone(),
        name: name.clone(),
        path: None,
    };
    if !rbac::allowed(&shared.world().store, &call.who, &attrs) {
        return Err(ApiError::forbidden(
            rbac::forbidden_message(&call.who, &attrs),
            &rt.group,
            &rt.plural,
            &name,
        ));
    }
    let writes = matches!(
        verb,
        "create" | "update" | "patch" | "delete" | "deletecollection"
    );
    if writes && !rt.is_create_only() && shared.faults.take_conflict() {
        return Err(ApiError::stale(&rt.group, &rt.plural, &name));
    }
    let sub = target.subresource.as_deref();
    match verb {
        "get" if sub == Some("log") => logs::logs(shared, &rt, &namespace, &name, &call.query),
        "get" if sub == Some("scale") => {
            let object = shared.world().get(&rt, &namespace, &name)?;
            Ok(http::json(200, &scale::of(&object)))
        }
        "update" | "patch" if sub == Some("scale") => {
            let body = patch_body(call)?;
            let kind = match (verb, patch_format(call)) {
                ("update", _) => None,
                (_, Ok(PatchFormat::Patch(kind))) => Some(kind),
                (_, Ok(PatchFormat::Apply { .. })) => {
                    return Err(ApiError::unsupported_media_type(
                        "application/apply-patch+yaml (not supported on scale by the sandbox)",
                    ))
                }
                (_, Err(e)) => return Err(e),
            };
            let options = write_options(call)?;
            let scaled = scale::set(
                &mut shared.world(),
                &rt,
                &namespace,
                &name,
                kind,
                &body,
                &options,
            )?;
            Ok(http::json(200, &scaled))
        }
        "get" => {
            let object = shared.world().get(&rt, &namespace, &name)?;
            Ok(http::json(200, &present(&rt, call, vec![object], false)))
        }
        "list" => list(shared, call, &rt, target.namespace.as_deref()),
        "watch" => watch::start(shared, watch_request(call, &rt, target.namespace)?),
        "create" if rt.is_create_only() => {
            let body = read_body(call)?;
            let world = shared.world();
            let mut answer = reviews::answer(&rt.kind, body, &call.who, &world.store)
                .ok_or_else(ApiError::path_not_found)?;
            answer["apiVersion"] = json!(rt.api_version());
            answer["kind"] = json!(rt.kind);
            Ok(http::json(201, &answer))
        }
        "create" => {
            let body = read_body(call)?;
            let created =
                shared
                    .world()
                    .create(&rt, &namespace, body, &write_options(call)?, true)?;
            Ok(http::json(201, &created))
        }
        "update" if sub == Some("finalize") => {
            let body = read_body(call)?;
            let mut world = shared.world();
            let mut current = world.get(&rt, &namespace, &name)?;
            current["spec"]["finalizers"] = body["spec"]["finalizers"].clone();
            let updated =
                world.update(&rt, &namespace, &name, current, &write_options(call)?, None)?;
            Ok(http::json(200, &updated))
        }
        "update" => {
            let body = read_body(call)?;
            let updated =
                shared
                    .world()
                    .update(&rt, &namespace, &name, body, &write_options(call)?, sub)?;
            Ok(http::json(200, &updated))
        }
        "patch" => patch(shared, call, &rt, &namespace, &name, sub),
        "delete" => {
            let options = delete_options(call)?;
            let deleted = shared.world().delete(&rt, &namespace, &name, &options)?;
            Ok(http::json(200, &deleted))
        }
        "deletecollection" => {
            let options = delete_options(call)?;
            let (labels, fields) = selectors(call, &rt)?;
            let mut world = shared.world();
            let names: Vec<(String, String)> = world
                .store
                .list(&rt.id(), target.namespace.as_deref())
                .filter(|(_, o)| labels.matches(&o["metadata"]["labels"]) && fields.matches(o))
                .map(|(k, _)| (k.namespace.clone(), k.name.clone()))
                .collect();
            let mut deleted = Vec::new();
            for (ns, n) in names {
                deleted.push(world.delete(&rt, &ns, &n, &options)?);
            }
            Ok(http::json(
                200,
                &list_json(&rt, deleted, world.store.revision(), None),
            ))
        }
        _ => Err(ApiError::method_not_supported(
            &rt.group,
            &rt.plural,
            call.method.as_str(),
        )),
    }
}

/// What a PATCH body is, from its Content-Type.
enum PatchFormat {
    Patch(PatchKind),
    Apply { force: bool },
}

fn patch_format(call: &Call) -> ApiResult<PatchFormat> {
    let media = call
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    Ok(match media {
        "application/json-patch+json" => PatchFormat::Patch(PatchKind::Json),
        "application/merge-patch+json" => PatchFormat::Patch(PatchKind::Merge),
        "application/strategic-merge-patch+json" => PatchFormat::Patch(PatchKind::Strategic),
        "application/apply-patch+yaml" | "application/apply-patch+json" => PatchFormat::Apply {
            force: call.query.flag("force"),
        },
        other => return Err(ApiError::unsupported_media_type(other)),
    })
}

fn patch_body(call: &Call) -> ApiResult<Value> {
    serde_json::from_slice(&call.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
}

fn patch(
    shared: &Arc<Shared>,
    call: &Call,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    sub: Option<&str>,
) -> ApiResult<Response<Body>> {
    let options = write_options(call)?;
    match patch_format(call)? {
        PatchFormat::Patch(kind) => {
            let body = patch_body(call)?;
            let patched = shared
                .world()
                .patch(rt, namespace, name, kind, &body, &options, sub)?;
            Ok(http::json(200, &patched))
        }
        PatchFormat::Apply { force } => {
            let body: Value = serde_yaml::from_slice(&call.body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            if call.query.get("fieldManager").is_none() {
                return Err(ApiError::bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"));
            }
            let mut world = shared.world();
            let existed = world
                .store
                .get(&crate::world::key(rt, namespace, name))
                .is_some();
            let applied = world.apply(rt, namespace, name, &body, &options, force, sub)?;
            Ok(http::json(if existed { 200 } else { 201 }, &applied))
        }
    }
}

fn dry_run(call: &Call) -> ApiResult<bool> {
    match call.query.get("dryRun") {
        None => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "Invalid value: \"{other}\": supported values: \"All\""
        ))),
    }
}

/// `fieldManager`, else the User-Agent's program name, as the apiserver defaults it.
fn write_options(call: &Call) -> ApiResult<WriteOptions> {
    let manager = match call.query.get("fieldManager") {
        Some(m) => m.to_string(),
        None => call
            .user_agent
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_string(),
    };
    Ok(WriteOptions {
        dry_run: dry_run(call)?,
        manager,
    })
}

fn delete_options(call: &Call) -> ApiResult<DeleteOptions> {
    let body: Value = if call.body.is_empty() {
        json!({})
    } else {
        read_body(call)?
    };
    let policy = call
        .query
        .get("propagationPolicy")
        .map(String::from)
        .or_else(|| body["propagationPolicy"].as_str().map(String::from));
    let propagation = match policy.as_deref() {
        None | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid propagationPolicy: {other}"
            )))
        }
    };
    let body_dry_run = body["dryRun"]
        .as_array()
        .is_some_and(|d| d.iter().any(|v| v == "All"));
    Ok(DeleteOptions {
        dry_run: dry_run(call)? || body_dry_run,
        propagation,
        uid: body["preconditions"]["uid"].as_str().map(String::from),
        resource_version: body["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from),
    })
}

fn read_body(call: &Call) -> ApiResult<Value> {
    let media = call
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    match media {
        "application/vnd.kubernetes.protobuf" => protobuf::decode(&call.body),
        "application/yaml" => serde_yaml::from_slice(&call.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}"))),
        "" | "application/json" | "*/*" => serde_json::from_slice(&call.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding JSON: {e}"))),
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

fn selectors(call: &Call, rt: &ResourceType) -> ApiResult<(LabelSelector, FieldSelector)> {
    let labels = LabelSelector::parse(call.query.get("labelSelector").unwrap_or_default())?;
    let fields = FieldSelector::parse(
        call.query.get("fieldSelector").unwrap_or_default(),
        &rt.plural,
    )?;
    Ok((labels, fields))
}

fn table_include(call: &Call) -> Option<Include> {
    call.accept
        .contains("as=Table")
        .then(|| Include::parse(call.query.get("includeObject")))
}

fn watch_request(
    call: &Call,
    rt: &ResourceType,
    namespace: Option<String>,
) -> ApiResult<WatchRequest> {
    let (labels, fields) = selectors(call, rt)?;
    Ok(WatchRequest {
        rt: rt.clone(),
        namespace,
        labels,
        fields,
        resource_version: call.query.get("resourceVersion").map(String::from),
        bookmarks: call.query.flag("allowWatchBookmarks"),
        send_initial_events: call.query.flag("sendInitialEvents"),
        timeout: call
            .query
            .get("timeoutSeconds")
            .and_then(|t| t.parse().ok())
            .map(Duration::from_secs),
        table: table_include(call),
        clock: call.clock.clone(),
    })
}

/// Objects as the client asked for them: plain, a Table, or partial metadata.
fn present(rt: &ResourceType, call: &Call, mut objects: Vec<Value>, as_list: bool) -> Value {
    for o in &mut objects {
        o["apiVersion"] = json!(rt.api_version());
    }
    let rv = objects
        .first()
        .and_then(|o| o["metadata"]["resourceVersion"].as_str())
        .unwrap_or_default()
        .to_string();
    if let Some(include) = table_include(call) {
        let refs: Vec<&Value> = objects.iter().collect();
        return table(rt, &refs, include, &rv, call.clock.now());
    }
    if call.accept.contains("as=PartialObjectMetadata") {
        let partial: Vec<Value> = objects.iter().map(|o| json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]})).collect();
        if as_list {
            return json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "items": partial});
        }
        return partial.into_iter().next().unwrap_or(Value::Null);
    }
    if as_list {
        return json!({"items": objects});
    }
    objects.into_iter().next().unwrap_or(Value::Null)
}

fn list_json(rt: &ResourceType, items: Vec<Value>, rv: u64, next: Option<String>) -> Value {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if let Some(token) = next {
        metadata["continue"] = json!(token);
    }
    json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": metadata, "items": items})
}

/// The continue token: where the next page starts (namespace/name), opaque to clients.
fn continue_token(namespace: &str, name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{namespace}/{name}"))
}

fn list(
    shared: &Arc<Shared>,
    call: &Call,
    rt: &ResourceType,
    namespace: Option<&str>,
) -> ApiResult<Response<Body>> {
    let (labels, fields) = selectors(call, rt)?;
    let limit: Option<usize> = call
        .query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0);
    let after = match call.query.get("continue") {
        Some(token) => {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .map_err(|_| ApiError::bad_request("invalid continue token"))?;
            let text = String::from_utf8(raw)
                .map_err(|_| ApiError::bad_request("invalid continue token"))?;
            let (ns, name) = text
                .split_once('/')
                .ok_or_else(|| ApiError::bad_request("invalid continue token"))?;
            Some((ns.to_string(), name.to_string()))
        }
        None => None,
    };
    let world = shared.world();
    let rv = world.store.revision();
    let mut next = None;
    let mut items: Vec<&Value> = Vec::new();
    let id = rt.id();
    for (key, object) in world.store.list(&id, namespace) {
        if after
            .as_ref()
            .is_some_and(|(ns, n)| (&key.namespace, &key.name) <= (ns, n))
        {
            continue;
        }
        if !(labels.matches(&object["metadata"]["labels"]) && fields.matches(object)) {
            continue;
        }
        if limit.is_some_and(|l| items.len() == l) {
            let last = items.last().map(|o| &o["metadata"]);
            let text = |field: &str| {
                last.and_then(|m| m[field].as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            next = Some(continue_token(&text("namespace"), &text("name")));
            break;
        }
        items.push(object);
    }
    if let Some(include) = table_include(call) {
        let mut t = table(rt, &items, include, &rv.to_string(), call.clock.now());
        if let Some(token) = &next {
            t["metadata"]["continue"] = json!(token);
        }
        return Ok(http::json(200, &t));
    }
    if call.accept.contains("as=PartialObjectMetadataList") {
        let owned = items.into_iter().cloned().collect();
        let mut partial = present(rt, call, owned, true);
        partial["metadata"] = json!({"resourceVersion": rv.to_string()});
        return Ok(http::json(200, &partial));
    }
    // Plain lists are written straight from the store: no copy of every object first.
    let mut head = list_json(rt, Vec::new(), rv, next);
    if let Some(map) = head.as_object_mut() {
        map.remove("items");
    }
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.pop();
    out.extend_from_slice(b",\"items\":[");
    let api_version = rt.api_version();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let written = if item["apiVersion"] == api_version.as_str() {
            serde_json::to_writer(&mut out, item)
        } else {
            let mut served = (*item).clone();
            served["apiVersion"] = json!(api_version);
            serde_json::to_writer(&mut out, &served)
        };
        written.map_err(|e| ApiError::server_error(500, e.to_string()))?;
    }
    out.extend_from_slice(b"]}");
    Ok(http::raw_json(200, out))
}
