//! Redacted spans silenced (or covered by a tone) in a WAV file.
//!
//! A redacted recording must still be the recording: QA teams replay it,
//! and a dispute may need it as evidence. So [`write_redacted`] changes
//! nothing but the sample bytes of the redacted spans, on their channel:
//! the header, every other chunk (LIST, bext, …), the other channel and
//! every sample outside the spans stay byte for byte as they were. Decoding
//! and re-encoding the file would change every sample of a float or G.711
//! file and drop the chunks a recorder wrote.
//!
//! The file is streamed in blocks of whole frames: what comes before the
//! data chunk and after it is copied as it is, each block of the data has
//! its span samples overwritten on the way. The copy goes to a temporary
//! file beside the output, renamed over it only when complete
//! ([`crate::output::AtomicFile`]), so a failure leaves no half-written
//! file, and the output may be the input itself (redaction in place).
//!
//! A span holds silence (the encoding's zero) or, with [`Fill::Tone`], the
//! broadcast "bleep": a 1 kHz sine at -20 dBFS, which tells a listener that
//! something was taken out rather than that the line dropped. The tone's
//! phase follows the frame's position in the file, so overlapping or
//! adjacent spans join into one unbroken tone. [`silence`] does the same to
//! decoded audio (the HTML report's player).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::audio::{g711, riff, Audio, AudioError, AudioErrorKind, Encoding};
use crate::output::AtomicFile;

/// Frequency of the cover tone (Hz).
pub const TONE_HZ: u32 = 1000;

/// Peak amplitude of the cover tone, in full scale: 0.1 is -20 dBFS as
/// AES17 defines it (a full-scale sine is 0 dBFS).
pub const TONE_PEAK: f32 = 0.1;

/// Frames copied per block while streaming a file.
const BLOCK_FRAMES: usize = 65_536;

/// A stretch of a recording to blank out: its time and its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpan {
    /// Start in ms (rounded down to a frame).
    pub start_ms: u64,
    /// End in ms (rounded up to a frame), exclusive.
    pub end_ms: u64,
    /// The channel (0 = left, 1 = right), or `None` for every channel: a
    /// mono file, or a mix in which the party is not known.
    pub channel: Option<usize>,
}

/// What a redacted span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fill {
    /// The encoding's zero.
    #[default]
    Silence,
    /// A sine of [`TONE_HZ`] at [`TONE_PEAK`].
    Tone,
}

impl Fill {
    /// The sample at `frame` of a file at `rate` Hz, in [-1, 1].
    fn sample(self, frame: u64, rate: u32) -> f32 {
        match self {
            Fill::Silence => 0.0,
            Fill::Tone => {
                // The phase in whole cycles, exact in integers: no drift
                // over an hour-long file.
                let step = (frame * u64::from(TONE_HZ)) % u64::from(rate);
                let phase = std::f64::consts::TAU * step as f64 / f64::from(rate);
                TONE_PEAK * phase.sin() as f32
            }
        }
    }
}

/// Why [`write_redacted`] wrote nothing. Its `Display` is one line that
/// names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum RedactAudioError {
    /// The input cannot be read, is not a WAV file, or holds audio of a
    /// kind callcoach does not read.
    #[error(transparent)]
    Input(#[from] AudioError),
    /// A span names a channel the input does not have.
    #[error(
        "{}: cannot redact channel {channel}: the file has {channels} channel(s), numbered from 0",
        path.display()
    )]
    Channel {
        /// The input file.
        path: PathBuf,
        /// The channel asked for.
        channel: usize,
        /// The channels the file has.
        channels: u16,
    },
    /// The output (or its temporary file) cannot be written.
    #[error("{}: cannot write: {source}", path.display())]
    Output {
        /// The file that could not be written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// Writes `output` as a copy of the WAV file `input` in which every span
/// holds `fill` on its channel, every other byte unchanged.
///
/// Spans are clamped to the file and may overlap. The output is written
/// atomically and may be `input` itself. Fails, writing nothing, when the
/// input is not a WAV file callcoach reads, a span names a channel the
/// file lacks, or the output cannot be written.
pub fn write_redacted(
    input: &Path,
    output: &Path,
    spans: &[AudioSpan],
    fill: Fill,
) -> Result<(), RedactAudioError> {
    let in_err = |kind: AudioErrorKind| {
        RedactAudioError::Input(AudioError {
            path: input.to_path_buf(),
            kind,
        })
    };
    let file = File::open(input).map_err(|e| in_err(e.into()))?;
    let file_len = file.metadata().map_err(|e| in_err(e.into()))?.len();
    let mut reader = BufReader::new(file);
    let header = riff::read_header(&mut reader).map_err(in_err)?;
    let info = header.info;
    let format = SampleFormat::of(&header).map_err(in_err)?;
    if let Some(channel) = spans
        .iter()
        .filter_map(|s| s.channel)
        .find(|&c| c >= usize::from(info.channels))
    {
        return Err(RedactAudioError::Channel {
            path: input.to_path_buf(),
            channel,
            channels: info.channels,
        });
    }
    let ranges = channel_ranges(
        spans,
        info.sample_rate,
        info.frames,
        usize::from(info.channels),
    );
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| in_err(e.into()))?;

    let out = AtomicFile::create(output).map_err(|source| RedactAudioError::Output {
        path: output.to_path_buf(),
        source,
    })?;
    let mut copy = Copier {
        reader,
        out,
        buf: vec![0; BLOCK_FRAMES * format.block_align],
        input,
        output,
    };
    let data_end = header.data_offset + header.data_len;
    copy.bytes(header.data_offset, |_, _| {})?;
    copy.bytes(header.data_len, |block, offset| {
        let first = offset / format.block_align as u64;
        format.patch(block, first, &ranges, fill, info.sample_rate);
    })?;
    copy.bytes(file_len.saturating_sub(data_end), |_, _| {})?;
    copy.out.commit().map_err(|e| RedactAudioError::Output {
        path: e.path,
        source: e.source,
    })
}

/// Gives every span of decoded `audio` the fill `fill`, as
/// [`write_redacted`] does in a file. A span on a channel the audio lacks
/// (a stereo call's span in its mono mix) covers every channel, so that
/// nothing redacted stays audible.
pub fn silence(audio: &mut Audio, spans: &[AudioSpan], fill: Fill) {
    let rate = audio.sample_rate;
    let ranges = channel_ranges(spans, rate, audio.frames() as u64, audio.channels.len());
    for (samples, ranges) in audio.channels.iter_mut().zip(&ranges) {
        for frames in ranges {
            for frame in frames.clone() {
                samples[frame as usize] = fill.sample(frame, rate);
            }
        }
    }
}

/// The frames to fill on each channel: the spans converted to frames at
/// `rate`, clamped to `frames`, sorted and merged. A span without a channel,
/// or on a channel past `channels`, counts for every channel.
fn channel_ranges(
    spans: &[AudioSpan],
    rate: u32,
    frames: u64,
    channels: usize,
) -> Vec<Vec<Range<u64>>> {
    let to_frame = |ms: u64, round_up: u64| {
        (ms.saturating_mul(u64::from(rate)).saturating_add(round_up) / 1000).min(frames)
    };
    (0..channels)
        .map(|channel| {
            let mut ranges: Vec<Range<u64>> = spans
                .iter()
                .filter(|s| s.channel.is_none_or(|c| c == channel || c >= channels))
                .map(|s| to_frame(s.start_ms, 0)..to_frame(s.end_ms, 999))
                .filter(|r| !r.is_empty())
                .collect();
            ranges.sort_by_key(|r| r.start);
            let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
            for r in ranges {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r),
                }
            }
            merged
        })
        .collect()
}

/// How the file stores one sample: its encoding, the bytes it takes (its
/// container) and the bytes of a frame.
#[derive(Debug, Clone, Copy)]
struct SampleFormat {
    encoding: Encoding,
    width: usize,
    block_align: usize,
}

impl SampleFormat {
    /// The sample layout of the file `header` describes.
    fn of(header: &riff::Header) -> Result<Self, AudioErrorKind> {
        let info = header.info;
        let block_align = (header.data_len / info.frames) as usize;
        let channels = usize::from(info.channels);
        let width = block_align / channels;
        let needed = match info.encoding {
            Encoding::Pcm(bits) => usize::from(bits).div_ceil(8),
            Encoding::Float32 => 4,
            Encoding::MuLaw | Encoding::ALaw => 1,
        };
        let fits = match info.encoding {
            Encoding::Pcm(_) => (needed..=4).contains(&width),
            _ => width == needed,
        };
        if !block_align.is_multiple_of(channels) || !fits {
            return Err(AudioErrorKind::Corrupt(format!(
                "{block_align}-byte frames do not hold {channels} channel(s) of {}",
                info.encoding
            )));
        }
        Ok(SampleFormat {
            encoding: info.encoding,
            width,
            block_align,
        })
    }

    /// Writes `x` (in [-1, 1]) into `out` (one sample's bytes) as the file
    /// stores it: integer PCM left-justified in its container, unsigned
    /// when one byte wide; float as is; G.711 through its encoder.
    fn encode(&self, x: f32, out: &mut [u8]) {
        match self.encoding {
            Encoding::Pcm(_) if self.width == 1 => out[0] = (quantise(x, 8) + 128) as u8,
            Encoding::Pcm(bits) => {
                let shift = self.width as u32 * 8 - u32::from(bits);
                let v = (quantise(x, bits) as i32) << shift;
                out.copy_from_slice(&v.to_le_bytes()[..self.width]);
            }
            Encoding::Float32 => out.copy_from_slice(&x.to_le_bytes()),
            Encoding::MuLaw => out[0] = g711::linear_to_ulaw(quantise(x, 16) as i16),
            Encoding::ALaw => out[0] = g711::linear_to_alaw(quantise(x, 16) as i16),
        }
    }

    /// Fills the samples of `ranges` (per channel) that lie in `block`,
    /// whole frames starting at frame `first`.
    fn patch(
        &self,
        block: &mut [u8],
        first: u64,
        ranges: &[Vec<Range<u64>>],
        fill: Fill,
        rate: u32,
    ) {
        let end = first + (block.len() / self.block_align) as u64;
        for (channel, ranges) in ranges.iter().enumerate() {
            for frames in ranges {
                for frame in frames.start.max(first)..frames.end.min(end) {
                    let at = (frame - first) as usize * self.block_align + channel * self.width;
                    self.encode(fill.sample(frame, rate), &mut block[at..at + self.width]);
                }
            }
        }
    }
}

/// `x` in [-1, 1] as a signed integer of `bits` bits, rounded and clipped.
fn quantise(x: f32, bits: u16) -> i64 {
    let full = 1i64 << (bits - 1);
    ((f64::from(x) * full as f64).round() as i64).clamp(-full, full - 1)
}

/// The streaming copy of [`write_redacted`]: the input's bytes, in blocks,
/// into the output, each read or write error named by its file.
struct Copier<'a> {
    reader: BufReader<File>,
    out: AtomicFile,
    buf: Vec<u8>,
    input: &'a Path,
    output: &'a Path,
}

impl Copier<'_> {
    /// Copies the next `len` bytes, handing each block and its offset from
    /// the first of them to `patch` on the way. Blocks are a whole number of
    /// frames long.
    fn bytes(
        &mut self,
        len: u64,
        mut patch: impl FnMut(&mut [u8], u64),
    ) -> Result<(), RedactAudioError> {
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(self.buf.len() as u64) as usize;
            let block = &mut self.buf[..n];
            self.reader.read_exact(block).map_err(|e| {
                let kind = match e.kind() {
                    io::ErrorKind::UnexpectedEof => AudioErrorKind::Truncated,
                    _ => AudioErrorKind::Io(e),
                };
                RedactAudioError::Input(AudioError {
                    path: self.input.to_path_buf(),
                    kind,
                })
            })?;
            patch(block, done);
            self.out
                .write_all(block)
                .map_err(|source| RedactAudioError::Output {
                    path: self.output.to_path_buf(),
                    source,
                })?;
            done += n as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 8000;

    /// A span of `start_ms`..`end_ms` on `channel`.
    fn span_of(start_ms: u64, end_ms: u64, channel: Option<usize>) -> AudioSpan {
        AudioSpan {
            start_ms,
            end_ms,
            channel,
        }
    }

    /// A WAV file built by hand (hound cannot write G.711), with a LIST
    /// chunk before the data and an odd-sized chunk after it, and where its
    /// samples lie.
    struct TestWav {
        bytes: Vec<u8>,
        data_offset: usize,
        format: SampleFormat,
    }

    impl TestWav {
        /// `seconds` of noise in the format of `tag`/`bits` (`encoding`).
        fn noise(tag: u16, bits: u16, encoding: Encoding, channels: u16, seconds: u32) -> Self {
            let width = usize::from(bits) / 8;
            let format = SampleFormat {
                encoding,
                width,
                block_align: width * usize::from(channels),
            };
            let samples = (RATE * seconds) as usize * usize::from(channels);
            let mut data = vec![0u8; samples * width];
            let mut state = 0x2545_f491_u32;
            for sample in data.chunks_mut(width) {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let x = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
                format.encode(x, sample);
            }
            let block_align = format.block_align as u16;
            let mut b = Vec::new();
            b.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
            b.extend_from_slice(&16u32.to_le_bytes());
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&channels.to_le_bytes());
            b.extend_from_slice(&RATE.to_le_bytes());
            b.extend_from_slice(&(RATE * u32::from(block_align)).to_le_bytes());
            b.extend_from_slice(&block_align.to_le_bytes());
            b.extend_from_slice(&bits.to_le_bytes());
            b.extend_from_slice(b"LIST\x05\0\0\0INFOx\0");
            b.extend_from_slice(b"data");
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            let data_offset = b.len();
            b.extend_from_slice(&data);
            b.extend_from_slice(b"junk\x03\0\0\0end\0");
            let riff_len = (b.len() - 8) as u32;
            b[4..8].copy_from_slice(&riff_len.to_le_bytes());
            TestWav {
                bytes: b,
                data_offset,
                format,
            }
        }

        fn write(&self, path: &Path) {
            std::fs::write(path, &self.bytes).unwrap();
        }

        /// Redacts `spans` with `fill` in a copy of this file in `dir`;
        /// returns the output file and its bytes.
        fn redacted(&self, dir: &Path, spans: &[AudioSpan], fill: Fill) -> (PathBuf, Vec<u8>) {
            let (input, output) = (dir.join("in.wav"), dir.join("out.wav"));
            self.write(&input);
            write_redacted(&input, &output, spans, fill).unwrap();
            let bytes = std::fs::read(&output).unwrap();
            (output, bytes)
        }

        /// Asserts that `output` is this file but for the samples of
        /// `patched` (channel, frames), and returns those samples' bytes.
        fn changed<'a>(
            &self,
            output: &'a [u8],
            patched: &[(usize, Range<usize>)],
        ) -> Vec<&'a [u8]> {
            assert_eq!(output.len(), self.bytes.len(), "file length");
            let f = self.format;
            let at = |channel: usize, frame: usize| {
                self.data_offset + frame * f.block_align + channel * f.width
            };
            let mut in_span = vec![false; output.len()];
            let mut samples = Vec::new();
            for (channel, frames) in patched {
                for frame in frames.clone() {
                    let i = at(*channel, frame);
                    in_span[i..i + f.width].fill(true);
                    samples.push(&output[i..i + f.width]);
                }
            }
            let differing: Vec<usize> = (0..output.len())
                .filter(|&i| !in_span[i] && output[i] != self.bytes[i])
                .collect();
            assert!(
                differing.is_empty(),
                "{} bytes outside the spans differ, first at {:?}",
                differing.len(),
                differing.first()
            );
            samples
        }
    }

    /// The frequency (by zero crossings) and level (dBFS, AES17) of a tone.
    fn tone_of(samples: &[f32]) -> (f64, f64) {
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count();
        let hz = crossings as f64 / 2.0 / (samples.len() as f64 / f64::from(RATE));
        let rms = (samples.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>()
            / samples.len() as f64)
            .sqrt();
        (hz, 20.0 * (rms * std::f64::consts::SQRT_2).log10())
    }

    /// Every encoding callcoach reads: name, format tag, bits, encoding
    /// and the bytes of its silence.
    const FORMATS: [(&str, u16, u16, Encoding, &[u8]); 7] = [
        ("8-bit PCM", 1, 8, Encoding::Pcm(8), &[0x80]),
        ("16-bit PCM", 1, 16, Encoding::Pcm(16), &[0, 0]),
        ("24-bit PCM", 1, 24, Encoding::Pcm(24), &[0, 0, 0]),
        ("32-bit PCM", 1, 32, Encoding::Pcm(32), &[0, 0, 0, 0]),
        ("32-bit float", 3, 32, Encoding::Float32, &[0, 0, 0, 0]),
        ("mu-law", 7, 8, Encoding::MuLaw, &[0xFF]),
        ("A-law", 6, 8, Encoding::ALaw, &[0xD5]),
    ];

    /// Redacts `span` with `fill` in a 1 s stereo file of every encoding,
    /// checks that nothing but the samples of `frames` on the span's
    /// channel changed, and hands the encoding's name and silence, those
    /// samples and the output file to `check`.
    fn in_every_encoding(
        span: AudioSpan,
        fill: Fill,
        frames: Range<usize>,
        check: impl Fn(&str, &[u8], &[&[u8]], &Path),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let channel = span.channel.unwrap();
        for (name, tag, bits, encoding, zero) in FORMATS {
            let wav = TestWav::noise(tag, bits, encoding, 2, 1);
            let (output, out) = wav.redacted(dir.path(), &[span], fill);
            let samples = wav.changed(&out, &[(channel, frames.clone())]);
            check(name, zero, &samples, &output);
        }
    }

    #[test]
    fn every_encoding_gets_silence_on_one_channel_and_keeps_every_other_byte() {
        let span = span_of(250, 750, Some(1));
        // 250-750 ms at 8 kHz: frames 2000-5999 of the right channel.
        in_every_encoding(span, Fill::Silence, 2000..6000, |name, zero, samples, _| {
            assert_eq!(samples.len(), 4000);
            assert!(samples.iter().all(|s| *s == zero), "{name}: not silence");
        });
    }

    #[test]
    fn every_encoding_gets_a_1_khz_tone_at_minus_20_dbfs() {
        let span = span_of(100, 600, Some(0));
        in_every_encoding(span, Fill::Tone, 800..4800, |name, _, _, output| {
            let audio = crate::audio::load(output, None).unwrap();
            let (hz, dbfs) = tone_of(&audio.channels[0][800..4800]);
            assert!((hz - 1000.0).abs() < 5.0, "{name}: {hz} Hz");
            assert!((dbfs + 20.0).abs() < 1.0, "{name}: {dbfs} dBFS");
        });
    }

    #[test]
    fn spans_are_clamped_merged_and_cover_every_channel_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let wav = TestWav::noise(7, 8, Encoding::MuLaw, 2, 1);
        let spans = [
            // Past the end of the 1 s file: clamped to it.
            span_of(900, 5000, Some(0)),
            // Overlapping, on the right channel.
            span_of(100, 300, Some(1)),
            span_of(200, 400, Some(1)),
            // Both channels.
            span_of(500, 510, None),
            // Wholly past the end, and empty: nothing.
            span_of(2000, 3000, None),
            span_of(50, 50, Some(0)),
        ];
        let (_, out) = wav.redacted(dir.path(), &spans, Fill::Silence);
        let samples = wav.changed(
            &out,
            &[
                (0, 7200..8000),
                (1, 800..3200),
                (0, 4000..4080),
                (1, 4000..4080),
            ],
        );
        assert_eq!(samples.len(), 800 + 2400 + 160);
        assert!(samples.iter().all(|s| *s == [0xFF]));
    }

    #[test]
    fn a_mono_file_is_redacted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let (path, copy) = (dir.path().join("call.wav"), dir.path().join("copy.wav"));
        let wav = TestWav::noise(6, 8, Encoding::ALaw, 1, 1);
        wav.write(&path);
        let span = span_of(0, 125, Some(0));
        write_redacted(&path, &copy, &[span], Fill::Tone).unwrap();
        write_redacted(&path, &path, &[span], Fill::Tone).unwrap();
        let out = std::fs::read(&path).unwrap();
        assert_eq!(out, std::fs::read(&copy).unwrap());
        assert_eq!(wav.changed(&out, &[(0, 0..1000)]).len(), 1000);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn errors_name_the_file_in_one_line_and_leave_no_output() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let stereo = d.join("stereo.wav");
        TestWav::noise(1, 16, Encoding::Pcm(16), 2, 1).write(&stereo);
        let text = d.join("notes.wav");
        std::fs::write(&text, "not audio at all, just text").unwrap();
        let adpcm = d.join("adpcm.wav");
        let mut bytes = TestWav::noise(1, 16, Encoding::Pcm(16), 2, 1).bytes;
        bytes[20] = 2; // format tag 2: Microsoft ADPCM
        std::fs::write(&adpcm, bytes).unwrap();
        let out = d.join("out.wav");
        let any = [span_of(0, 100, None)];
        let right_of_three = [span_of(0, 100, Some(3))];
        let cases: [(&Path, &Path, &[AudioSpan], &Path, &str); 6] = [
            (
                &d.join("missing.wav"),
                &out,
                &any,
                &d.join("missing.wav"),
                "cannot read",
            ),
            (&text, &out, &any, &text, "not a WAV file"),
            (&adpcm, &out, &any, &adpcm, "unsupported WAV: format tag 2"),
            (
                &stereo,
                &out,
                &right_of_three,
                &stereo,
                "cannot redact channel 3: the file has 2 channel(s)",
            ),
            (
                &stereo,
                &d.join("no/such/dir/out.wav"),
                &any,
                &d.join("no/such/dir/out.wav"),
                "cannot write",
            ),
            // A directory below a regular file: not writable, even by root.
            (
                &stereo,
                &text.join("out.wav"),
                &any,
                &text.join("out.wav"),
                "cannot write",
            ),
        ];
        for (input, output, spans, named, problem) in cases {
            let message = write_redacted(input, output, spans, Fill::Silence)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(&format!("{}: ", named.display())),
                "{message}"
            );
            assert!(message.contains(problem), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
        let mut left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["adpcm.wav", "notes.wav", "stereo.wav"]);
    }

    #[test]
    fn a_real_stereo_mulaw_call_keeps_every_byte_outside_its_spans() {
        let dir = tempfile::tempdir().unwrap();
        let input = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/realcalls/autorepair-40-stereo-ulaw.wav");
        let output = dir.path().join("out.wav");
        let bytes = std::fs::read(&input).unwrap();
        let header = riff::read_header(&mut io::Cursor::new(&bytes)).unwrap();
        let wav = TestWav {
            format: SampleFormat::of(&header).unwrap(),
            data_offset: header.data_offset as usize,
            bytes,
        };
        assert_eq!(
            (
                header.info.encoding,
                header.info.channels,
                header.info.sample_rate
            ),
            (Encoding::MuLaw, 2, 8000)
        );
        // 20 spans of 1.5 s, every 12 s, on alternating channels.
        let spans: Vec<AudioSpan> = (0..20)
            .map(|i| span_of(i * 12_000 + 500, i * 12_000 + 2000, Some(i as usize % 2)))
            .collect();
        write_redacted(&input, &output, &spans, Fill::Silence).unwrap();
        let patched: Vec<(usize, Range<usize>)> = (0..20)
            .map(|i| (i % 2, i * 96_000 + 4000..i * 96_000 + 16_000))
            .collect();
        let out = std::fs::read(&output).unwrap();
        let samples = wav.changed(&out, &patched);
        assert_eq!(samples.len(), 20 * 12_000);
        assert!(samples.iter().all(|s| *s == [0xFF]));
    }

    #[test]
    fn decoded_audio_gets_the_same_fill() {
        let mut audio = Audio {
            sample_rate: RATE,
            channels: vec![vec![0.5; 8000], vec![-0.5; 8000]],
        };
        let spans = [span_of(0, 10, Some(1)), span_of(500, 9000, None)];
        silence(&mut audio, &spans, Fill::Silence);
        assert!(audio.channels[0][..4000].iter().all(|&x| x == 0.5));
        assert!(audio.channels[0][4000..].iter().all(|&x| x == 0.0));
        assert!(audio.channels[1][..80].iter().all(|&x| x == 0.0));
        assert!(audio.channels[1][80..4000].iter().all(|&x| x == -0.5));
        assert!(audio.channels[1][4000..].iter().all(|&x| x == 0.0));

        // At 11025 Hz, 1-2 ms is frames 11.025-22.05: 11 to 22, rounded out.
        let mut odd = Audio {
            sample_rate: 11_025,
            channels: vec![vec![0.5; 100]],
        };
        silence(&mut odd, &[span_of(1, 2, None)], Fill::Silence);
        let zeros: Vec<usize> = (0..100).filter(|&i| odd.channels[0][i] == 0.0).collect();
        assert_eq!(zeros, (11..23).collect::<Vec<_>>());

        // A stereo span in a mono mix covers the mix.
        let mut mix = Audio {
            sample_rate: RATE,
            channels: vec![vec![0.5; 8000]],
        };
        silence(&mut mix, &[span_of(0, 500, Some(1))], Fill::Tone);
        let (hz, dbfs) = tone_of(&mix.channels[0][..4000]);
        assert!(
            (hz - 1000.0).abs() < 5.0 && (dbfs + 20.0).abs() < 0.1,
            "{hz} Hz, {dbfs} dBFS"
        );
        assert!(mix.channels[0][4000..].iter().all(|&x| x == 0.5));
    }
}
