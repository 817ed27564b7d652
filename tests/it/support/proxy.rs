//! A TCP forwarder on a fixed local address, to make an agent appear (or vanish) at an address on demand.
#![allow(dead_code)]

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections while alive; stops accepting when dropped.
pub struct Proxy {
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Listens on `addr` and forwards every connection to `127.0.0.1:target_port`.
pub async fn forward(addr: SocketAddr, target_port: u16) -> Proxy {
    let listener = TcpListener::bind(addr)
        .await
        .expect("bind the proxy address");
    let task = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target_port)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    Proxy { task }
}
