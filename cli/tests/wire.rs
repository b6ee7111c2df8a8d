//! The wire form's building blocks against known answers and independent implementations:
//! AES-128 (NIST SP 800-38A), the app-id derivation (R-HTTP-APP-ID), key formats (R-HTTP-KEYS)
//! and the request signature string (R-HTTP-CHECKS).

#[path = "../../tests/common/spec_md.rs"]
mod spec_md;

use authsim::scenario::parse_header;
use authsim_cli::wire;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

fn key(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../keys")
            .join(name),
    )
    .unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// With a zero IV the first CBC block is the ECB block: NIST SP 800-38A F.1.1 (ECB-AES128),
/// blocks 1 and, chained, CBC F.2.1 shifted: the first ciphertext block must be 3ad77bb4….
#[test]
fn r_http_phone_aes_matches_nist_sp800_38a() {
    let key: [u8; 16] = hex("2b7e151628aed2a6abf7158809cf4f3c").try_into().unwrap();
    let p1 = hex("6bc1bee22e409f96e93d7e117393172a");
    let ct = B64.decode(wire::aes_encrypt(&key, &p1)).unwrap();
    assert_eq!(ct.len(), 32, "one block of data, one of PKCS#7 padding");
    assert_eq!(
        &ct[..16],
        hex("3ad77bb40d7a3660a89ecaf32466ef97").as_slice()
    );
    // The padding block is E(C1 xor 16×0x10); and decryption inverts it.
    assert_eq!(wire::aes_decrypt_bytes(&key, &B64.encode(&ct)).unwrap(), p1);
    // A tampered ciphertext does not decrypt to the same text (bad padding or other bytes).
    let mut bad = ct.clone();
    bad[31] ^= 1;
    assert_ne!(wire::aes_decrypt_bytes(&key, &B64.encode(&bad)), Some(p1));
}

#[test]
fn r_http_keys_accept_every_documented_form() {
    let pkcs1 = wire::private_key(&key("app-test-private.pem")).unwrap();
    let pkcs8 = wire::private_key(&key("app-test-private-pkcs8.pem")).unwrap();
    assert_eq!(pkcs1.public(), pkcs8.public());
    let pem = key("app-test-public.pem");
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(
        wire::public_key(&pem).unwrap(),
        wire::public_key(&bare).unwrap()
    );
    assert!(wire::public_key("MIIB").is_err());
    assert!(
        wire::private_key(&pem).is_err(),
        "a public key is not a private key"
    );
    assert_eq!(
        wire::aes_key(key("app-test-aes.txt").trim()).unwrap().len(),
        16
    );
    assert!(wire::aes_key(&B64.encode([0u8; 15])).is_err());
    assert!(wire::aes_key("not base64!").is_err());
    // What the app key signs, its public key verifies; another key does not.
    let sig = wire::sign(&pkcs1, "a=1&b=2");
    assert!(wire::verify(
        &wire::public_key(&pem).unwrap(),
        "a=1&b=2",
        &sig
    ));
    assert!(!wire::verify(
        &wire::public_key(&key("other-test-public.pem")).unwrap(),
        "a=1&b=2",
        &sig
    ));
    // PKCS#1 v1.5 signatures are deterministic: the same text signs to the same bytes.
    assert_eq!(sig, wire::sign(&pkcs1, "a=1&b=2"));
}

/// The sign content: every parameter but `sign` and empty values, sorted by key, raw values.
#[test]
fn r_http_checks_request_sign_content() {
    let content = wire::request_sign_content([
        ("timestamp", "2026-12-03 09:28:00"),
        ("sign", "xyz"),
        ("app_id", "2021000000000001"),
        ("code", "a b&c"),
        ("empty", ""),
        ("method", "alipay.system.oauth.token"),
    ]);
    assert_eq!(
        content,
        "app_id=2021000000000001&code=a b&c&method=alipay.system.oauth.token&timestamp=2026-12-03 09:28:00"
    );
}

/// Known answers of the app-id derivation: `2021` + 12 digits from the ChaCha8 stream
/// `0x6170705f6964` of the seed; a given appId is kept and never drawn again.
#[test]
fn r_http_app_id_derivation_known_answers() {
    let h = parse_header(r#"{"seed": 7, "apps": [{"name": "shop"}, {"name": "b"}]}"#).unwrap();
    let ids = wire::app_ids(&h);
    assert_eq!(ids[0], "2021582758609489");
    assert!(ids.iter().all(|i| i.len() == 16 && i.starts_with("2021")));
    assert_ne!(ids[0], ids[1]);
    let h0 = parse_header(
        r#"{"seed": 0, "apps": [{"name": "a"}, {"name": "b", "appId": "2021000000000042"}]}"#,
    )
    .unwrap();
    let ids0 = wire::app_ids(&h0);
    assert_eq!(ids0[1], "2021000000000042");
    assert_eq!(ids0, wire::app_ids(&h0), "deterministic");
    let other_seed = parse_header(r#"{"seed": 8, "apps": [{"name": "shop"}]}"#).unwrap();
    assert_ne!(wire::app_ids(&other_seed)[0], ids[0]);
    // SPEC §1.1's known answers for the app ids, read from its table.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = spec_md::read(&repo);
    let rows: Vec<Vec<String>> = spec_md::table(
        spec_md::section(&spec, "### 1.1"),
        &["seed", "item", "value"],
    )
    .into_iter()
    .filter(|r| r[1].starts_with("first app_id"))
    .collect();
    assert_eq!(rows.len(), 3, "seeds 0, 1 and 2^64-1");
    for row in rows {
        let h = parse_header(&format!(
            r#"{{"seed": {}, "apps": [{{"name": "a0"}}]}}"#,
            row[0]
        ))
        .unwrap();
        assert_eq!(wire::app_ids(&h)[0], row[2], "seed {}", row[0]);
    }
}
