//! The wire form: what the model's answers look like once they cross Alipay's real wire.
//!
//! The library's payloads carry `"sign": "AUTHSIM_UNSIGNED"` and the phone number in clear,
//! because the model holds no keys. A world whose apps carry keys (or the HTTP gateway, which
//! always has them) shows them as Alipay sends them instead:
//!
//! - every gateway answer (`alipay.system.oauth.token`, `alipay.user.info.share`, errors
//!   included) is `{"<key>":{...},"sign":"..."}`, the `sign` being RSA2 (SHA256withRSA, PKCS#1
//!   v1.5, base64) with the Alipay key over the exact text of the object as written
//!   (SPEC R-HTTP-SIGN);
//! - `my.getPhoneNumber`'s `response` is the whole message of sources S-HTTP-PHONE-MESSAGE: the inner object
//!   AES-128-CBC encrypted with the app's `aesKey` (zero IV, PKCS#7, base64), signed over the
//!   quoted ciphertext; an app without `aesKey` gets the 40001 `isv.missing-encrypt-key`
//!   document (SPEC R-HTTP-PHONE).
//!
//! One module does this for `authsim run` and for `authsim serve --http`, so the same world
//! gives the same bytes. Signing is deterministic (PKCS#1 v1.5 draws no randomness).

use std::collections::BTreeSet;
use std::sync::Arc;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use authsim::payload::{
    GatewayErrorBody, OauthTokenBody, Payload, ResponseString, UserInfoShareBody,
};
use authsim::scenario::{Header, ScenarioError, StepSpec, Summary, TraceResult, TraceStep};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use ring::signature::RsaKeyPair;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// The published test key the simulated Alipay gateway signs with by default (`keys/`).
pub const TEST_ALIPAY_PRIVATE_KEY: &str = include_str!("../../keys/alipay-test-private.pem");
/// The published test app public key: what an app without `publicKey` is checked with.
pub const TEST_APP_PUBLIC_KEY: &str = include_str!("../../keys/app-test-public.pem");

/// The stream of the app-id derivation: `"app_id"` in ASCII, so it never meets the model's
/// stream (which uses stream 0).
const APP_ID_STREAM: u64 = 0x6170_705f_6964;

/// Why keys could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A private key that is neither PKCS#1 nor PKCS#8 PEM.
    #[error("not an RSA private key in PKCS#1 or PKCS#8 PEM")]
    PrivateKey,
    /// A public key that is neither PEM nor bare base64 of a SubjectPublicKeyInfo.
    #[error("not an RSA public key (PEM, or bare base64 of the SubjectPublicKeyInfo)")]
    PublicKey,
    /// An AES key that is not base64 of exactly 16 bytes.
    #[error("not base64 of 16 bytes (an AES-128 key)")]
    AesKey,
}

/// An RSA private key, ready to sign. The rsa crate reads the PEM forms; ring signs (several
/// times faster than the rsa crate, and signing is what an HTTP exchange spends its time on).
#[derive(Clone)]
pub struct PrivateKey {
    pair: Arc<RsaKeyPair>,
    public: PublicKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PrivateKey({} bits)",
            self.pair.public().modulus_len() * 8
        )
    }
}

impl PrivateKey {
    /// Its public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

/// An RSA public key: the PKCS#1 `RSAPublicKey` DER ring verifies with, and the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    der: Vec<u8>,
    key: RsaPublicKey,
}

impl PublicKey {
    fn new(key: RsaPublicKey) -> Result<PublicKey, KeyError> {
        let der = key
            .to_pkcs1_der()
            .map_err(|_| KeyError::PublicKey)?
            .as_bytes()
            .to_vec();
        Ok(PublicKey { der, key })
    }

    /// As SubjectPublicKeyInfo PEM, LF line endings.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("an RSA public key encodes")
    }
}

/// Reads an RSA private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
pub fn private_key(pem: &str) -> Result<PrivateKey, KeyError> {
    let pem = pem.trim();
    let key = RsaPrivateKey::from_pkcs1_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
        .map_err(|_| KeyError::PrivateKey)?;
    let der = key.to_pkcs1_der().map_err(|_| KeyError::PrivateKey)?;
    let pair = RsaKeyPair::from_der(der.as_bytes()).map_err(|_| KeyError::PrivateKey)?;
    Ok(PrivateKey {
        pair: Arc::new(pair),
        public: PublicKey::new(RsaPublicKey::from(&key))?,
    })
}

/// Reads an RSA public key as the Alipay console takes it: PEM, or the bare base64 of the
/// SubjectPublicKeyInfo (the PEM body without its armour, line breaks allowed).
pub fn public_key(text: &str) -> Result<PublicKey, KeyError> {
    let text = text.trim();
    let key = if text.starts_with("-----") {
        RsaPublicKey::from_public_key_pem(text).map_err(|_| KeyError::PublicKey)?
    } else {
        let bare: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = B64.decode(bare).map_err(|_| KeyError::PublicKey)?;
        RsaPublicKey::from_public_key_der(&der).map_err(|_| KeyError::PublicKey)?
    };
    PublicKey::new(key)
}

/// Reads an AES-128 key given as base64.
pub fn aes_key(text: &str) -> Result<[u8; 16], KeyError> {
    let bytes = B64.decode(text.trim()).map_err(|_| KeyError::AesKey)?;
    bytes.try_into().map_err(|_| KeyError::AesKey)
}

/// RSA2 signature (SHA256withRSA, PKCS#1 v1.5) of `text`, base64. PKCS#1 v1.5 signatures are
/// deterministic: ring's random source only blinds the computation.
pub fn sign(key: &PrivateKey, text: &str) -> String {
    let mut sig = vec![0u8; key.pair.public().modulus_len()];
    key.pair
        .sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            text.as_bytes(),
            &mut sig,
        )
        .expect("an RSA key of at least 2048 bits signs");
    B64.encode(sig)
}

/// Whether `signature` (base64) is the RSA2 signature of `text` under `key`.
pub fn verify(key: &PublicKey, text: &str, signature: &str) -> bool {
    let Ok(bytes) = B64.decode(signature.trim()) else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &key.der)
        .verify(text.as_bytes(), &bytes)
        .is_ok()
}

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// AES-128-CBC with a zero IV and PKCS#7 padding, base64: Alipay's content encryption.
pub fn aes_encrypt(key: &[u8; 16], plaintext: impl AsRef<[u8]>) -> String {
    let ct = Aes128CbcEnc::new(key.into(), &[0u8; 16].into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext.as_ref());
    B64.encode(ct)
}

/// The inverse of [`aes_encrypt`], as bytes; `None` if the text is not base64, not a whole
/// number of blocks, or badly padded.
pub fn aes_decrypt_bytes(key: &[u8; 16], ciphertext: &str) -> Option<Vec<u8>> {
    let ct = B64.decode(ciphertext.trim()).ok()?;
    Aes128CbcDec::new(key.into(), &[0u8; 16].into())
        .decrypt_padded_vec_mut::<Pkcs7>(&ct)
        .ok()
}

/// The inverse of [`aes_encrypt`] for text; `None` also when the plaintext is not UTF-8.
pub fn aes_decrypt(key: &[u8; 16], ciphertext: &str) -> Option<String> {
    String::from_utf8(aes_decrypt_bytes(key, ciphertext)?).ok()
}

/// The string the request signature covers: every parameter but `sign` with a non-empty value,
/// sorted by key, as `key=value` joined by `&`, values as sent (decoded, not re-encoded).
pub fn request_sign_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    sign_content(params, false)
}

/// The same string with the empty-valued parameters kept (`key=`), as the official SDKs sign it.
pub fn request_sign_content_keeping_empty<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    sign_content(params, true)
}

fn sign_content<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    keep_empty: bool,
) -> String {
    let mut kept: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| *k != "sign" && !k.is_empty() && (keep_empty || !v.is_empty()))
        .collect();
    kept.sort();
    let mut out = String::new();
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// An app as the wire sees it.
#[derive(Clone, Debug)]
pub struct WireApp {
    /// The app's name in the world.
    pub name: String,
    /// Its 16-digit `app_id`.
    pub app_id: String,
    /// The key its requests are checked with.
    pub public_key: PublicKey,
    /// Its content-encryption key, if it has one.
    pub aes_key: Option<[u8; 16]>,
}

/// Everything the wire form needs: the Alipay signing key and each app's id and keys.
#[derive(Clone, Debug)]
pub struct Wire {
    alipay: PrivateKey,
    apps: Vec<WireApp>,
}

/// Derives the `app_id`s of apps that have none: `2021` and 12 digits drawn from a ChaCha8
/// stream of the world's seed (stream `APP_ID_STREAM`, `"app_id"` in ASCII), skipping any already taken.
/// SPEC R-HTTP-APP-ID.
pub fn app_ids(header: &Header) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(header.seed);
    rng.set_stream(APP_ID_STREAM);
    let mut taken: BTreeSet<String> = header
        .apps
        .iter()
        .filter_map(|a| a.app_id.clone())
        .collect();
    header
        .apps
        .iter()
        .map(|a| match &a.app_id {
            Some(id) => id.clone(),
            None => loop {
                let id = format!("2021{:012}", rng.next_u64() % 1_000_000_000_000);
                if taken.insert(id.clone()) {
                    break id;
                }
            },
        })
        .collect()
}

impl Wire {
    /// The wire form of `header`'s world, signed with `alipay_key` (PEM; default the published
    /// test key). Errors point at the app member that is wrong.
    pub fn new(header: &Header, alipay_key: Option<&str>) -> Result<Wire, ScenarioError> {
        let alipay = private_key(alipay_key.unwrap_or(TEST_ALIPAY_PRIVATE_KEY))
            .map_err(|e| ScenarioError::new(format!("the Alipay private key: {e}")))?;
        let default_public = public_key(TEST_APP_PUBLIC_KEY).expect("the shipped test key parses");
        let ids = app_ids(header);
        let mut apps = Vec::with_capacity(header.apps.len());
        for (i, (a, app_id)) in header.apps.iter().zip(ids).enumerate() {
            let public_key = match &a.public_key {
                None => default_public.clone(),
                Some(text) => public_key(text).map_err(|e| {
                    ScenarioError::new(format!("publicKey: {e}")).at(format!("/apps/{i}/publicKey"))
                })?,
            };
            let aes_key = match &a.aes_key {
                None => None,
                Some(text) => Some(aes_key(text).map_err(|e| {
                    ScenarioError::new(format!("aesKey: {e}")).at(format!("/apps/{i}/aesKey"))
                })?),
            };
            apps.push(WireApp {
                name: a.name.clone(),
                app_id,
                public_key,
                aes_key,
            });
        }
        Ok(Wire { alipay, apps })
    }

    /// Whether a world shows the wire form in `authsim run`: some app carries a wire setting.
    pub fn wanted(header: &Header) -> bool {
        header.apps.iter().any(|a| a.has_wire_settings())
    }

    /// The apps, in world order.
    pub fn apps(&self) -> &[WireApp] {
        &self.apps
    }

    /// The app with this `app_id`.
    pub fn app_by_id(&self, app_id: &str) -> Option<&WireApp> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }

    /// The app with this name.
    pub fn app_by_name(&self, name: &str) -> Option<&WireApp> {
        self.apps.iter().find(|a| a.name == name)
    }

    /// The Alipay public key, as PEM (`GET /alipay-public-key`).
    pub fn alipay_public_key_pem(&self) -> String {
        self.alipay.public().to_pem()
    }

    /// RSA2 with the Alipay key.
    pub fn sign(&self, text: &str) -> String {
        sign(&self.alipay, text)
    }

    /// The wire form of one step's result. `step` is the step as played (it names the app).
    pub fn dress<'a>(&self, step: &StepSpec, result: &'a TraceResult) -> WireResult<'a> {
        let TraceResult::Payload(payload) = result else {
            return WireResult::Same(result);
        };
        let signed = |key: &'static str, body: Body<'a>| {
            let text = serde_json::to_string(&body).expect("bodies are plain data");
            WireResult::Signed(Signed {
                key,
                body,
                sign: self.sign(&text),
            })
        };
        match payload {
            Payload::OauthToken(ok) => signed(
                "alipay_system_oauth_token_response",
                Body::Token(&ok.alipay_system_oauth_token_response),
            ),
            Payload::UserInfoShare(ok) => signed(
                "alipay_user_info_share_response",
                Body::Share(&ok.alipay_user_info_share_response),
            ),
            Payload::GatewayError(e) => signed("error_response", Body::Error(&e.error_response)),
            Payload::Response(r) if matches!(step, StepSpec::GetPhoneNumber(_)) => {
                let app = step.names().1.and_then(|n| self.app_by_name(n));
                WireResult::Phone(ResponseString {
                    response: self.phone_message(app.and_then(|a| a.aes_key), &r.response),
                })
            }
            _ => WireResult::Same(result),
        }
    }

    /// `my.getPhoneNumber`'s `response` on the wire: the model's `{"response":{...}}` inner
    /// object encrypted and signed, or the 40001 document without an AES key.
    fn phone_message(&self, key: Option<[u8; 16]>, plain: &str) -> String {
        #[derive(Deserialize)]
        struct Wrap<'a> {
            #[serde(borrow)]
            response: &'a serde_json::value::RawValue,
        }
        let Some(key) = key else {
            return MISSING_ENCRYPT_KEY.to_owned();
        };
        let inner = serde_json::from_str::<Wrap>(plain)
            .map(|w| w.response.get())
            .unwrap_or(plain);
        let ciphertext = aes_encrypt(&key, inner);
        let quoted = format!("\"{ciphertext}\"");
        let message = PhoneMessage {
            response: &ciphertext,
            sign: self.sign(&quoted),
            sign_type: "RSA2",
            encrypt_type: "AES",
            charset: "UTF-8",
        };
        serde_json::to_string(&message).expect("plain data")
    }

    /// The trace of `steps` (as played) in the wire form, with the same members and order as
    /// the library's [`authsim::scenario::Trace`].
    pub fn trace<'a>(
        &self,
        seed: u64,
        steps: impl IntoIterator<Item = (&'a StepSpec, &'a TraceStep)>,
        summary: &'a Summary,
    ) -> WireTrace<'a> {
        WireTrace {
            seed,
            steps: steps
                .into_iter()
                .map(|(spec, step)| self.step(spec, step))
                .collect(),
            summary,
        }
    }

    /// One trace step in the wire form.
    pub fn step<'a>(&self, spec: &StepSpec, step: &'a TraceStep) -> WireStep<'a> {
        WireStep {
            index: step.index,
            op: &step.op,
            outcome: step.outcome,
            popups: step.popups,
            result: self.dress(spec, &step.result),
            findings: &step.findings,
            expectations_failed: &step.expectations_failed,
        }
    }
}

/// `my.getPhoneNumber` without an AES key (sources: S-HTTP-PHONE-MESSAGE), in the model's `{"response":{...}}` form.
pub const MISSING_ENCRYPT_KEY: &str = r#"{"response":{"code":"40001","msg":"Missing Required Arguments","subCode":"isv.missing-encrypt-key","subMsg":"缺少加密配置"}}"#;

/// The encrypted phone-number message, members in the published order (sources: S-HTTP-PHONE-MESSAGE).
#[derive(Serialize)]
struct PhoneMessage<'a> {
    response: &'a str,
    sign: String,
    sign_type: &'static str,
    encrypt_type: &'static str,
    charset: &'static str,
}

/// A gateway body that gets signed.
#[derive(Clone, Copy, Debug)]
pub enum Body<'a> {
    /// `alipay.system.oauth.token`.
    Token(&'a OauthTokenBody),
    /// `alipay.user.info.share`.
    Share(&'a UserInfoShareBody),
    /// `error_response`.
    Error(&'a GatewayErrorBody),
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Token(b) => b.serialize(s),
            Body::Share(b) => b.serialize(s),
            Body::Error(b) => b.serialize(s),
        }
    }
}

/// `{"<key>": body, "sign": "..."}`.
#[derive(Clone, Debug)]
pub struct Signed<'a> {
    /// `<method>_response` or `error_response`.
    pub key: &'static str,
    /// The object the signature covers.
    pub body: Body<'a>,
    /// RSA2 over the body's compact text.
    pub sign: String,
}

impl Serialize for Signed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(self.key, &self.body)?;
        map.serialize_entry("sign", &self.sign)?;
        map.end()
    }
}

/// A result in the wire form.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum WireResult<'a> {
    /// Nothing on the wire differs from the model's payload.
    Same(&'a TraceResult),
    /// A signed gateway answer.
    Signed(Signed<'a>),
    /// `my.getPhoneNumber`: `{"response": "<message>"}`.
    Phone(ResponseString),
}

impl WireResult<'_> {
    /// The HTTP body of a gateway answer: exactly the bytes whose inner object was signed.
    pub fn body(&self) -> String {
        serde_json::to_string(self).expect("plain data")
    }
}

/// A trace step in the wire form (members as [`TraceStep`]).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireStep<'a> {
    /// The step's number.
    pub index: usize,
    /// Its op.
    pub op: &'a str,
    /// Its outcome.
    pub outcome: authsim::scenario::TraceOutcome,
    /// Popups shown.
    pub popups: u32,
    /// The result on the wire.
    pub result: WireResult<'a>,
    /// Findings.
    pub findings: &'a [authsim::findings::Finding],
    /// Failed expectations.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub expectations_failed: &'a [String],
}

/// A trace in the wire form (members as [`authsim::scenario::Trace`]).
#[derive(Clone, Debug, Serialize)]
pub struct WireTrace<'a> {
    /// The seed.
    pub seed: u64,
    /// The steps.
    pub steps: Vec<WireStep<'a>>,
    /// The totals.
    pub summary: &'a Summary,
}
