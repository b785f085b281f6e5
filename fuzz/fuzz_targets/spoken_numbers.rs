//! Text split in words as a spoken number: no panic, only ASCII digits
//! out, and at most `MAX_DIGITS_PER_WORD` digits per input word.
#![no_main]

use callcoach::redact::numbers::{spoken_digits, word_pieces, MAX_DIGITS_PER_WORD};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let words: Vec<&str> = text.split_whitespace().collect();
        let digits = spoken_digits(&words);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
        assert!(
            digits.len() <= MAX_DIGITS_PER_WORD * words.len(),
            "{} digits from {} words",
            digits.len(),
            words.len()
        );
        for w in &words {
            let _ = word_pieces(w);
        }
    }
});
