//! Loopback addresses for tests about reachability: a port held closed (connections are refused) that can start
//! listening later, and a TCP forwarder (one target: an agent appearing at an address; several: a round-robin
//! balancer in front of bridge replicas; recording: what the bridge sent an agent, e.g. its cancel requests).
//!
//! No address is bound, dropped and bound again (another process could take it in between): the port is held
//! from the start by a socket that is bound but not listening, and the same socket becomes the listener.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

/// The bytes each connection sent towards its target, one entry per connection in accept order.
type Recording = Arc<Mutex<Vec<Vec<u8>>>>;

/// Forwards each connection accepted on `addr` to the next target in turn, keeping a copy of the bytes sent
/// towards the targets when recording; stops when dropped.
pub struct Forwarder {
    pub addr: SocketAddr,
    /// Connections forwarded to each target, in target order.
    counts: Arc<Vec<AtomicUsize>>,
    /// When recording: the bytes each connection sent towards its target, one entry per connection.
    sent: Option<Recording>,
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
        Self::on(Self::bind().await, targets)
    }

    /// Forwards from a new loopback port to `target`, recording the requests (see [`Forwarder::requests`]).
    pub async fn recording(target: SocketAddr) -> Forwarder {
        Self::serve(Self::bind().await, vec![target], true)
    }

    async fn bind() -> TcpListener {
        TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the forwarder")
    }

    /// Forwards from `listener`.
    pub fn on(listener: TcpListener, targets: Vec<SocketAddr>) -> Forwarder {
        Self::serve(listener, targets, false)
    }

    /// Forwards from `listener`, recording what is sent towards the targets if `record`.
    fn serve(listener: TcpListener, targets: Vec<SocketAddr>, record: bool) -> Forwarder {
        assert!(!targets.is_empty(), "a forwarder needs a target");
        let addr = listener.local_addr().expect("forwarder address");
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(targets.iter().map(|_| AtomicUsize::new(0)).collect());
        let sent = record.then(Arc::default);
        let task = {
            let counts = Arc::clone(&counts);
            let sent = sent.clone();
            tokio::spawn(async move {
                let mut next = 0;
                while let Ok((inbound, _)) = listener.accept().await {
                    let i = next % targets.len();
                    next += 1;
                    counts[i].fetch_add(1, Ordering::SeqCst);
                    let record = sent.as_ref().map(|sent: &Recording| {
                        let mut all = sent.lock().unwrap();
                        all.push(Vec::new());
                        (Arc::clone(sent), all.len() - 1)
                    });
                    tokio::spawn(forward(inbound, targets[i], record));
                }
            })
        };
        Forwarder {
            addr,
            counts,
            sent,
            task,
        }
    }

    /// Connections forwarded to each target so far.
    pub fn counts(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }

    /// `http://{addr}/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every JSON-RPC message in the recorded bytes (HTTP request bodies), connection by connection.
    pub fn requests(&self) -> Vec<Value> {
        let sent = self.sent.as_ref().expect("a recording forwarder");
        let connections = sent.lock().unwrap().clone();
        let mut out = Vec::new();
        for bytes in connections {
            let text = String::from_utf8_lossy(&bytes);
            let mut rest = text.as_ref();
            while let Some(i) = rest.find("{\"") {
                let mut stream =
                    serde_json::Deserializer::from_str(&rest[i..]).into_iter::<Value>();
                match stream.next() {
                    Some(Ok(v)) => {
                        if v.get("jsonrpc").is_some() {
                            out.push(v);
                        }
                        rest = &rest[i + stream.byte_offset().max(1)..];
                    }
                    _ => rest = &rest[i + 2..],
                }
            }
        }
        out
    }

    /// The task ids of every recorded cancel request (`CancelTask` or `tasks/cancel`).
    pub fn canceled_task_ids(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r["method"] == "CancelTask" || r["method"] == "tasks/cancel")
            .filter_map(|r| r["params"]["id"].as_str().map(str::to_owned))
            .collect()
    }
}

/// Copies one connection both ways until either side closes; appends the bytes sent towards `target` to
/// `record` (the recording and this connection's index in it).
async fn forward(inbound: TcpStream, target: SocketAddr, record: Option<(Recording, usize)>) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = in_read.read(&mut buf).await {
            if let Some((sent, i)) = &record {
                sent.lock().unwrap()[*i].extend_from_slice(&buf[..n]);
            }
            if out_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = out_write.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut out_read, &mut in_write).await;
        let _ = in_write.shutdown().await;
    };
    tokio::join!(up, down);
}
