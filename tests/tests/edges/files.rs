//! The database, its `-wal` and `-shm` files, the secret key file and backups are created
//! readable and writable by their owner alone (mode 0600).

use postcore_tests::server::{Server, admin};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_database_its_wal_shm_key_and_backup_files_are_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let server = Server::start(&database);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let created = server.post(&client, "/profiles/create", &server.key).await;
    assert_eq!(created.status().as_u16(), 201);
    let mut files: Vec<(String, u32)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                mode(&p),
            )
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ("postcore.db".to_owned(), 0o600),
            ("postcore.db-shm".to_owned(), 0o600),
            ("postcore.db-wal".to_owned(), 0o600),
            ("postcore.db.key".to_owned(), 0o600),
        ]
    );
    let backup = dir.path().join("copy.db");
    admin(&database, &["backup", &backup.display().to_string()]);
    assert_eq!(mode(&backup), 0o600);
    drop(server);
}
