//! G.711 μ-law and A-law (ITU-T G.711), the telephone codecs: decoding,
//! and encoding for the tone that covers redacted speech.
//!
//! Each 8-bit code maps to one 16-bit linear value; both tables are built at
//! compile time and scaled to f32 in [-1, 1]. The encoders quantise a 16-bit
//! value to the code whose interval holds it (the decoders give each
//! interval's middle).

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

/// Encodes one 16-bit linear sample to μ-law (G.711, section 3): the
/// magnitude plus the bias 0x84 is cut into a 3-bit segment and a 4-bit
/// step, magnitudes above 32635 are clipped, and the code is inverted.
pub const fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let x = sample as i32;
    let sign: u8 = if x < 0 { 0x80 } else { 0 };
    let mut magnitude = if x < 0 { -x } else { x };
    if magnitude > CLIP {
        magnitude = CLIP;
    }
    magnitude += BIAS;
    // The segment: the position of the highest set bit above bit 7.
    let exponent = (31 - magnitude.leading_zeros() as i32) - 7;
    let mantissa = ((magnitude >> (exponent + 3)) & 0x0F) as u8;
    !(sign | ((exponent as u8) << 4) | mantissa)
}

/// Encodes one 16-bit linear sample to A-law (G.711, section 2): the
/// 13-bit magnitude is cut into a 3-bit segment and a 4-bit step, and the
/// even bits are inverted (XOR 0x55).
pub const fn linear_to_alaw(sample: i16) -> u8 {
    let x = (sample as i32) >> 3;
    // Negative values count from -1 down, so that the two signs mirror.
    let (mask, magnitude) = if x >= 0 {
        (0xD5u8, x)
    } else {
        (0x55u8, -x - 1)
    };
    // Segment 0 and 1 share a step size; from 2 on, each doubles it.
    let segment = if magnitude < 0x20 {
        0
    } else {
        (31 - magnitude.leading_zeros() as i32) - 4
    };
    let shift = if segment < 2 { 1 } else { segment };
    let code = ((segment as u8) << 4) | ((magnitude >> shift) & 0x0F) as u8;
    code ^ mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half the quantisation step of a μ-law code, in 16-bit units.
    fn ulaw_half_step(code: u8) -> i32 {
        1 << (((!code >> 4) & 0x07) + 2)
    }

    /// Half the quantisation step of an A-law code, in 16-bit units.
    fn alaw_half_step(code: u8) -> i32 {
        let segment = ((code ^ 0x55) >> 4) & 0x07;
        1 << (segment.max(1) + 2)
    }

    #[test]
    fn every_code_survives_decoding_and_encoding_again() {
        for code in 0..=255u8 {
            let v = ulaw_to_linear(code);
            assert_eq!(ulaw_to_linear(linear_to_ulaw(v)), v, "mu-law {code:#04x}");
            let v = alaw_to_linear(code);
            assert_eq!(linear_to_alaw(v), code, "A-law {code:#04x}");
        }
        // μ-law has two zeros (0xFF, 0x7F); the encoder writes 0xFF.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
    }

    #[test]
    fn every_sample_comes_back_within_half_a_step() {
        for x in i16::MIN..=i16::MAX {
            let code = linear_to_ulaw(x);
            let err = (i32::from(ulaw_to_linear(code)) - i32::from(x)).abs();
            // Beyond 32635 μ-law clips (its largest value is 32124).
            let clipped = (i32::from(x).abs() - 32635).max(0);
            assert!(
                err <= ulaw_half_step(code) + clipped,
                "mu-law: {x} -> {code:#04x} -> {}",
                ulaw_to_linear(code)
            );
            let code = linear_to_alaw(x);
            let err = (i32::from(alaw_to_linear(code)) - i32::from(x)).abs();
            assert!(
                err <= alaw_half_step(code),
                "A-law: {x} -> {code:#04x} -> {}",
                alaw_to_linear(code)
            );
        }
    }

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
