//! `backup PATH`: a consistent copy while another process writes; never overwrites.

use crate::harness::Admin;
use crate::with_account;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

#[tokio::test]
async fn a_backup_taken_while_another_process_writes_opens_and_passes_integrity_check() {
    let admin = Arc::new(with_account());
    let stop = Arc::new(AtomicBool::new(false));
    let (first_write, wrote) = mpsc::channel();
    let writer = {
        let (admin, stop) = (Arc::clone(&admin), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut made = 0_usize;
            while !stop.load(Ordering::SeqCst) {
                admin.ok(&["profiles", "create", "--account", "acme", "--name", "busy"]);
                made += 1;
                let _ = first_write.send(());
            }
            made
        })
    };
    wrote.recv().unwrap();
    let copies: Vec<_> = (1..=3)
        .map(|i| admin.dir().join(format!("copy-{i}.db")))
        .collect();
    for copy in &copies {
        let out = admin.ok(&["backup", copy.to_str().unwrap()]);
        assert_eq!(
            out,
            format!(
                "backed up {} to {}\n",
                admin.database().display(),
                copy.display()
            )
        );
    }
    stop.store(true, Ordering::SeqCst);
    let made = writer.join().unwrap();

    let mut counts = Vec::new();
    for copy in &copies {
        let store = Admin::open(copy).await;
        assert_eq!(store.integrity_check().await.unwrap(), Vec::<String>::new());
        let acme = store
            .find_account(&postcore_domain::AccountName::parse("acme").unwrap())
            .await
            .unwrap();
        let pages: Vec<Vec<_>> = futures::TryStreamExt::try_collect(
            postcore_store::stream_profile_pages(std::sync::Arc::clone(&store), acme.id, 100),
        )
        .await
        .unwrap();
        let profiles: Vec<_> = pages.into_iter().flatten().collect();
        assert!(
            profiles
                .iter()
                .all(|p| p.profile.name().unwrap().as_str() == "busy")
        );
        counts.push(profiles.len());
    }
    assert!(
        counts[0] >= 1 && counts.windows(2).all(|w| w[0] <= w[1]),
        "{counts:?}"
    );
    assert!(counts[2] <= made, "{counts:?} of {made}");
}

#[test]
fn a_backup_never_overwrites_a_file() {
    let admin = with_account();
    let existing = admin.dir().join("existing.db");
    std::fs::write(&existing, "keep me").unwrap();
    let path = existing.to_str().unwrap();
    assert_eq!(
        admin.run(&["backup", path]).failed(5),
        format!("error: PATH {path}: conflict: the file already exists\n")
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
}

#[test]
fn a_backup_of_a_missing_database_is_not_found() {
    let admin = Admin::new();
    let copy = admin.dir().join("copy.db");
    assert_eq!(admin.run(&["backup", copy.to_str().unwrap()]).code, 4);
    assert!(!copy.exists());
}
