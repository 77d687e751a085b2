//! Accepting TLS connections on loopback and serving HTTP/1.1 on each.

use crate::api;
use crate::state::Shared;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Serves until `stop` flips to true; each connection runs on its own task.
pub async fn run(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            _ = stop.changed() => return,
        };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        let mut conn_stop = stop.clone();
        tokio::spawn(async move {
            // A failed handshake (e.g. a client that doesn't trust our CA) just ends the connection.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let peer =
                crate::tls::peer_certificate(tls.get_ref().1.peer_certificates()).map(Arc::new);
            let service = service_fn(move |req| api::serve(shared.clone(), peer.clone(), req));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = connection => {}
                _ = conn_stop.changed() => {}
            }
        });
    }
}
