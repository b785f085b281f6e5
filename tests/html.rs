//! The visual report in a real browser (docs/html-report.md): pages for
//! sample calls (good and bad, English and German, mono and stereo, audio
//! embedded and linked) and a batch index, loaded by headless Chromium.
//!
//! Chromium must be installed (scripts/install-deps.sh --test; CI installs it):
//! without it these tests fail, they never pass silently.
//!
//! Each page is checked four ways: its DOM (`--dump-dom`) has the main
//! elements and agrees with the JSON scorecard; a screenshot is not blank
//! and shows the verdict colours; the browser logs nothing to the console
//! and the page's script records no error; and its `#selftest` mode clicks
//! a transcript timestamp and the middle of the timeline and reports the
//! player's `currentTime`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use callcoach::findings::Verdict;
use callcoach::wording::Wording;
use common::{base_model, callcoach, callcoach_json};
use serde_json::Value;

/// Seeking a 16-bit PCM WAV is sample-exact: Chromium reported
/// currentTime = 4.23 for a 4.230 s timestamp (difference 0). 10 ms (one
/// analysis frame) leaves room for a decoder that snaps to a block.
const SEEK_TOLERANCE_S: f64 = 0.01;

/// The CSS colours of the verdicts (src/render/html/report.css).
const OK_RGB: [u8; 3] = [0x2e, 0x8b, 0x57];
const WATCH_RGB: [u8; 3] = [0xe0, 0xa8, 0x00];
const PROBLEM_RGB: [u8; 3] = [0xc0, 0x39, 0x2b];
/// The header's background.
const HEADER_RGB: [u8; 3] = [0x1d, 0x23, 0x30];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Chromium binary; fails the test with the fix when it is missing.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CALLCOACH_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "Chromium is needed by the browser tests of the HTML report and was not found: \
         run scripts/install-deps.sh --test (it installs the `chromium` package; CI does this), \
         or set CALLCOACH_CHROMIUM to a Chromium binary"
    );
}

/// What one headless Chromium run gave.
struct Browser {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `url` with `extra` flags, its own profile,
/// and a 120 s limit.
fn run_chromium(url: &str, extra: &[&str]) -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium on {url} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Browser {
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn file_url(path: &Path, fragment: &str) -> String {
    let abs = std::fs::canonicalize(path).unwrap();
    format!("file://{}{fragment}", abs.display())
}

/// The page's DOM after its scripts ran (virtual time lets media load).
fn dump_dom(page: &Path, fragment: &str) -> Browser {
    let b = run_chromium(
        &file_url(page, fragment),
        &["--virtual-time-budget=15000", "--dump-dom"],
    );
    assert!(
        b.stdout.contains("</html>"),
        "no DOM from chromium for {}: {}",
        page.display(),
        b.stderr
    );
    b
}

/// Console messages Chromium logged for the page (any level: the report's
/// pages write nothing to the console, so any line is a fault).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Runs the page's `#selftest` and returns its JSON result.
fn selftest(page: &Path) -> Value {
    let b = dump_dom(page, "#selftest");
    let start = b
        .stdout
        .find("<pre id=\"selftest-result\">")
        .unwrap_or_else(|| {
            panic!(
                "{}: the selftest wrote no result (script did not run or the player never loaded)\n{}",
                page.display(),
                b.stdout.chars().take(2000).collect::<String>()
            )
        });
    let rest = &b.stdout[start + "<pre id=\"selftest-result\">".len()..];
    let json = unescape(&rest[..rest.find("</pre>").unwrap()]);
    let lines = console_lines(&b.stderr);
    assert!(
        lines.is_empty(),
        "{}: console messages: {lines:#?}",
        page.display()
    );
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("selftest JSON {json}: {e}"))
}

/// A decoded screenshot (8-bit RGB or RGBA, non-interlaced, as Chromium writes).
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

/// Decodes a PNG: chunks, zlib (flate2), the five scanline filters.
fn decode_png(bytes: &[u8]) -> Image {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut pos, mut idat) = (8, Vec::new());
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("PNG colour type {t} not handled"),
                };
                assert_eq!(data[12], 0, "interlaced PNG not handled");
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&idat[..]), &mut raw).unwrap();
    let stride = width * channels;
    let mut img = vec![0u8; stride * height];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                img[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 { img[(y - 1) * stride + x] } else { 0 };
            let c = if x >= channels && y > 0 {
                img[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let pred = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("PNG filter {f}"),
            };
            img[y * stride + x] = line[x].wrapping_add(pred);
        }
    }
    Image {
        width,
        height,
        rgb: img.chunks(channels).map(|p| [p[0], p[1], p[2]]).collect(),
    }
}

impl Image {
    /// Pixels of exactly this colour.
    fn count(&self, rgb: [u8; 3]) -> usize {
        self.rgb.iter().filter(|p| **p == rgb).count()
    }

    /// Standard deviation of the luminance (0..255).
    fn luminance_std(&self) -> f64 {
        let l: Vec<f64> = self
            .rgb
            .iter()
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect();
        let m = l.iter().sum::<f64>() / l.len() as f64;
        (l.iter().map(|v| (v - m).powi(2)).sum::<f64>() / l.len() as f64).sqrt()
    }
}

/// Screenshot of `page` at 1280 × `height` px.
fn screenshot(page: &Path, height: u32) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let b = run_chromium(
        &file_url(page, ""),
        &[
            &format!("--screenshot={}", png.display()),
            &format!("--window-size=1280,{height}"),
            "--virtual-time-budget=5000",
        ],
    );
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot of {}: {e}\n{}", page.display(), b.stderr));
    decode_png(&bytes)
}

/// Runs every browser check of one call's page against its scorecard.
fn check_call_page(page: &Path, card: &Value) {
    let html = std::fs::read_to_string(page).unwrap();
    // Self-contained: nothing fetched from the network.
    for bad in ["src=\"http", "href=\"http", "url(http", "@import", "<link "] {
        assert!(!html.contains(bad), "{}: contains {bad}", page.display());
    }

    let dom = dump_dom(page, "").stdout;
    for id in [
        "id=\"player\"",
        "id=\"scorecard\"",
        "id=\"timeline-svg\"",
        "id=\"pitch-svg\"",
        "id=\"loudness-svg\"",
        "id=\"rate-svg\"",
        "id=\"transcript\"",
    ] {
        assert!(dom.contains(id), "{}: no {id} in the DOM", page.display());
    }
    // The page speaks the call's language: its lang attribute, headings
    // and the verdict pills (the DOM escapes nothing in these words).
    let lang = card["language"].as_str().unwrap();
    let words = Wording::builtin(lang);
    assert!(
        dom.contains(&format!("<html lang=\"{lang}\">")),
        "{}: not marked {lang}",
        page.display()
    );
    for key in ["scorecard", "timeline", "transcript", "pitch", "loudness"] {
        let heading = format!("<h2>{}</h2>", words.page(key));
        assert!(dom.contains(&heading), "{}: no {heading}", page.display());
    }
    for f in card["findings"].as_array().unwrap() {
        let v: Verdict = serde_json::from_value(f["verdict"].clone()).unwrap();
        let pill = format!(">{}</span>", words.verdict(v));
        assert!(dom.contains(&pill), "{}: no pill {pill}", page.display());
    }
    // The eight rows carry the verdicts of the JSON scorecard.
    let findings = card["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 8);
    for f in findings {
        let row = format!(
            "<tr class=\"v-{}\" id=\"f-{}\">",
            f["verdict"].as_str().unwrap(),
            f["id"].as_str().unwrap()
        );
        assert!(dom.contains(&row), "{}: no {row}", page.display());
    }
    // The transcript shows the words by speaker.
    let words = card["structure"]["words"].as_array().unwrap();
    assert!(!words.is_empty());
    assert!(dom.matches("<p class=\"utt agent\">").count() >= 1);
    let first = words[0]["text"].as_str().unwrap().trim();
    assert!(
        dom.contains(&unescape_free(first)),
        "{}: word {first:?} missing",
        page.display()
    );

    let st = selftest(page);
    eprintln!("{}: selftest {st}", page.display());
    assert_eq!(
        st["errors"],
        serde_json::json!([]),
        "{}: script errors",
        page.display()
    );
    let duration_s = card["duration_ms"].as_f64().unwrap() / 1000.0;
    let player_s = st["duration"].as_f64().expect("player duration");
    // The page's audio is the call: its length agrees to one 8 kHz sample period rounding (1 ms).
    assert!(
        (player_s - duration_s).abs() < 0.002,
        "player {player_s} s vs call {duration_s} s"
    );
    let expected = st["timestamp"]["expected"]
        .as_f64()
        .expect("a timestamp was clicked");
    let current = st["timestamp"]["current"]
        .as_f64()
        .expect("the player seeked");
    assert!(
        (current - expected).abs() <= SEEK_TOLERANCE_S,
        "timestamp {expected} s, player at {current} s"
    );
    // The middle of the timeline is half the call. A synthetic click lands
    // on a whole CSS pixel (clientX is truncated): the four sample pages
    // measured 0.87–0.91 px early (e.g. 27.895 s for 27.975 s, 1 px =
    // 0.089 s); 1.5 px allows for the rounded element sizes the selftest
    // reports.
    let timeline_px = st["sizes"]["timeline-svg"][0].as_f64().unwrap();
    let plot_px = timeline_px * 910.0 / 1000.0;
    let tolerance_s = 1.5 * duration_s / plot_px;
    let mid = st["timeline"]["current"]
        .as_f64()
        .expect("timeline click seeked");
    assert!(
        (mid - duration_s / 2.0).abs() <= tolerance_s,
        "timeline middle: player at {mid} s, expected {} ± {tolerance_s:.3} s",
        duration_s / 2.0
    );
    // Main elements are laid out with real sizes.
    for (id, min_w, min_h) in [
        ("head", 600.0, 60.0),
        ("player", 300.0, 20.0),
        ("scorecard", 600.0, 250.0),
        ("timeline-svg", 600.0, 80.0),
        ("pitch-svg", 600.0, 80.0),
        ("loudness-svg", 600.0, 80.0),
        ("rate-svg", 600.0, 80.0),
        ("transcript", 600.0, 60.0),
    ] {
        let w = st["sizes"][id][0].as_f64().unwrap_or(0.0);
        let h = st["sizes"][id][1].as_f64().unwrap_or(0.0);
        assert!(
            w >= min_w && h >= min_h,
            "{}: #{id} is {w}×{h} px, expected at least {min_w}×{min_h}",
            page.display()
        );
    }

    let img = screenshot(page, 1400);
    assert_eq!((img.width, img.height), (1280, 1400));
    let std = img.luminance_std();
    // A blank page has 0; the sample pages measured 60–75.
    assert!(
        std > 20.0,
        "{}: screenshot looks blank (luminance SD {std:.1})",
        page.display()
    );
    assert!(
        img.count(HEADER_RGB) > 1280 * 40,
        "{}: header band missing",
        page.display()
    );
    for (verdict, rgb) in [
        ("ok", OK_RGB),
        ("watch", WATCH_RGB),
        ("problem", PROBLEM_RGB),
    ] {
        if findings.iter().any(|f| f["verdict"] == verdict) {
            // A verdict pill is ~50×18 px of flat colour.
            let n = img.count(rgb);
            assert!(
                n > 300,
                "{}: {verdict} colour shows on {n} px only",
                page.display()
            );
        }
    }
}

/// The text as the DOM serialises it.
fn unescape_free(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The batch: three sample calls, two agents, pages and index.
struct BatchRun {
    _dir: tempfile::TempDir,
    out: PathBuf,
}

fn batch_run() -> &'static BatchRun {
    static RUN: OnceLock<BatchRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let model = base_model();
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("calls.csv");
        let samples = root().join("samples");
        std::fs::write(
            &manifest,
            format!(
                "file,agent,language\n{0}/01-en-good.wav,anna,\n{0}/11-en-real-call.wav,anna,\n{0}/02-de-monotone.wav,ben,de\n",
                samples.display()
            ),
        )
        .unwrap();
        let out = dir.path().join("out");
        // German given: language detection takes the monotone synthetic
        // German of 02 for Latin. 45 s: the 30 s call is embedded, the 54 and 56 s calls are linked.
        let o = callcoach(&[
            "batch",
            "--manifest",
            manifest.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--html",
            "--embed-audio-max-s",
            "45",
            "--quiet",
            "--model",
            model.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "batch --html failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        BatchRun { _dir: dir, out }
    })
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn chromium_is_installed() {
    let out = Command::new(chromium()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Chromium"));
}

#[test]
fn score_page_renders_and_seeks() {
    let model = base_model();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("too_fast.html");
    let card = callcoach_json(&[
        "score",
        "samples/08-en-too_fast.wav",
        "--json",
        "--html",
        page.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    // 43 s is under the 300 s default: the audio is inside the page.
    assert!(html.contains("src=\"data:audio/wav;base64,"));
    check_call_page(&page, &card);
}

#[test]
fn batch_pages_render_and_seek() {
    let run = batch_run();
    for name in ["01-en-good", "02-de-monotone", "11-en-real-call"] {
        let page = run.out.join("calls").join(format!("{name}.html"));
        let card = read_json(&run.out.join("calls").join(format!("{name}.json")));
        let html = std::fs::read_to_string(&page).unwrap();
        if name == "11-en-real-call" {
            assert!(
                html.contains("src=\"data:audio/wav;base64,"),
                "{name} not embedded"
            );
        } else {
            // Linked: the recording with its personal data silenced,
            // written beside the page (docs/privacy.md).
            let copy = format!("{name}.redacted.wav");
            assert!(
                html.contains(&format!("src=\"{copy}\"")),
                "{name} does not link its redacted copy"
            );
            assert!(
                run.out.join("calls").join(&copy).is_file(),
                "{copy} missing"
            );
        }
        check_call_page(&page, &card);
    }
}

#[test]
fn batch_index_renders_sorts_and_links() {
    let run = batch_run();
    let index = run.out.join("index.html");
    let summary = read_json(&run.out.join("summary.json"));
    let dom = dump_dom(&index, "").stdout;
    let rows = summary["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        let name = r["name"].as_str().unwrap();
        let link = format!("<a href=\"calls/{name}.html\">");
        assert!(dom.contains(&link), "index lacks {link}");
        assert!(run.out.join(format!("calls/{name}.html")).exists());
        // The caller's escalations: the scorecard's count, none when the
        // reaction was not measured.
        let card = read_json(&run.out.join("calls").join(format!("{name}.json")));
        let reaction = &card["customer_reaction"];
        let count = (reaction["status"] == "measured")
            .then(|| reaction["escalations"].as_array().unwrap().len());
        assert_eq!(r["escalations"], serde_json::json!(count), "{name}");
    }
    assert!(dom.contains("<th data-type=\"num\">Escalations</th>"));
    // One chart per agent; the mean ticks are the agents' mean scores of
    // summary.json (agents.csv), rounded as drawn.
    assert_eq!(dom.matches("<figure class=\"agent\">").count(), 2);
    for a in summary["agents"].as_array().unwrap() {
        let fig_start = dom
            .find(&format!("<b>{}</b>", a["agent"].as_str().unwrap()))
            .unwrap();
        let fig = &dom[fig_start..fig_start + dom[fig_start..].find("</figure>").unwrap()];
        let drawn: Vec<String> = fig
            .split("<text class=\"mean-label\"")
            .skip(1)
            .map(|s| s[s.find('>').unwrap() + 1..s.find("</text>").unwrap()].to_string())
            .collect();
        let expected: Vec<String> = a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{:.0}", f["mean_score"].as_f64().unwrap()))
            .collect();
        assert_eq!(drawn, expected, "agent {}", a["agent"]);
    }

    let st = selftest(&index);
    eprintln!("index selftest {st}");
    assert_eq!(st["errors"], serde_json::json!([]));
    // Clicking the "Overall" header sorts the rows by overall score.
    let sorted: Vec<u64> = st["sorted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    let mut expected: Vec<u64> = rows
        .iter()
        .map(|r| r["overall"].as_u64().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    for id in ["agents", "calls"] {
        let w = st["sizes"][id][0].as_f64().unwrap_or(0.0);
        let h = st["sizes"][id][1].as_f64().unwrap_or(0.0);
        assert!(w >= 600.0 && h >= 100.0, "#{id} is {w}×{h} px");
    }
    let img = screenshot(&index, 900);
    let std = img.luminance_std();
    assert!(
        std > 20.0,
        "index screenshot looks blank (luminance SD {std:.1})"
    );
    assert!(img.count(HEADER_RGB) > 1280 * 40, "index header missing");
}

#[test]
fn unwritable_html_path_is_one_line_error() {
    let model = base_model();
    let o = callcoach(&[
        "score",
        "samples/08-en-too_fast.wav",
        "--html",
        "/nonexistent-callcoach-dir/page.html",
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "callcoach: error: /nonexistent-callcoach-dir/page.html: cannot write the HTML report: "
        ),
        "{err}"
    );
}

/// `m:ss.s` of `ms`, as the report writes times.
fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}

/// The start (s) of the caller's first angry turn in a reaction fixture
/// (tests/fixtures/reaction/truth.tsv); `None` for a calm call.
fn reaction_switch_s(file: &str) -> Option<f64> {
    let truth = std::fs::read_to_string(root().join("tests/fixtures/reaction/truth.tsv")).unwrap();
    let row: Vec<&str> = truth
        .lines()
        .map(|l| l.split('\t').collect::<Vec<&str>>())
        .find(|r| r[0] == file)
        .unwrap_or_else(|| panic!("{file} not in truth.tsv"));
    row[4].parse().ok()
}

/// The timeline's customer-reaction lane and the "Caller's reaction"
/// section: the escalating call's page draws one band per escalation of
/// its scorecard, at its time and no earlier than the switch to anger;
/// the calm call's page has the lane with its stretches and no band.
#[test]
fn reaction_lane_marks_the_escalation_and_not_the_calm_call() {
    let model = base_model();
    let dir = tempfile::tempdir().unwrap();
    for file in ["de-escalates.wav", "de-calm.wav"] {
        let page = dir.path().join(file.replace(".wav", ".html"));
        let card = callcoach_json(&[
            "score",
            &format!("tests/fixtures/reaction/{file}"),
            "--json",
            "--html",
            page.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
        ]);
        let words = Wording::builtin(card["language"].as_str().unwrap());
        let reaction = &card["customer_reaction"];
        assert_eq!(reaction["status"], "measured", "{file}: {reaction}");
        let stretches = reaction["stretches"].as_array().unwrap();
        let escalations = reaction["escalations"].as_array().unwrap();
        let html = std::fs::read_to_string(&page).unwrap();
        let timeline = &html[html.find("id=\"timeline-svg\"").unwrap()..];
        let timeline = &timeline[..timeline.find("</svg>").unwrap()];
        assert!(
            timeline.contains(&format!(">{}</text>", words.page("lane_reaction"))),
            "{file}: no reaction lane"
        );
        // One mark per judged stretch, the baseline ones marked as such.
        assert_eq!(
            timeline.matches("<rect class=\"stretch").count(),
            stretches.len(),
            "{file}"
        );
        let baseline = stretches.iter().filter(|s| s["baseline"] == true).count();
        assert!(baseline >= 1, "{file}: no baseline stretch");
        assert_eq!(
            timeline.matches("<rect class=\"stretch baseline\"").count(),
            baseline,
            "{file}"
        );
        assert_eq!(
            timeline.matches("<rect class=\"escalation\"").count(),
            escalations.len(),
            "{file}"
        );
        let section = &html[html.find("<section id=\"reaction\">").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        assert!(
            section.contains(&esc_text(words.label("reaction_heading"))),
            "{file}"
        );
        match reaction_switch_s(file) {
            Some(switch_s) => {
                assert!(!escalations.is_empty(), "{file}: no escalation found");
                for e in escalations {
                    let start_ms = e["start_ms"].as_u64().unwrap();
                    // The band seeks to its start; its tooltip and the
                    // section's line say when.
                    let band = format!(
                        "<rect class=\"escalation\" data-t=\"{:.3}\"",
                        start_ms as f64 / 1000.0
                    );
                    let band = &timeline[timeline
                        .find(&band)
                        .unwrap_or_else(|| panic!("{file}: no {band}"))..];
                    let title =
                        &band[band.find("<title>").unwrap() + 7..band.find("</title>").unwrap()];
                    assert!(title.starts_with(&clock(start_ms)), "{file}: {title}");
                    assert!(
                        section.contains(&format!("<li>{title}")),
                        "{file}: the section lacks {title}"
                    );
                    assert!(
                        start_ms as f64 / 1000.0 >= switch_s - 0.5,
                        "{file}: escalation at {start_ms} ms before the switch at {switch_s} s"
                    );
                    let acts = e["after"].as_array().unwrap().len();
                    assert!(
                        timeline.matches("<line class=\"act\"").count() >= acts,
                        "{file}: {acts} acts, fewer ticks"
                    );
                }
                // The browser draws the band: it is in the DOM after the
                // page's scripts ran, and the page logs nothing.
                let b = dump_dom(&page, "");
                assert!(b.stdout.contains("<rect class=\"escalation\""), "{file}");
                assert!(b.stdout.contains("<section id=\"reaction\">"), "{file}");
                let lines = console_lines(&b.stderr);
                assert!(lines.is_empty(), "{file}: console messages: {lines:#?}");
            }
            None => {
                assert!(escalations.is_empty(), "{file}: {escalations:?}");
                assert!(!timeline.contains("class=\"escalation\""), "{file}");
                assert!(
                    section.contains(&esc_text(words.label("reaction_none"))),
                    "{file}: {section}"
                );
            }
        }
    }
}

/// Text as the page escapes it.
fn esc_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
