//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary directory, started
//! with `pg_ctl` on a free loopback port, stopped (and its directory removed) on drop.
//! `scripts/postgres.sh` does the same for people and devnets.
//!
//! The server binaries: `$LAMINA_PG_BIN` (a directory), else `pg_config --bindir`, else
//! the newest `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql`, which
//! `scripts/setup.sh` installs), else `initdb` on `PATH`. PostgreSQL refuses to run as
//! root: as root, the cluster's directory is given to the `postgres` user and the
//! binaries run as it (`runuser`).
//!
//! Missing binaries fail the test that asked for a cluster, unless
//! `LAMINA_SKIP_POSTGRES=1` allows skipping on this machine (never when
//! `LAMINA_REQUIRE_POSTGRES=1`, which `scripts/test.sh` and CI set).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A running throwaway cluster; stopped when dropped.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    run_as: Option<String>,
    port: u16,
    databases: AtomicU32,
}

/// Why no cluster could be started.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql \
         (scripts/setup.sh) or set LAMINA_PG_BIN to their directory"
    )]
    NotInstalled,
    /// A step failed.
    #[error("{step}: {reason}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// Its output.
        reason: String,
    },
}

fn step(step: &'static str) -> impl FnOnce(std::io::Error) -> ClusterError {
    move |e| ClusterError::Step {
        step,
        reason: e.to_string(),
    }
}

/// The directory holding `initdb` and `pg_ctl`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("LAMINA_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|d| has_tools(d));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, d)| has_tools(d))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| has_tools(d))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgCluster {
    /// Starts a cluster, or `None` when the binaries are missing and skipping is
    /// allowed (`LAMINA_SKIP_POSTGRES=1` without `LAMINA_REQUIRE_POSTGRES`); panics
    /// otherwise (tests only).
    pub fn start_or_skip() -> Option<Self> {
        let skip_allowed = std::env::var_os("LAMINA_SKIP_POSTGRES").is_some_and(|v| v == "1")
            && std::env::var_os("LAMINA_REQUIRE_POSTGRES").is_none();
        match Self::start() {
            Ok(cluster) => Some(cluster),
            Err(ClusterError::NotInstalled) if skip_allowed => {
                eprintln!(
                    "SKIPPED: {} (LAMINA_SKIP_POSTGRES=1)",
                    ClusterError::NotInstalled
                );
                None
            }
            Err(e) => panic!(
                "cannot start a throwaway PostgreSQL: {e} (LAMINA_SKIP_POSTGRES=1 skips \
                 PostgreSQL tests on a machine without it)"
            ),
        }
    }

    /// One cluster shared by the tests of this process that are running: started by the
    /// first, stopped when the last of them drops its handle.
    pub fn shared() -> Option<Arc<Self>> {
        static SHARED: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cluster) = shared.upgrade() {
            return Some(cluster);
        }
        let cluster = Arc::new(Self::start_or_skip()?);
        *shared = Arc::downgrade(&cluster);
        Some(cluster)
    }

    /// `initdb` + `pg_ctl start` on a free port (trust authentication, loopback only).
    pub fn start() -> Result<Self, ClusterError> {
        let bin = find_bin_dir().ok_or(ClusterError::NotInstalled)?;
        let dir = tempfile::Builder::new()
            .prefix("lamina-pg.")
            .tempdir()
            .map_err(step("temporary directory"))?;
        let run_as = is_root().then(|| "postgres".to_owned());
        if let Some(user) = &run_as {
            let chown = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .output()
                .map_err(step("chown"))?;
            check("chown", &chown)?;
        }
        let mut cluster = Self {
            bin,
            dir,
            run_as,
            port: 0,
            databases: AtomicU32::new(0),
        };
        let data = cluster.data_dir();
        let out = cluster
            .command("initdb")
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(step("initdb"))?;
        check("initdb", &out)?;
        // A free port can be taken between our probe and the server's bind: try again.
        let mut last = None;
        for _ in 0..3 {
            cluster.port = free_port().map_err(step("free port"))?;
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                cluster.port,
                cluster.dir.path().display()
            );
            let out = cluster
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.dir.path().join("server.log"))
                .args(["-o", &options, "-w", "start"])
                .output()
                .map_err(step("pg_ctl start"))?;
            match check("pg_ctl start", &out) {
                Ok(()) => return Ok(cluster),
                Err(e) => last = Some(e),
            }
        }
        let log =
            std::fs::read_to_string(cluster.dir.path().join("server.log")).unwrap_or_default();
        Err(
            last.map_or(ClusterError::NotInstalled, |e| ClusterError::Step {
                step: "pg_ctl start",
                reason: format!("{e}; server log: {log}"),
            }),
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The URL of database `name` on this cluster.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a fresh, empty database and returns its URL (one per test).
    pub async fn fresh_database(&self) -> Result<String, sqlx::Error> {
        use sqlx::Connection;
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("test_{}_{n}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&self.url()).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        Ok(self.database_url(&name))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let stopped = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        if let Err(e) = stopped {
            eprintln!("pg_ctl stop: {e}");
        }
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn check(step: &'static str, out: &std::process::Output) -> Result<(), ClusterError> {
    if out.status.success() {
        return Ok(());
    }
    Err(ClusterError::Step {
        step,
        reason: format!(
            "{}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}
