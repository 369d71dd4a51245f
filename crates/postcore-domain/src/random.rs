//! Uniform random strings drawn from the operating system's CSPRNG.

/// Returns `len` characters drawn uniformly from `alphabet` using the OS CSPRNG
/// (`getrandom`), with rejection sampling so that no character is favoured.
///
/// `alphabet` must be ASCII and hold between 1 and 256 characters.
///
/// # Panics
/// When the operating system's random source fails, which leaves no safe way to make a
/// secret; and when `alphabet` is empty or not ASCII (a programming error).
pub fn random_string(alphabet: &[u8], len: usize) -> String {
    assert!(
        !alphabet.is_empty() && alphabet.len() <= 256 && alphabet.is_ascii(),
        "alphabet must hold 1..=256 ASCII characters"
    );
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("the operating system's random source failed");
        for &b in &buf {
            if out.len() == len {
                break;
            }
            if let Some(c) = pick(alphabet, b) {
                out.push(char::from(c));
            }
        }
    }
    out
}

/// The character random byte `b` stands for, or `None` when `b` is rejected: bytes at or
/// above the largest multiple of the alphabet's size that fits in a byte are rejected, so
/// that every character has the same probability (1 / `alphabet.len()`).
fn pick(alphabet: &[u8], b: u8) -> Option<u8> {
    let limit = 256 - (256 % alphabet.len());
    let b = usize::from(b);
    (b < limit).then(|| alphabet[b % alphabet.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_only_from_the_alphabet_with_the_requested_length() {
        let s = random_string(b"ab", 1000);
        assert_eq!(s.len(), 1000);
        assert!(s.bytes().all(|b| b == b'a' || b == b'b'));
        // Both letters appear in 1000 fair draws (probability of failure 2^-999).
        assert!(s.contains('a') && s.contains('b'));
    }

    #[test]
    fn bytes_past_the_last_whole_alphabet_are_rejected() {
        // 36 characters: 7 whole alphabets fit in 252 byte values; 252..=255 are rejected.
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(pick(alphabet, 0), Some(b'a'));
        assert_eq!(pick(alphabet, 37), Some(b'b'));
        assert_eq!(pick(alphabet, 251), Some(b'9'));
        assert_eq!(pick(alphabet, 252), None);
        assert_eq!(pick(alphabet, 255), None);
        // A size that divides 256 rejects nothing.
        assert_eq!(pick(b"ab", 255), Some(b'b'));
    }

    #[test]
    fn two_draws_differ() {
        assert_ne!(
            random_string(b"0123456789", 32),
            random_string(b"0123456789", 32)
        );
    }
}
