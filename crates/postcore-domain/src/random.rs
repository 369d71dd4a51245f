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
    // Largest multiple of the alphabet size that fits in a byte: bytes at or above it are
    // rejected so that every character has the same probability.
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("the operating system's random source failed");
        for &b in &buf {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
            }
        }
    }
    out
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
    fn two_draws_differ() {
        assert_ne!(
            random_string(b"0123456789", 32),
            random_string(b"0123456789", 32)
        );
    }
}
