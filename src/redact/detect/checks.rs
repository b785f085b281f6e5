//! Check digits of the numbers redaction recognises: Luhn (ISO/IEC 7812)
//! for payment cards, mod 97 (ISO 13616) for IBANs. A passing check only
//! chooses a span's kind.

/// Whether `digits` (ASCII digits) pass the Luhn check of ISO/IEC 7812-1:
/// doubling every second digit from the right, the sum ends in 0.
pub(super) fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            let twice = d * 2;
            twice / 10 + twice % 10
        } else {
            d
        };
    }
    !digits.is_empty() && sum % 10 == 0
}

/// Whether `iban` (letters and digits, no spaces) passes the check of ISO
/// 13616: two letters, two check digits, at most 30 more characters; the
/// first four moved to the end and letters read as 10–35, the number is 1
/// modulo 97. (Hand-written rather than a crate: spoken IBANs are checked
/// only to choose the kind, so the country formats a crate adds are not
/// needed.)
pub(super) fn iban_mod97(iban: &str) -> bool {
    let b = iban.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_alphabetic)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rest = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            _ => u32::from(c.to_ascii_uppercase() - b'A') + 10,
        };
        rest = if v < 10 {
            rest * 10 + v
        } else {
            rest * 100 + v
        } % 97;
    }
    rest == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_of_test_cards() {
        assert!(luhn("4111111111111111"));
        assert!(luhn("5555555555554444"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4111111111111112"));
        assert!(!luhn(""));
        assert!(!luhn("41a1"));
    }

    #[test]
    fn mod97_of_example_ibans() {
        assert!(iban_mod97("DE89370400440532013000"));
        assert!(iban_mod97("GB29NWBK60161331926819"));
        assert!(iban_mod97("de89370400440532013000"));
        assert!(!iban_mod97("DE89370400440532013001"));
        assert!(!iban_mod97("DE8937040044"));
        assert!(!iban_mod97("1289370400440532013000"));
    }
}
