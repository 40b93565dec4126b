//! A supervisor for one service process: spawn with output to a log file, wait for
//! `GET /health` == 200, stop (SIGTERM, then SIGKILL after a grace period), crash
//! (SIGKILL), restart with the same command. Killed on drop.
//!
//! It only knows a program and its arguments, so it runs any role
//! (`lamina node run --config node.toml`, anvil, ...).

use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::DevnetError;

/// How often health and exit are polled while waiting for a process.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How much of a log an error quotes.
const LOG_TAIL_BYTES: u64 = 4096;
/// Default time a process gets to become healthy: 60 s (nodes load the SRS at startup).
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time a process gets to exit after SIGTERM before SIGKILL: 10 s.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);
/// Grace period on drop, kept short so a failing test does not hang on cleanup.
const DROP_GRACE: Duration = Duration::from_secs(2);

/// How to run one service.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    /// A name for logs and errors, e.g. `node-2`.
    pub name: String,
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Extra environment variables.
    pub env: Vec<(OsString, OsString)>,
    /// Where stdout and stderr go (appended, so restarts keep the history).
    pub log: PathBuf,
    /// The HTTP address serving `GET /health`; `None` for processes without one.
    pub health: Option<SocketAddr>,
}

impl ServiceSpec {
    /// `<lamina_bin> <role> run --config <config>` logging to `log`, healthy when
    /// `http://<metrics>/health` answers 200.
    pub fn lamina_role(
        name: impl Into<String>,
        lamina_bin: &Path,
        role: &str,
        config: &Path,
        log: PathBuf,
        metrics: SocketAddr,
    ) -> Self {
        Self {
            name: name.into(),
            program: lamina_bin.to_path_buf(),
            args: vec![
                role.into(),
                "run".into(),
                "--config".into(),
                config.as_os_str().to_owned(),
            ],
            env: Vec::new(),
            log,
            health: Some(metrics),
        }
    }
}

/// One supervised process.
#[must_use = "the process is killed when this is dropped"]
#[derive(Debug)]
pub struct ServiceProcess {
    spec: ServiceSpec,
    child: Option<Child>,
}

impl ServiceProcess {
    /// Spawns the process (without waiting for health).
    pub fn spawn(spec: ServiceSpec) -> Result<Self, DevnetError> {
        let mut process = Self { spec, child: None };
        process.start()?;
        Ok(process)
    }

    /// Spawns the process and waits until it is healthy.
    pub async fn spawn_healthy(spec: ServiceSpec, timeout: Duration) -> Result<Self, DevnetError> {
        let mut process = Self::spawn(spec)?;
        process.wait_healthy(timeout).await?;
        Ok(process)
    }

    fn start(&mut self) -> Result<(), DevnetError> {
        if let Some(dir) = self.spec.log.parent() {
            std::fs::create_dir_all(dir).map_err(DevnetError::io("create", dir))?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.spec.log)
            .map_err(DevnetError::io("open", &self.spec.log))?;
        let err = log
            .try_clone()
            .map_err(DevnetError::io("open", &self.spec.log))?;
        let child = Command::new(&self.spec.program)
            .args(&self.spec.args)
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(DevnetError::io("spawn", &self.spec.program))?;
        tracing::debug!(name = %self.spec.name, pid = child.id(), "spawned");
        self.child = Some(child);
        Ok(())
    }

    /// The spec it runs.
    pub fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    /// The name (`node-2`).
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Its log file.
    pub fn log_path(&self) -> &Path {
        &self.spec.log
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running (reaps it if it exited).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(Ok(Some(_)) | Err(_)) | None => false,
        }
    }

    /// Polls `GET /health` until it answers 200, failing early (with the log's tail) if
    /// the process exits, or after `timeout`.
    pub async fn wait_healthy(&mut self, timeout: Duration) -> Result<(), DevnetError> {
        let Some(addr) = self.spec.health else {
            return Ok(());
        };
        let url = format!("http://{addr}/health");
        let started = Instant::now();
        loop {
            self.check_alive()?;
            if health_ok(addr).await {
                tracing::debug!(name = %self.spec.name, ms = started.elapsed().as_millis(), "healthy");
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(DevnetError::Unhealthy {
                    name: self.spec.name.clone(),
                    pid: self.pid().unwrap_or_default(),
                    url,
                    waited_ms: started.elapsed().as_millis(),
                    log: self.spec.log.clone(),
                    tail: log_tail(&self.spec.log),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// `Ok` while the process runs; its exit status and log tail once it has exited.
    pub fn check_alive(&mut self) -> Result<(), DevnetError> {
        let Some(child) = self.child.as_mut() else {
            return Err(DevnetError::NotRunning(self.spec.name.clone()));
        };
        let pid = child.id();
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                self.child = None;
                Err(DevnetError::ExitedEarly {
                    name: self.spec.name.clone(),
                    pid,
                    status: status.to_string(),
                    log: self.spec.log.clone(),
                    tail: log_tail(&self.spec.log),
                })
            }
            Err(e) => Err(DevnetError::io("wait for", &self.spec.program)(e)),
        }
    }

    /// Sends SIGTERM and waits up to `grace` for the exit, then SIGKILLs. Returns the exit
    /// status (`None` if it was not running).
    pub async fn stop(&mut self, grace: Duration) -> Result<Option<ExitStatus>, DevnetError> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        if let Some(status) = child
            .try_wait()
            .map_err(DevnetError::io("wait for", &self.spec.program))?
        {
            return Ok(Some(status));
        }
        signal(child.id(), libc::SIGTERM)?;
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child
                .try_wait()
                .map_err(DevnetError::io("wait for", &self.spec.program))?
            {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                tracing::warn!(name = %self.spec.name, "no exit {grace:?} after SIGTERM; SIGKILL");
                child
                    .kill()
                    .map_err(DevnetError::io("kill", &self.spec.program))?;
                return Ok(Some(
                    child
                        .wait()
                        .map_err(DevnetError::io("wait for", &self.spec.program))?,
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// SIGKILLs the process (`kill -9`: a crash, no cleanup) and reaps it.
    pub fn kill(&mut self) -> Result<(), DevnetError> {
        if let Some(mut child) = self.child.take() {
            // An already-exited child makes `kill` fail with InvalidInput: not an error here.
            let _ = child.kill();
            child
                .wait()
                .map_err(DevnetError::io("wait for", &self.spec.program))?;
        }
        Ok(())
    }

    /// Starts the process again with the same command (after `stop` or `kill`; stops it
    /// first if it is still running) and waits for health.
    pub async fn restart(&mut self, timeout: Duration) -> Result<(), DevnetError> {
        self.stop(DEFAULT_STOP_GRACE).await?;
        self.start()?;
        self.wait_healthy(timeout).await
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM first so services flush and release their ports; a short grace, then SIGKILL.
        if signal(child.id(), libc::SIGTERM).is_ok() {
            let deadline = Instant::now() + DROP_GRACE;
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Sends `signal` to `pid`.
#[allow(unsafe_code)] // kill(2): std's `Child::kill` sends only SIGKILL; see the crate root
pub fn signal(pid: u32, signal: i32) -> Result<(), DevnetError> {
    let target = libc::pid_t::try_from(pid).map_err(|_| DevnetError::InvalidOption {
        field: "pid",
        reason: format!("{pid} does not fit pid_t"),
    })?;
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    let rc = unsafe { libc::kill(target, signal) };
    if rc == 0 {
        Ok(())
    } else {
        Err(DevnetError::Signal {
            signal,
            pid,
            source: std::io::Error::last_os_error(),
        })
    }
}

/// SIGTERM: asks a service to stop cleanly.
pub const SIGTERM: i32 = libc::SIGTERM;
/// SIGKILL: `kill -9`.
pub const SIGKILL: i32 = libc::SIGKILL;

/// Whether `pid` is alive and runs `lamina` or `anvil` (checked in `/proc/<pid>/cmdline`),
/// so a recycled pid of some unrelated process is never signalled.
pub fn is_devnet_process(pid: u32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let program = cmdline.split(|&b| b == 0).next().unwrap_or_default();
    let name = Path::new(std::str::from_utf8(program).unwrap_or_default())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    pid_alive(pid) && (name == "lamina" || name == "anvil")
}

/// Whether a process with this id exists (signal 0).
pub fn pid_alive(pid: u32) -> bool {
    signal(pid, 0).is_ok()
}

/// One `GET /health` over a fresh connection: true on status 200.
async fn health_ok(addr: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 16];
        let mut read = 0;
        while read < head.len() {
            let n = stream.read(&mut head[read..]).await.ok()?;
            if n == 0 {
                break;
            }
            read += n;
        }
        // "HTTP/1.1 200 OK": the status code sits at bytes 9..12.
        Some(head.get(9..12) == Some(b"200".as_slice()))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), attempt).await,
        Ok(Some(true))
    )
}

/// The last few KiB of a log file, for error messages.
pub fn log_tail(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::from("(no log)");
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or_default();
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
