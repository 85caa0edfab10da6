//! Text normalisation shared by every stage.
//!
//! Vietnamese text reaches us in NFC and NFD, with non-breaking spaces, doubled
//! spaces and every letter case. Matching must never depend on those accidents,
//! but it must keep diacritics: *Nguyễn* and *Nguyên* are different people.
//! Three levels, from strict to loose:
//! - [`clean`]: NFC, whitespace collapsed, trimmed (what we display);
//! - [`key`]: `clean` + lower case (what names are compared by);
//! - [`fold`]: `key` without diacritics and with `đ` as `d` (labels, keywords,
//!   file names, and the "differs only in diacritics" check).

use unicode_normalization::char::{
    canonical_combining_class, decompose_canonical, is_combining_mark,
};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// NFC, every run of whitespace (including non-breaking and zero-width
/// spaces) collapsed into one ASCII space, smart quotes made straight, trimmed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    clean_into(s, &mut out);
    out
}

/// Appends [`clean`]`(s)` to `out`: the same text, without allocating when
/// `out` has room (a reader cleaning line after line reuses one buffer).
pub fn clean_into(s: &str, out: &mut String) {
    let start = out.len();
    // Most text is already NFC; recomposing it anyway was a tenth of a
    // whole check's time, and so was checking it char by char.
    if clean_starters(s, out, start) {
        return;
    }
    out.truncate(start);
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        clean_chars(s.chars(), out, start);
    } else {
        clean_chars(s.nfc(), out, start);
    }
}

/// [`clean_chars`] for text whose every character is a starter that NFC
/// leaves alone (so the text is NFC), copying runs of kept characters
/// whole; `false` (with `out` partly written) at the first other character.
fn clean_starters(s: &str, out: &mut String, start: usize) -> bool {
    let table = &*CLEAN_TABLE;
    let mut pending_space = false;
    // Start of the run of characters kept as they are, not yet copied.
    let mut run: Option<usize> = None;
    for (i, ch) in s.char_indices() {
        let keep = match ch {
            '!'..='~' => true,
            '\0'..='\x7f' => false,
            _ => {
                let class = table.get(ch as usize).copied().unwrap_or(0);
                if class & STARTER == 0 {
                    return false;
                }
                class & KEPT != 0
            }
        };
        if keep {
            if run.is_none() {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                run = Some(i);
            }
            continue;
        }
        if let Some(r) = run.take() {
            out.push_str(&s[r..i]);
        }
        push_cleaned(ch, out, start, &mut pending_space);
    }
    if let Some(r) = run {
        out.push_str(&s[r..]);
    }
    true
}

/// [`CLEAN_TABLE`] flags: a starter (combining class 0) that NFC's quick
/// check passes (text made only of such characters is NFC: the quick check
/// says Yes), and one that [`clean`] also keeps as it is (no quote to
/// straighten, nothing invisible, no whitespace or control).
const STARTER: u8 = 1;
const KEPT: u8 = 2;

/// What [`clean`] makes of each character below U+3100, looked up once.
static CLEAN_TABLE: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    (0..0x3100u32)
        .map(|cp| {
            let Some(c) = char::from_u32(cp) else {
                return 0;
            };
            if canonical_combining_class(c) != 0
                || is_nfc_quick(std::iter::once(c)) != IsNormalized::Yes
            {
                return 0;
            }
            let changed = straightened(c) != Some(c) || c.is_whitespace() || c.is_control();
            if changed { STARTER } else { STARTER | KEPT }
        })
        .collect()
});

fn clean_chars(chars: impl Iterator<Item = char>, out: &mut String, start: usize) {
    let mut pending_space = false;
    for ch in chars {
        push_cleaned(ch, out, start, &mut pending_space);
    }
}

/// Curly quotes and primes made straight; `None` for the invisible
/// characters dropped (zero-width space, byte-order mark, soft hyphen).
fn straightened(ch: char) -> Option<char> {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => Some('"'),
        '\u{200B}' | '\u{FEFF}' | '\u{00AD}' => None,
        c => Some(c),
    }
}

/// One character of [`clean`]'s output: straightened, and whitespace or
/// control characters collapsed into one space between words (none before
/// the first one written after `start`, none at the end).
fn push_cleaned(ch: char, out: &mut String, start: usize, pending_space: &mut bool) {
    let Some(ch) = straightened(ch) else {
        return;
    };
    if ch.is_whitespace() || ch.is_control() {
        *pending_space = out.len() > start;
        return;
    }
    if *pending_space {
        out.push(' ');
        *pending_space = false;
    }
    out.push(ch);
}

/// The comparison key of a name or value: [`clean`] and lower-cased.
pub fn key(s: &str) -> String {
    lowercase(clean(s))
}

/// `s.to_lowercase()`, with the characters below U+3100 looked up in
/// [`LOWER_TABLE`]: the standard library searches its case tables for
/// every non-ASCII character, most of a key's cost (pairing takes a key
/// of every name; callgrind).
fn lowercase(s: String) -> String {
    let table = &*LOWER_TABLE;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let lower = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            match table.get((c as usize).wrapping_sub(0x80)).copied() {
                Some(l) if l != LOWER_SLOW => char::from_u32(l).unwrap_or(c),
                _ => return s.to_lowercase(),
            }
        };
        out.push(lower);
    }
    out
}

/// [`LOWER_TABLE`] entry of a character that [`lowercase`] leaves to the
/// standard library: one that lower-cases to several characters, or
/// capital sigma (whose lower case depends on where in a word it stands).
const LOWER_SLOW: u32 = 0;

/// The lower case of every character from U+0080 to U+30FF, built once.
static LOWER_TABLE: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(|| {
    (0x80..0x3100u32)
        .map(|cp| {
            let Some(c) = char::from_u32(cp).filter(|&c| c != '\u{3A3}') else {
                return LOWER_SLOW;
            };
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => u32::from(l),
                _ => LOWER_SLOW,
            }
        })
        .collect()
});

/// [`key`] with diacritics removed and `đ` read as `d`.
pub fn fold(s: &str) -> String {
    fold_key(&key(s))
}

/// [`fold`] of text whose [`key`] is `key`: for callers that hold the key
/// already (taking it again was most of the cost).
pub fn fold_key(key: &str) -> String {
    key.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// [`fold`] with every non-alphanumeric run turned into one space: how file
/// names, labels and keywords are compared ("Bang_tot-nghiep" ~ "bằng tốt
/// nghiệp").
///
/// This is the hottest text function (every label, header and subject goes
/// through it), so it works in one pass: each character is lower-cased and
/// decomposed once, with no NFC round trip (decomposition would undo it).
/// A property test keeps it equal to the plain definition.
pub fn fold_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_words_into(s, &mut out);
    out
}

/// Appends [`fold_words`]`(s)` to `out`, without allocating when `out` has
/// room.
pub fn fold_words_into(s: &str, out: &mut String) {
    fold_words_at_most(s, out, usize::MAX);
}

/// [`fold_words_into`] that stops once it has appended more than `max`
/// bytes: `true` when it appended the whole fold, `false` when it appended
/// only a start of it, longer than `max` (enough to tell that the fold is
/// no word or phrase of at most `max` bytes, nor starts with one).
pub fn fold_words_at_most(s: &str, out: &mut String, max: usize) -> bool {
    let start = out.len();
    let limit = start.saturating_add(max);
    let table = &*FOLD_TABLE;
    let mut gap = false;
    for c in s.chars() {
        let d = if c.is_ascii() {
            if !c.is_ascii_alphanumeric() {
                gap = true;
                continue;
            }
            c.to_ascii_lowercase()
        } else {
            match table.get((c as usize).wrapping_sub(0x80)).copied() {
                Some(FOLD_NOTHING) => continue,
                Some(FOLD_GAP) => {
                    gap = true;
                    continue;
                }
                Some(FOLD_SLOW) | None => {
                    let mut push = |d: char| {
                        if d.is_alphanumeric() {
                            push_word_char(out, start, &mut gap, if d == 'đ' { 'd' } else { d });
                        } else {
                            gap = true;
                        }
                    };
                    fold_char(c, &mut push);
                    if out.len() > limit {
                        return false;
                    }
                    continue;
                }
                Some(folded) => char::from_u32(folded).unwrap_or(c),
            }
        };
        push_word_char(out, start, &mut gap, d);
        if out.len() > limit {
            return false;
        }
    }
    true
}

/// Appends a folded word character to `out`, after one space if a gap came
/// before it and words were already appended since `start`.
#[inline]
fn push_word_char(out: &mut String, start: usize, gap: &mut bool, d: char) {
    if *gap && out.len() > start {
        out.push(' ');
    }
    *gap = false;
    out.push(d);
}

/// What [`fold_words`] makes of one non-ASCII character: the characters it
/// stands for, each either a letter or digit (kept) or not (a word gap).
fn fold_char(c: char, emit: &mut impl FnMut(char)) {
    // Invisible characters that `clean` removes rather than separates on.
    if matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}') {
        return;
    }
    for lower in c.to_lowercase() {
        decompose_canonical(lower, |d| {
            if !is_combining_mark(d) {
                emit(d);
            }
        });
    }
}

/// [`FOLD_TABLE`] entries that are not a character to push.
const FOLD_NOTHING: u32 = 0;
const FOLD_GAP: u32 = 1;
const FOLD_SLOW: u32 = 2;

/// [`fold_char`] of every character from U+0080 to U+206F (Latin with its
/// accents, the combining marks, general punctuation), built once: the
/// folded letter (`đ` already `d`), or nothing, or a word gap, or
/// [`FOLD_SLOW`] when it stands for several characters. Lower-casing and
/// decomposing every accented letter was the costliest part of reading a
/// document (perf).
static FOLD_TABLE: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(|| {
    (0x80..0x2070u32)
        .map(|cp| {
            let Some(c) = char::from_u32(cp) else {
                return FOLD_SLOW;
            };
            let mut folded = Vec::new();
            fold_char(c, &mut |d| folded.push(d));
            match folded.as_slice() {
                [] => FOLD_NOTHING,
                [d] if !d.is_alphanumeric() => FOLD_GAP,
                ['đ'] => u32::from('d'),
                [d] => u32::from(*d),
                _ => FOLD_SLOW,
            }
        })
        .collect()
});

/// Title case for display of names typed in capitals ("NGUYỄN VĂN AN" ->
/// "Nguyễn Văn An"); names already mixed-case are returned cleaned, unchanged.
pub fn display_name(s: &str) -> String {
    let c = clean(s);
    if c.chars().any(|ch| ch.is_lowercase()) {
        return c;
    }
    c.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_nbsp_and_nfd() {
        let nfd = "Nguye\u{0302}\u{0303}n\u{00A0}\u{00A0}Va\u{0306}n  An ";
        assert_eq!(clean(nfd), "Nguyễn Văn An");
    }

    #[test]
    fn key_keeps_diacritics_fold_drops_them() {
        assert_ne!(key("Nguyễn"), key("Nguyên"));
        assert_eq!(fold("Nguyễn"), fold("Nguyên"));
        assert_eq!(fold("ĐỖ Thị"), "do thi");
    }

    #[test]
    fn key_agrees_with_lower_casing_the_cleaned_text() {
        for cp in 0..0x3200u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for s in [
                format!("{c}"),
                format!("A{c}B"),
                format!("Σ{c} ΑΣ"),
                format!("{c}\u{301}Ê"),
            ] {
                assert_eq!(key(&s), clean(&s).to_lowercase(), "U+{cp:04X}");
            }
        }
        assert_eq!(key("ΟΔΟΣ İstanbul"), "οδος i\u{307}stanbul");
    }

    #[test]
    fn fold_words_ignores_separators() {
        assert_eq!(
            fold_words("Bang_tot-nghiep (1).PDF"),
            "bang tot nghiep 1 pdf"
        );
        assert_eq!(fold_words("Bằng tốt nghiệp"), "bang tot nghiep");
    }

    /// The plain definition [`fold_words`] must agree with.
    fn fold_words_reference(s: &str) -> String {
        fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        #[test]
        fn fold_words_is_fold_split_into_words(s in "[a-zA-Z0-9 .,:;/()\\-\t\u{a0}\u{200b}\u{00ad}\u{2019}\u{201c}đĐăâêôơưĂÂÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵÀÁẢÃẠỀẾỂỄỆỒỐỔỖỘỜỚỞỠỢỪỨỬỮỰ\u{300}\u{301}\u{303}\u{309}\u{323}\u{302}\u{306}\u{31b}]{0,40}") {
            proptest::prop_assert_eq!(fold_words(&s), fold_words_reference(&s));
        }
    }

    /// [`fold_words`] without its table: every character folded as it comes.
    fn fold_words_per_char(s: &str) -> String {
        let mut out = String::new();
        let mut gap = false;
        let mut push = |d: char| {
            if d.is_alphanumeric() {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(if d == 'đ' { 'd' } else { d });
            } else {
                gap = true;
            }
        };
        for c in s.chars() {
            if c.is_ascii() {
                push(c.to_ascii_lowercase());
            } else {
                fold_char(c, &mut push);
            }
        }
        out
    }

    #[test]
    fn fold_table_agrees_with_folding_each_character() {
        for cp in 0..0x2200u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for s in [
                format!("{c}"),
                format!("a{c}b"),
                format!("a {c} b"),
                format!("{c}{c}x"),
            ] {
                assert_eq!(fold_words(&s), fold_words_per_char(&s), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn clean_agrees_with_recomposing_each_character() {
        for cp in 0..0x3200u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for s in [
                format!("{c}"),
                format!("a{c}b"),
                format!(" {c}\u{301} b"),
                format!("e{c}"),
            ] {
                assert_eq!(clean(&s), clean_reference(&s), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn fold_words_at_most_stops_after_the_limit() {
        let mut out = String::new();
        assert!(!fold_words_at_most("Bằng tốt nghiệp", &mut out, 5));
        assert_eq!(out, "bang t");
        out.clear();
        assert!(fold_words_at_most("Bằng tốt", &mut out, 8));
        assert_eq!(out, "bang tot");
    }

    /// The plain definition [`clean`] must agree with: always recomposed.
    fn clean_reference(s: &str) -> String {
        let mut out = String::new();
        clean_chars(s.nfc(), &mut out, 0);
        out
    }

    proptest::proptest! {
        #[test]
        fn clean_is_nfc_then_collapsed(s in "[a-zA-Z0-9 .,:;/()\\-\t\n\r\u{1}\u{7f}\u{85}\u{a0}\u{ad}\u{200b}\u{feff}\u{2028}\u{3000}\u{2018}\u{2019}\u{201a}\u{2032}\u{201c}\u{201d}\u{201e}\u{2033}…đĐăâêôơưằắẳẵặầấẩẫậềếểễệồốổỗộờớởỡợừứửữựỳýỷỹỵÀÁẢÃẠ\u{300}\u{301}\u{303}\u{309}\u{323}\u{302}\u{306}\u{31b}\u{340}\u{344}\u{212a}\u{2126}Ωω한\u{1100}\u{1161}漢]{0,40}") {
            proptest::prop_assert_eq!(clean(&s), clean_reference(&s));
            let mut appended = String::from("x ");
            clean_into(&s, &mut appended);
            proptest::prop_assert_eq!(appended, format!("x {}", clean(&s)));
        }

        #[test]
        fn key_is_clean_then_lower_case(s in "[a-zA-Z0-9 .\t\u{a0}\u{200b}đĐăâêôơưằắẳẵặẦẤẨẪẬỀẾỂỄỆỒỐỔỖỘỜỚỞỠỢỪỨỬỮỰ\u{300}\u{301}\u{303}\u{309}\u{323}\u{302}\u{306}\u{31b}\u{130}\u{212a}\u{2126}ΣΩω한ǅﬁ\u{10400}]{0,40}") {
            proptest::prop_assert_eq!(key(&s), clean(&s).to_lowercase());
        }

        #[test]
        fn fold_words_into_appends(s in "[a-zA-Z0-9 .:()\\-\u{a0}\u{200b}đĐăễỮ\u{301}\u{31b}\u{212a}ǅﬁ한]{0,20}") {
            let mut appended = String::from("x ");
            fold_words_into(&s, &mut appended);
            proptest::prop_assert_eq!(appended, format!("x {}", fold_words(&s)));
            let whole = fold_words(&s);
            for max in 0..12 {
                let mut part = String::new();
                if fold_words_at_most(&s, &mut part, max) {
                    proptest::prop_assert_eq!(&part, &whole);
                } else {
                    proptest::prop_assert!(part.len() > max && whole.starts_with(&part));
                }
            }
        }
    }

    #[test]
    fn display_name_title_cases_capitals_only() {
        assert_eq!(display_name("NGUYỄN VĂN AN"), "Nguyễn Văn An");
        assert_eq!(display_name("Lê thị Hoa"), "Lê thị Hoa");
    }
}
