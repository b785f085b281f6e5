//! G.711 μ-law and A-law decoding (ITU-T G.711), the telephone codecs.
//!
//! Each 8-bit code maps to one 16-bit linear value; both tables are built at
//! compile time and scaled to f32 in [-1, 1].

/// μ-law code → sample, for all 256 codes.
pub static MULAW_TABLE: [f32; 256] = build(false);
/// A-law code → sample, for all 256 codes.
pub static ALAW_TABLE: [f32; 256] = build(true);

const fn build(alaw: bool) -> [f32; 256] {
    let mut t = [0f32; 256];
    let mut i = 0;
    while i < 256 {
        let v = if alaw {
            alaw_to_linear(i as u8)
        } else {
            ulaw_to_linear(i as u8)
        };
        t[i] = v as f32 / 32768.0;
        i += 1;
    }
    t
}

/// Decodes one μ-law code to 16-bit linear PCM (G.711, section 3).
pub const fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let exponent = (u >> 4) & 0x07;
    let mantissa = (u & 0x0F) as i16;
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if u & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Decodes one A-law code to 16-bit linear PCM (G.711, section 2).
pub const fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let exponent = (a >> 4) & 0x07;
    let mantissa = (a & 0x0F) as i16;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if a & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // Reference values from the G.711 tables: 0xFF / 0x7F are μ-law's two
        // zeros; 0x00 is its largest negative value, -32124.
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        // A-law: 0xD5 is the smallest positive value (8), 0xAA the largest (32256).
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }
}
