//! Loopback addresses for tests about reachability: a port held closed (connections are refused) that can start
//! listening later, and a TCP forwarder (one target: an agent appearing at an address; several: a round-robin
//! balancer in front of bridge replicas).
//!
//! No address is bound, dropped and bound again (another process could take it in between): the port is held
//! from the start by a socket that is bound but not listening, and the same socket becomes the listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A loopback port that is bound but not listening: connecting to it is refused (Linux answers with a reset)
/// until [`ClosedPort::listen`].
pub struct ClosedPort {
    socket: TcpSocket,
    pub addr: SocketAddr,
}

impl ClosedPort {
    pub fn bind() -> ClosedPort {
        let socket = TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind("127.0.0.1:0".parse().unwrap())
            .expect("bind a loopback port");
        let addr = socket.local_addr().expect("the bound address");
        ClosedPort { socket, addr }
    }

    /// `http://{addr}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts listening on the same address.
    pub fn listen(self) -> TcpListener {
        self.socket.listen(64).expect("listen on the held port")
    }
}

/// Forwards each connection accepted on `addr` to the next target in turn; stops when dropped.
pub struct Forwarder {
    pub addr: SocketAddr,
    /// Connections forwarded to each target, in target order.
    counts: Arc<Vec<AtomicUsize>>,
    task: JoinHandle<()>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Forwarder {
    /// Forwards from a new loopback port.
    pub async fn start(targets: Vec<SocketAddr>) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the forwarder");
        Self::on(listener, targets)
    }

    /// Forwards from `listener`.
    pub fn on(listener: TcpListener, targets: Vec<SocketAddr>) -> Forwarder {
        assert!(!targets.is_empty(), "a forwarder needs a target");
        let addr = listener.local_addr().expect("forwarder address");
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(targets.iter().map(|_| AtomicUsize::new(0)).collect());
        let task = {
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let mut next = 0;
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let i = next % targets.len();
                    next += 1;
                    counts[i].fetch_add(1, Ordering::SeqCst);
                    let target = targets[i];
                    tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            })
        };
        Forwarder { addr, counts, task }
    }

    /// Connections forwarded to each target so far.
    pub fn counts(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }
}
