//! The object half of the disperser's stores: what the pipeline does with blob objects
//! (written before the metadata, read by the encoder and `GetBlob`, deleted at the end or
//! after retention), against both object-store backends: a local directory and an S3
//! bucket served by a throwaway `s3s-fs` (installed by `scripts/setup.sh`; a missing
//! server skips the S3 run unless `LAMINA_REQUIRE_S3` is set, as the proxy's S3 test
//! does).

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lamina_core::BlobKey;
use lamina_storage::{BlobObjects, ObjectKind, ObjectStoreConfig, S3Config, SecretString};

const BUCKET: &str = "lamina-blobs";
const ACCESS_KEY: &str = "lamina-test-access";
const SECRET_KEY: &str = "lamina-test-secret";

/// What the disperser does with one blob's objects, start to end.
async fn blob_object_lifecycle(objects: &BlobObjects) {
    let (kept, failed) = (BlobKey([1; 32]), BlobKey([2; 32]));
    assert_eq!(objects.blob(&kept).await.expect("reads"), None);
    // intake: the object first (a retry after a crash rewrites the same bytes)
    for key in [kept, failed] {
        objects
            .put_blob(&key, vec![key.0[0]; 1000])
            .await
            .expect("writes");
    }
    objects
        .put_blob(&kept, vec![1; 1000])
        .await
        .expect("rewrites");
    // the orphan sweep lists what was written before a time
    let later = std::time::SystemTime::now() + Duration::from_secs(60);
    let earlier = std::time::SystemTime::now() - Duration::from_secs(3600);
    let mut listed = objects
        .written_before(ObjectKind::Blob, later)
        .await
        .expect("lists");
    listed.sort();
    assert_eq!(listed, vec![kept, failed]);
    assert!(
        objects
            .written_before(ObjectKind::Blob, earlier)
            .await
            .expect("lists")
            .is_empty()
    );
    // the encoder reads it; its frames go in one object, checked by their summary
    assert_eq!(
        objects.blob(&kept).await.expect("reads"),
        Some(vec![1; 1000])
    );
    let frames = vec![vec![7u8; 64]; 8];
    let summary = objects
        .put_frames(&kept, &frames)
        .await
        .expect("writes frames");
    assert_eq!((summary.count, summary.frame_len), (8, 64));
    assert_eq!(
        objects.frames(&kept, &summary).await.expect("reads frames"),
        Some(frames)
    );
    // a failed blob's object goes at once; a kept one stays for GetBlob until expiry
    objects.delete_blob(&failed).await.expect("deletes");
    assert_eq!(objects.blob(&failed).await.expect("reads"), None);
    assert_eq!(
        objects.blob(&kept).await.expect("reads"),
        Some(vec![1; 1000])
    );
    objects.delete_frames(&kept).await.expect("deletes frames");
    objects.delete_blob(&kept).await.expect("expires");
    objects
        .delete_blob(&kept)
        .await
        .expect("deleting twice is fine");
    assert_eq!(objects.blob(&kept).await.expect("reads"), None);
    assert_eq!(objects.frames(&kept, &summary).await.expect("reads"), None);
    assert!(
        objects
            .written_before(ObjectKind::Frames, later)
            .await
            .expect("lists")
            .is_empty()
    );
}

#[tokio::test]
async fn blob_objects_on_a_local_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let objects =
        BlobObjects::open(&ObjectStoreConfig::Dir(dir.path().join("objects"))).expect("opens");
    blob_object_lifecycle(&objects).await;
}

/// `s3s-fs`: `LAMINA_S3S_FS_BIN`, else where `scripts/setup.sh` installs it, else `PATH`.
fn s3_server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LAMINA_S3S_FS_BIN") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let installed = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/lamina/tools/bin/s3s-fs"));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("s3s-fs"));
    installed.into_iter().chain(on_path).find(|p| p.is_file())
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn blob_objects_on_an_s3_bucket() {
    let Some(bin) = s3_server_binary() else {
        assert!(
            std::env::var_os("LAMINA_REQUIRE_S3").is_none(),
            "LAMINA_REQUIRE_S3 is set but s3s-fs is not installed: run scripts/setup.sh"
        );
        eprintln!("SKIPPED blob_objects_on_an_s3_bucket: s3s-fs not found (scripts/setup.sh)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(BUCKET)).expect("bucket directory");
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut server = Server(
        Command::new(&bin)
            .arg(dir.path())
            .args(["--host", "127.0.0.1", "--port", &addr.port().to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts"),
    );
    // Readiness: the port accepts connections (the server exiting fails the test).
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(
            server.0.try_wait().expect("polls").is_none(),
            "s3s-fs exited"
        );
        assert!(Instant::now() < deadline, "s3s-fs listens on {addr}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let objects = BlobObjects::open(&ObjectStoreConfig::S3(S3Config {
        endpoint: Some(format!("http://{addr}")),
        bucket: BUCKET.into(),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SecretString::new(SECRET_KEY)),
        allow_http: true,
        ..S3Config::default()
    }))
    .expect("opens");
    blob_object_lifecycle(&objects).await;
    // the objects are where the layout says, in the bucket
    assert!(dir.path().join(BUCKET).join("blobs").is_dir());
}
