//! Encryption of platform secrets at rest: XChaCha20-Poly1305 with row-bound associated data.

use crate::{SecretKeySource, StoreError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

/// Nonce length of XChaCha20-Poly1305, in bytes.
const NONCE_LEN: usize = 24;
/// Plaintext of the key check value stored in `meta`.
const KEY_CHECK: &[u8] = b"postcore secret key check v1";
/// Associated data of the key check value.
pub(crate) const KEY_CHECK_AAD: &str = "postcore/v1/meta/key_check";

/// The AEAD under the database's secret key.
pub(crate) struct Cipher(XChaCha20Poly1305);

impl Cipher {
    pub(crate) fn from_key_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        if bytes.len() != 32 {
            return Err(StoreError::SecretKey(format!(
                "the secret key must be 32 bytes (base64 of 32 bytes), found {} bytes",
                bytes.len()
            )));
        }
        Ok(Self(XChaCha20Poly1305::new_from_slice(bytes).map_err(
            |_| StoreError::SecretKey("the secret key must be 32 bytes".into()),
        )?))
    }

    /// `nonce || ciphertext` of `plaintext`, bound to `aad`.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &str) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::backend_with("random source", e))?;
        let ct = self
            .0
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Backend(crate::BackendError::message("encryption failed")))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The plaintext of a sealed value; `WrongSecretKey` when the key or `aad` does not fit.
    pub(crate) fn open(&self, sealed: &[u8], aad: &str) -> Result<Vec<u8>, StoreError> {
        let Some((nonce, ct)) = sealed.split_first_chunk::<NONCE_LEN>() else {
            return Err(StoreError::InvalidData("sealed value too short".into()));
        };
        self.0
            .decrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::WrongSecretKey)
    }

    pub(crate) fn seal_secret(
        &self,
        secret: &SecretString,
        aad: &str,
    ) -> Result<Vec<u8>, StoreError> {
        self.seal(secret.expose_secret().as_bytes(), aad)
    }

    pub(crate) fn open_secret(&self, sealed: &[u8], aad: &str) -> Result<SecretString, StoreError> {
        let bytes = self.open(sealed, aad)?;
        String::from_utf8(bytes)
            .map(SecretString::from)
            .map_err(|_| StoreError::InvalidData("decrypted secret is not UTF-8".into()))
    }

    pub(crate) fn key_check(&self) -> Result<Vec<u8>, StoreError> {
        self.seal(KEY_CHECK, KEY_CHECK_AAD)
    }

    pub(crate) fn verify_key_check(&self, sealed: &[u8]) -> Result<(), StoreError> {
        match self.open(sealed, KEY_CHECK_AAD) {
            Ok(p) if p == KEY_CHECK => Ok(()),
            _ => Err(StoreError::WrongSecretKey),
        }
    }
}

/// Associated data binding a secret to its row and field.
pub(crate) fn secret_aad(profile_key: &str, platform: &str, field: &str) -> String {
    format!("postcore/v1/{profile_key}/{platform}/{field}")
}

/// The key file used by [`SecretKeySource::BesideDatabase`]: `<database>.key`.
pub fn default_key_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn decode_key(text: &str, origin: &str) -> Result<Cipher, StoreError> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|_| StoreError::SecretKey(format!("{origin} is not valid base64")))?;
    Cipher::from_key_bytes(&bytes)
        .map_err(|_| StoreError::SecretKey(format!("{origin} must be base64 of exactly 32 bytes")))
}

fn read_key_file(path: &Path) -> Result<Cipher, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StoreError::SecretKey(format!(
            "cannot read the secret key file {}: {e}",
            path.display()
        ))
    })?;
    decode_key(&text, &format!("the secret key file {}", path.display()))
}

/// Writes a new random key to `path` with mode 0600; fails if the file exists.
fn generate_key_file(path: &Path) -> Result<Cipher, StoreError> {
    use std::io::Write as _;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| StoreError::backend_with("random source", e))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        StoreError::SecretKey(format!(
            "cannot create the secret key file {}: {e}",
            path.display()
        ))
    })?;
    file.write_all(format!("{}\n", B64.encode(key)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| {
            StoreError::SecretKey(format!(
                "cannot write the secret key file {}: {e}",
                path.display()
            ))
        })?;
    tracing::info!(path = %path.display(), "generated a new secret key file for platform credentials");
    Cipher::from_key_bytes(&key)
}

/// Loads the cipher. `database_has_key_check` says whether the database already holds
/// encrypted data; only then is a missing default key file an error rather than made anew.
pub(crate) fn load_cipher(
    source: &SecretKeySource,
    database: &Path,
    database_has_key_check: bool,
) -> Result<Cipher, StoreError> {
    match source {
        SecretKeySource::Base64(text) => decode_key(text.expose_secret(), "POSTCORE_SECRET_KEY"),
        SecretKeySource::File(path) => read_key_file(path),
        SecretKeySource::BesideDatabase => {
            let path = default_key_file(database);
            if path.exists() {
                read_key_file(&path)
            } else if database_has_key_check {
                Err(StoreError::SecretKey(format!(
                    "this database's credentials are encrypted, but no secret key was given and {} \
                     does not exist: set POSTCORE_SECRET_KEY or point to the key file",
                    path.display()
                )))
            } else {
                generate_key_file(&path)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_aad() {
        let a = Cipher::from_key_bytes(&[7u8; 32]).unwrap();
        let b = Cipher::from_key_bytes(&[8u8; 32]).unwrap();
        let sealed = a
            .seal(b"token", "postcore/v1/prof_a/linkedin/access_token")
            .unwrap();
        assert_eq!(
            a.open(&sealed, "postcore/v1/prof_a/linkedin/access_token")
                .unwrap(),
            b"token"
        );
        assert!(matches!(
            a.open(&sealed, "postcore/v1/prof_b/linkedin/access_token"),
            Err(StoreError::WrongSecretKey)
        ));
        assert!(matches!(
            b.open(&sealed, "postcore/v1/prof_a/linkedin/access_token"),
            Err(StoreError::WrongSecretKey)
        ));
    }

    /// Sealed with chacha20poly1305 0.10 (nonce 01..18): a value already in a database
    /// must still open after a library upgrade.
    #[test]
    fn values_sealed_by_earlier_builds_still_open() {
        let hex = "0102030405060708090a0b0c0d0e0f101112131415161718\
                   36aa3585412eaaf1af8fa47b06171c9f120c127c68";
        let sealed: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let cipher = Cipher::from_key_bytes(&[7u8; 32]).unwrap();
        assert_eq!(
            cipher
                .open(&sealed, "postcore/v1/prof_a/linkedin/access_token")
                .unwrap(),
            b"token"
        );
    }

    #[test]
    fn keys_of_the_wrong_length_are_refused() {
        assert!(matches!(
            decode_key(&B64.encode([1u8; 16]), "k"),
            Err(StoreError::SecretKey(_))
        ));
        assert!(matches!(
            decode_key("not base64!", "k"),
            Err(StoreError::SecretKey(_))
        ));
    }
}
