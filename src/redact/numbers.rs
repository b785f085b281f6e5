//! Spoken numbers, English and German, to digit strings.
//!
//! Whisper writes a number the way it heard it: as digits ("4111",
//! "4,111", "41-11", "0161."), as words ("four one one", "oh", "double
//! seven", "twenty three", "one hundred and five", "nineteen eighty five";
//! German "null", "zwo", "neunundachtzig", "hundertfünf",
//! "neunzehnhundertfünfundachtzig"), or mixed. Redaction needs the digits
//! a person would write for what was said, to count them (a five-digit run
//! is personal data, a two-digit one is not) and to validate them (Luhn,
//! mod 97). [`word_pieces`] reads one word, [`spoken_digits`] a run.

/// The most digits one word may stand for. A longer digit token is not a
/// spoken number (a card has 19 digits at most, an IBAN's digits fewer
/// than 34 and whisper splits them), and the cap bounds the output of
/// [`spoken_digits`] to this many digits per input word.
pub const MAX_DIGITS_PER_WORD: usize = 24;

/// One part of a spoken number, as read from a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Digits as written ("4111", "0161"): taken as they are, leading
    /// zeros included.
    Literal(String),
    /// A number word's value ("seven" 7, "twenty" 20, "neunundachtzig"
    /// 89): it may combine with its neighbours ("twenty" "three" → 23).
    Value(u32),
    /// "hundred"/"hundert" (100) or "thousand"/"tausend" (1000): multiplies
    /// the value before it ("five hundred" → 500).
    Times(u32),
    /// "oh"/"o": zero, but only inside a run of digits (the caller
    /// decides; alone it is an exclamation).
    Oh,
    /// "double"/"triple" (German "doppel"): the next single digit is said
    /// this many times.
    Repeat(u8),
}

impl Piece {
    /// Whether this piece is a number on its own ("oh" and "double" are
    /// not: they only count next to one).
    pub fn is_strong(&self) -> bool {
        matches!(self, Piece::Literal(_) | Piece::Value(_) | Piece::Times(_))
    }
}

/// The number pieces of one word as whisper wrote it, or `None` when the
/// word is not (wholly) a number: "twenty-three" → [20, 3], "4,111" →
/// ["4111"], "0161." → ["0161"], "21st" → ["21"]. Words with a currency or
/// percent sign, a decimal point ("37.80") or more than
/// [`MAX_DIGITS_PER_WORD`] digits are not spoken personal numbers.
pub fn word_pieces(word: &str) -> Option<Vec<Piece>> {
    if word.contains(['$', '€', '£', '%', '¢']) {
        return None;
    }
    let lower = word.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if core.is_empty() {
        return None;
    }
    // An ellipsis inside a word separates what was said one by one
    // ("0...1...6"), like a hyphen; one dot stays a grouping ("1.985").
    let core = split_ellipses(core);
    let mut pieces = Vec::new();
    let mut digits = 0;
    for part in core.split(['-', '–', '/']).filter(|p| !p.is_empty()) {
        let piece = part_piece(part)?;
        digits += match &piece {
            Piece::Literal(d) => d.len(),
            Piece::Value(v) | Piece::Times(v) => v.to_string().len(),
            Piece::Oh | Piece::Repeat(_) => 1,
        };
        pieces.push(piece);
    }
    (digits <= MAX_DIGITS_PER_WORD).then_some(pieces)
}

/// `word` with each ellipsis ("…", or two or more dots) made a hyphen.
fn split_ellipses(word: &str) -> String {
    fn flush(out: &mut String, dots: usize) {
        match dots {
            0 => {}
            1 => out.push('.'),
            _ => out.push('-'),
        }
    }
    let mut out = String::with_capacity(word.len());
    let mut dots = 0;
    for c in word.chars() {
        if c == '.' {
            dots += 1;
            continue;
        }
        flush(&mut out, dots);
        dots = 0;
        out.push(if c == '…' { '-' } else { c });
    }
    flush(&mut out, dots);
    out
}

/// One hyphen-free part of a lowercased word as a piece.
fn part_piece(part: &str) -> Option<Piece> {
    if part.starts_with(|c: char| c.is_ascii_digit()) {
        return literal(part).map(Piece::Literal);
    }
    match part {
        "oh" | "o" => return Some(Piece::Oh),
        "double" | "doppel" | "doppelt" | "doppelte" => return Some(Piece::Repeat(2)),
        "triple" | "treble" | "tripel" | "dreifach" => return Some(Piece::Repeat(3)),
        "hundred" | "hundert" => return Some(Piece::Times(100)),
        "thousand" | "tausend" => return Some(Piece::Times(1000)),
        _ => {}
    }
    english_value(part)
        .or_else(|| german_value(part))
        .map(Piece::Value)
}

/// Digits as written: "4111", "4,111" and "1.985" (thousands grouping),
/// "21st", "5." (an ordinal). `None` for a decimal ("37.80", "3,5") or
/// anything else with letters.
fn literal(part: &str) -> Option<String> {
    let body = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| part.strip_suffix(s))
        .unwrap_or(part);
    let groups: Vec<&str> = body.split([',', '.']).collect();
    let grouped = groups.iter().skip(1).all(|g| g.len() == 3);
    if !groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        || !grouped
    {
        return None;
    }
    let digits: String = groups.concat();
    (digits.len() <= MAX_DIGITS_PER_WORD).then_some(digits)
}

/// The English number words (not "hundred"/"thousand").
fn english_value(word: &str) -> Option<u32> {
    const SMALL: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    // Ordinals of dates ("the fifth of March"); not "second" (a unit:
    // "one second").
    const ORDINALS: [(&str, u32); 14] = [
        ("first", 1),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("sixth", 6),
        ("seventh", 7),
        ("eighth", 8),
        ("ninth", 9),
        ("tenth", 10),
        ("eleventh", 11),
        ("twelfth", 12),
        ("thirteenth", 13),
        ("twentieth", 20),
        ("thirtieth", 30),
    ];
    if word == "nought" {
        return Some(0);
    }
    if let Some(&(_, v)) = ORDINALS.iter().find(|(w, _)| *w == word) {
        return Some(v);
    }
    if let Some(i) = SMALL.iter().position(|w| *w == word) {
        return Some(i as u32);
    }
    TENS.iter()
        .position(|w| *w == word)
        .map(|i| (i as u32 + 2) * 10)
}

/// A German number word, compounds included: "zwo" 2, "neunundachtzig"
/// 89, "hundertfünf" 105, "neunzehnhundertfünfundachtzig" 1985,
/// "zweitausendachtzehn" 2018. Plain "hundert"/"tausend" are
/// [`Piece::Times`]; "ein" alone is the article, not a number.
fn german_value(word: &str) -> Option<u32> {
    let word = word.replace('ß', "ss");
    if word == "ein" || word == "eine" {
        return None;
    }
    german_below_million(&word)
}

fn german_below_million(word: &str) -> Option<u32> {
    if let Some((left, right)) = word.split_once("tausend") {
        let high = if left.is_empty() {
            1
        } else {
            german_below_thousand(left)?
        };
        let low = if right.is_empty() {
            0
        } else {
            german_below_thousand(right)?
        };
        return (high > 0 && high < 1000).then_some(high * 1000 + low);
    }
    german_below_thousand(word)
}

fn german_below_thousand(word: &str) -> Option<u32> {
    if let Some((left, right)) = word.split_once("hundert") {
        // "neunzehnhundert" (1900) is how German years are said.
        let high = if left.is_empty() {
            1
        } else {
            german_below_hundred(left)?
        };
        let low = if right.is_empty() {
            0
        } else {
            german_below_hundred(right)?
        };
        return (high > 0 && high < 100).then_some(high * 100 + low);
    }
    german_below_hundred(word)
}

fn german_below_hundred(word: &str) -> Option<u32> {
    const SMALL: [(&str, u32); 24] = [
        ("null", 0),
        ("eins", 1),
        ("ein", 1),
        ("zwei", 2),
        ("zwo", 2),
        ("drei", 3),
        ("vier", 4),
        ("fünf", 5),
        ("sechs", 6),
        ("sieben", 7),
        ("acht", 8),
        ("neun", 9),
        ("zehn", 10),
        ("elf", 11),
        ("zwölf", 12),
        ("dreizehn", 13),
        ("vierzehn", 14),
        ("fünfzehn", 15),
        ("sechzehn", 16),
        ("siebzehn", 17),
        ("achtzehn", 18),
        ("neunzehn", 19),
        ("zwanzig", 20),
        ("dreissig", 30),
    ];
    const TENS: [(&str, u32); 6] = [
        ("vierzig", 40),
        ("fünfzig", 50),
        ("sechzig", 60),
        ("siebzig", 70),
        ("achtzig", 80),
        ("neunzig", 90),
    ];
    let exact = |w: &str| {
        SMALL
            .iter()
            .chain(TENS.iter())
            .find(|(name, _)| *name == w)
            .map(|&(_, v)| v)
    };
    if let Some(v) = exact(word) {
        return Some(v);
    }
    // "neunundachtzig": unit "und" tens.
    let (unit, tens) = word.split_once("und")?;
    let unit = exact(unit).filter(|u| (1..10).contains(u))?;
    let tens = exact(tens).filter(|t| *t >= 20 && t % 10 == 0)?;
    Some(tens + unit)
}

/// The digits a person would write for a run of spoken words: "three seven
/// three one eight" → "37318", "thirty seven" → "37", "one hundred and
/// five" → "105" (words that are not numbers are skipped), "nineteen
/// eighty five" → "1985", "double seven" → "77", "oh one six one" →
/// "0161". At most [`MAX_DIGITS_PER_WORD`] digits per word of `words`.
pub fn spoken_digits<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = Digits::default();
    for word in words {
        if let Some(pieces) = word_pieces(word.as_ref()) {
            pieces.into_iter().for_each(|p| out.push(p));
        }
    }
    out.finish()
}

/// Where a number said in words stands: which place it may still take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A units digit may follow ("twenty" _).
    Units,
    /// Anything below 100 may follow ("five hundred" _).
    BelowHundred,
    /// Anything below 1000 may follow ("two thousand" _).
    BelowThousand,
    /// Complete: the next value starts a new number ("three" "seven").
    Closed,
}

/// The digit string being built by [`spoken_digits`].
#[derive(Debug, Default)]
struct Digits {
    /// The digits written so far.
    text: String,
    /// The number being said in words: its value and what may follow.
    open: Option<(u32, Open)>,
    /// A pending "double"/"triple".
    repeat: Option<u8>,
}

impl Digits {
    fn push(&mut self, piece: Piece) {
        let repeat = self.repeat.take();
        match piece {
            Piece::Repeat(n) => {
                self.close();
                self.repeat = Some(n);
            }
            Piece::Oh => self.single("0", repeat),
            Piece::Literal(d) if d.len() == 1 => self.single(&d, repeat),
            Piece::Literal(d) => {
                self.close();
                self.text.push_str(&d);
            }
            Piece::Value(v) if v < 10 && repeat.is_some() => self.single(&v.to_string(), repeat),
            Piece::Value(v) => self.value(v),
            Piece::Times(m) => self.times(m),
        }
    }

    /// A single digit, said once or `repeat` times.
    fn single(&mut self, digit: &str, repeat: Option<u8>) {
        self.close();
        for _ in 0..repeat.unwrap_or(1) {
            self.text.push_str(digit);
        }
    }

    fn value(&mut self, v: u32) {
        if let Some((sum, open)) = self.open {
            let fits = match open {
                Open::Units => v < 10 && v > 0,
                Open::BelowHundred => v > 0 && v < 100,
                Open::BelowThousand => v > 0 && v < 1000,
                Open::Closed => false,
            };
            if fits {
                // "one hundred twenty" may still take a units digit.
                let next = if (20..100).contains(&v) && v.is_multiple_of(10) {
                    Open::Units
                } else {
                    Open::Closed
                };
                self.open = Some((sum + v, next));
                return;
            }
        }
        self.close();
        self.open = Some((v, Self::open_after(v)));
    }

    /// What may follow a number said as one word (or compound).
    fn open_after(v: u32) -> Open {
        if v >= 1000 && v.is_multiple_of(1000) {
            Open::BelowThousand
        } else if v >= 100 && v.is_multiple_of(100) {
            Open::BelowHundred
        } else if (20..100).contains(&v) && v.is_multiple_of(10) {
            Open::Units
        } else {
            Open::Closed
        }
    }

    fn times(&mut self, m: u32) {
        match self.open {
            // "five hundred", "nineteen hundred", "two thousand",
            // "two thousand five hundred".
            Some((sum, _)) if m == 100 && sum % 1000 > 0 && sum % 1000 < 100 => {
                let high = sum - sum % 1000;
                self.open = Some((high + (sum % 1000) * 100, Open::BelowHundred));
            }
            Some((sum, _)) if m == 1000 && sum > 0 && sum < 1000 => {
                self.open = Some((sum * 1000, Open::BelowThousand));
            }
            _ => {
                self.close();
                self.open = Some((m, Self::open_after(m)));
            }
        }
    }

    /// Writes the number being said, if any.
    fn close(&mut self) {
        if let Some((sum, _)) = self.open.take() {
            self.text.push_str(&sum.to_string());
        }
    }

    fn finish(mut self) -> String {
        self.close();
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ellipsis_inside_a_word_separates_digits_said_one_by_one() {
        assert_eq!(spoken_digits(&["0...1...6...1...4...9..."]), "016149");
        assert_eq!(spoken_digits(&["7…3…7"]), "737");
        assert_eq!(spoken_digits(&["12...19..."]), "1219");
        // One dot is still a grouping.
        assert_eq!(spoken_digits(&["1.985"]), "1985");
    }

    fn d(text: &str) -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        spoken_digits(&words)
    }

    #[test]
    fn english_digit_words() {
        assert_eq!(d("four one one one"), "4111");
        assert_eq!(d("three seven three one eight"), "37318");
        assert_eq!(d("oh one six one"), "0161");
        assert_eq!(d("zero seven nought"), "070");
        assert_eq!(d("double seven"), "77");
        assert_eq!(d("triple zero"), "000");
        assert_eq!(d("double oh five"), "005");
    }

    #[test]
    fn english_cardinals() {
        assert_eq!(d("thirty seven"), "37");
        assert_eq!(d("twenty three"), "23");
        assert_eq!(d("twenty-three"), "23");
        assert_eq!(d("one hundred five"), "105");
        assert_eq!(d("one hundred and five"), "105");
        assert_eq!(d("nineteen eighty five"), "1985");
        assert_eq!(d("nineteen hundred eighty five"), "1985");
        assert_eq!(d("two thousand eighteen"), "2018");
        assert_eq!(d("twenty eighteen"), "2018");
        assert_eq!(d("two thousand five hundred"), "2500");
        assert_eq!(d("five hundred twelve"), "512");
        assert_eq!(d("hundred"), "100");
        assert_eq!(d("ten eleven twelve"), "101112");
        assert_eq!(d("twenty fifth"), "25");
        assert_eq!(d("thirty-first"), "31");
    }

    #[test]
    fn digits_as_written() {
        assert_eq!(d("4111"), "4111");
        assert_eq!(d("4,111"), "4111");
        assert_eq!(d("41-11"), "4111");
        assert_eq!(d("0161."), "0161");
        assert_eq!(d("(0161)"), "0161");
        assert_eq!(d("+44"), "44");
        assert_eq!(d("21st"), "21");
        assert_eq!(d("1.985"), "1985");
        assert_eq!(d("4111 1111 1111 1111"), "4111111111111111");
    }

    #[test]
    fn mixed_words_and_digits() {
        assert_eq!(d("oh 161 four nine six"), "0161496");
        assert_eq!(d("double 7 three"), "773");
        assert_eq!(d("twenty 3"), "203");
    }

    #[test]
    fn german_words() {
        assert_eq!(d("null eins zwo drei"), "0123");
        assert_eq!(d("neunundachtzig"), "89");
        assert_eq!(d("dreiundzwanzig"), "23");
        assert_eq!(d("hundertfünf"), "105");
        assert_eq!(d("neunzehnhundertfünfundachtzig"), "1985");
        assert_eq!(d("neunzehn hundert fünfundachtzig"), "1985");
        assert_eq!(d("zweitausendachtzehn"), "2018");
        assert_eq!(d("dreißig"), "30");
        assert_eq!(d("doppel sieben"), "77");
        assert_eq!(d("vier fünf sechs sieben acht neun"), "456789");
        assert_eq!(d("zwölf siebzehn"), "1217");
    }

    #[test]
    fn not_numbers() {
        assert_eq!(word_pieces("$37"), None);
        assert_eq!(word_pieces("37.80"), None);
        assert_eq!(word_pieces("3,5"), None);
        assert_eq!(word_pieces("50%"), None);
        assert_eq!(word_pieces("ein"), None);
        assert_eq!(word_pieces("4-year-old"), None);
        assert_eq!(word_pieces("Michelle,"), None);
        assert_eq!(word_pieces(&"1".repeat(MAX_DIGITS_PER_WORD + 1)), None);
        assert_eq!(d("a.m."), "");
        assert_eq!(d("8 a.m."), "8");
    }

    #[test]
    fn pieces_of_a_word() {
        assert_eq!(word_pieces("Oh"), Some(vec![Piece::Oh]));
        assert_eq!(
            word_pieces("twenty-three,"),
            Some(vec![Piece::Value(20), Piece::Value(3)])
        );
        assert_eq!(word_pieces("Hundert"), Some(vec![Piece::Times(100)]));
        assert!(!Piece::Oh.is_strong());
        assert!(Piece::Value(0).is_strong());
    }
}
