//! The lab CA: made once, reused while valid, renewed before it expires, keys 0600, a chain
//! a browser accepts for the lab's names only.

use super::*;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "roundtrip-ca-{tag}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn names() -> Vec<String> {
    vec!["www.google.com".into(), "google.com".into()]
}

#[test]
fn a_new_ca_is_a_three_certificate_chain_for_the_lab_names() {
    let dir = temp_dir("new");
    let ca = LabCa::load_or_create(&dir, &names()).unwrap();
    assert_eq!(ca.made(), Made::Created);
    assert_eq!(ca.leaf_chain().len(), 2, "leaf, then intermediate");
    let now = SystemTime::now();
    verify(ca.root_der(), ca.leaf_chain(), &names(), now).unwrap();
    // Not for other names: the leaf's SANs and the intermediate's name constraints.
    assert!(verify(ca.root_der(), ca.leaf_chain(), &["example.com".into()], now).is_err());
    // The root is not the chain's issuer directly: without the intermediate nothing verifies.
    assert!(verify(ca.root_der(), &ca.leaf_chain()[..1], &names(), now).is_err());
    // The web server takes the pair.
    ca.web_identity().unwrap();
    web::TlsIdentity::from_pem_files(&ca.leaf_chain_path(), &ca.leaf_key_path()).unwrap();
    assert!(ca.root_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(
        std::fs::read_to_string(ca.root_path())
            .unwrap()
            .replace("\r\n", "\n"),
        ca.root_pem()
    );
    for key in ["root.key", "intermediate.key", "leaf.key"] {
        let mode = std::fs::metadata(dir.join(key))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{key}");
    }
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_ca_is_reused_while_valid_and_renewed_before_it_expires() {
    let dir = temp_dir("reuse");
    let first = LabCa::load_or_create(&dir, &names()).unwrap();
    let again = LabCa::load_or_create(&dir, &names()).unwrap();
    assert_eq!(again.made(), Made::Reused);
    assert_eq!(again.leaf_chain(), first.leaf_chain());
    assert_eq!(again.root_der(), first.root_der());

    // 85 days on, the 90-day leaf is within a week of its end: a new leaf, the same root.
    let later = SystemTime::now() + Duration::from_secs(85 * 86_400);
    let renewed = LabCa::load_or_create_at(&dir, &names(), later).unwrap();
    assert_eq!(renewed.made(), Made::Reissued);
    assert_eq!(renewed.root_der(), first.root_der());
    assert_ne!(renewed.leaf_chain()[0], first.leaf_chain()[0]);
    verify(renewed.root_der(), renewed.leaf_chain(), &names(), later).unwrap();

    // New names: a new leaf from the same root.
    let more = vec!["www.google.com".to_owned(), "mail.google.com".to_owned()];
    let other = LabCa::load_or_create(&dir, &more).unwrap();
    assert_eq!(other.made(), Made::Reissued);
    assert_eq!(other.root_der(), first.root_der());
    verify(
        other.root_der(),
        other.leaf_chain(),
        &more,
        SystemTime::now(),
    )
    .unwrap();

    // Eleven years on, the root itself is past its end: everything new.
    let much_later = SystemTime::now() + Duration::from_secs(11 * 365 * 86_400);
    let fresh = LabCa::load_or_create_at(&dir, &more, much_later).unwrap();
    assert_eq!(fresh.made(), Made::Created);
    assert_ne!(fresh.root_der(), first.root_der());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_damaged_file_is_made_again() {
    let dir = temp_dir("damaged");
    let first = LabCa::load_or_create(&dir, &names()).unwrap();
    std::fs::write(dir.join("leaf.key"), "not a key").unwrap();
    let again = LabCa::load_or_create(&dir, &names()).unwrap();
    assert_eq!(again.made(), Made::Reissued);
    assert_eq!(again.root_der(), first.root_der());
    std::fs::write(dir.join("root.key"), "not a key").unwrap();
    let again = LabCa::load_or_create(&dir, &names()).unwrap();
    assert_eq!(again.made(), Made::Created);
    verify(
        again.root_der(),
        again.leaf_chain(),
        &names(),
        SystemTime::now(),
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every file of the CA's directory, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_faulty_leaves_chain_to_the_lab_root_and_are_expired_or_for_another_name() {
    use rustls::pki_types::UnixTime;
    let dir = temp_dir("faulty");
    // A CA made 40 days ago, so that its root and intermediate were valid while the expired
    // leaf was.
    let now = SystemTime::now();
    let ca =
        LabCa::load_or_create_at(&dir, &names(), now - Duration::from_secs(40 * 86_400)).unwrap();
    let before = snapshot(&dir);
    let verifier = {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.root_der().clone()).unwrap();
        rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap()
    };
    let check = |chain: &[CertificateDer<'static>], name: &str, at: SystemTime| {
        use rustls::client::danger::ServerCertVerifier;
        let at = UnixTime::since_unix_epoch(at.duration_since(UNIX_EPOCH).unwrap());
        verifier.verify_server_cert(
            &chain[0],
            &chain[1..],
            &ServerName::try_from(name.to_owned()).unwrap(),
            &[],
            at,
        )
    };

    // Expired: the lab's names, the same intermediate; valid two days ago, not now.
    let (chain, key) = ca.faulty_leaf(FaultyLeaf::Expired).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], ca.leaf_chain()[1], "the same intermediate");
    assert_ne!(chain[0], ca.leaf_chain()[0], "not the real leaf");
    let two_days_ago = now - Duration::from_secs(2 * 86_400);
    verify(ca.root_der(), &chain, &names(), two_days_ago).unwrap();
    match check(&chain, "www.google.com", now) {
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. },
        )) => {}
        other => panic!("expected expired, got {other:?}"),
    }
    web::TlsIdentity::from_der(chain, key).unwrap();

    // Wrong name: valid now and chains to the root, but only for another name.
    let other = ca.other_name();
    assert_eq!(other, "mail.google.com");
    assert!(!names().contains(&other));
    let (chain, key) = ca.faulty_leaf(FaultyLeaf::WrongName).unwrap();
    assert_eq!(chain[1], ca.leaf_chain()[1], "the same intermediate");
    verify(ca.root_der(), &chain, std::slice::from_ref(&other), now).unwrap();
    for name in names() {
        match check(&chain, &name, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => {}
            other => panic!("{name}: expected not valid for the name, got {other:?}"),
        }
    }
    web::TlsIdentity::from_der(chain, key).unwrap();
    ca.faulty_identity(FaultyLeaf::Expired).unwrap();

    // Nothing was written: the directory is as it was, and the real leaf still serves.
    assert_eq!(snapshot(&dir), before);
    verify(ca.root_der(), ca.leaf_chain(), &names(), now).unwrap();
    let again = LabCa::load_or_create(&dir, &names()).unwrap();
    assert_eq!(again.made(), Made::Reused);
    assert_eq!(again.leaf_chain(), ca.leaf_chain());
    std::fs::remove_dir_all(&dir).unwrap();
}
