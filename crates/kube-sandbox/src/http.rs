//! Response bodies and the small helpers that build answers.

use crate::status::ApiError;
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Response, StatusCode};
use serde_json::Value;
use std::convert::Infallible;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

pub type Body = BoxBody<Bytes, Infallible>;

fn full(code: u16, content_type: &str, bytes: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(bytes)).boxed());
    stamp_audit_id(&mut response);
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    response
}

/// Every kube-apiserver answer carries an `Audit-Id`; clients log it next to errors.
fn stamp_audit_id(response: &mut Response<Body>) {
    if let Ok(v) = uuid::Uuid::new_v4().to_string().parse() {
        response.headers_mut().insert("audit-id", v);
    }
}

pub fn json(code: u16, value: &Value) -> Response<Body> {
    raw_json(code, serde_json::to_vec(value).unwrap_or_default())
}

/// JSON under a more specific media type (e.g. aggregated discovery).
pub fn typed_json(code: u16, content_type: &str, value: &Value) -> Response<Body> {
    full(
        code,
        content_type,
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

/// A JSON body that is already serialized.
pub fn raw_json(code: u16, bytes: Vec<u8>) -> Response<Body> {
    full(code, "application/json", bytes)
}

pub fn text(code: u16, body: String) -> Response<Body> {
    full(code, "text/plain", body.into_bytes())
}

/// Text under a given media type (a proxied backend's answer).
pub fn typed_text(code: u16, content_type: &str, body: String) -> Response<Body> {
    full(code, content_type, body.into_bytes())
}

pub fn error(e: &ApiError) -> Response<Body> {
    let mut response = json(e.code, &e.to_status());
    if let Some(seconds) = e.retry_after {
        if let Ok(v) = seconds.to_string().parse() {
            response.headers_mut().insert(hyper::header::RETRY_AFTER, v);
        }
    }
    response
}

/// A chunked body fed by a channel: watches and followed logs.
pub fn stream(content_type: &str, receiver: mpsc::Receiver<Bytes>) -> Response<Body> {
    let frames = ReceiverStream::new(receiver).map(|chunk| Ok::<_, Infallible>(Frame::data(chunk)));
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(frames)));
    stamp_audit_id(&mut response);
    if let Ok(v) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = "chunked".parse() {
        response
            .headers_mut()
            .insert(hyper::header::TRANSFER_ENCODING, v);
    }
    response
}
