//! Free loopback ports.
//!
//! A port is found by binding `127.0.0.1:0` and releasing it, so another process could
//! take it before the service binds it; services that fail to bind are restarted on a
//! new port by their caller. Within one process no port is handed out twice, so the
//! parallel tests of one test binary never collide with each other.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Mutex, OnceLock};

use crate::DevnetError;

/// Ports already handed out by this process. A std mutex: held for a set lookup only,
/// never across an await.
fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A loopback address with a currently free port this process has not handed out before.
pub fn free_loopback_addr() -> Result<SocketAddr, DevnetError> {
    let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    // The kernel rarely repeats a port soon; a few tries skip the ones we gave out.
    for _ in 0..64 {
        let listener = TcpListener::bind(any).map_err(DevnetError::io("bind", "127.0.0.1:0"))?;
        let addr = listener
            .local_addr()
            .map_err(DevnetError::io("bind", "127.0.0.1:0"))?;
        let mut ports = handed_out().lock().unwrap_or_else(|p| p.into_inner());
        if ports.insert(addr.port()) {
            return Ok(addr);
        }
    }
    Err(DevnetError::InvalidOption {
        field: "ports",
        reason: "no fresh loopback port after 64 tries".into(),
    })
}

/// A currently free loopback port (see [`free_loopback_addr`]).
pub fn free_port() -> Result<u16, DevnetError> {
    Ok(free_loopback_addr()?.port())
}
