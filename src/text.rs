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

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// NFC, every run of whitespace (including non-breaking and zero-width
/// spaces) collapsed into one ASCII space, smart quotes made straight, trimmed.
pub fn clean(s: &str) -> String {
    // Most text is already NFC; recomposing it anyway was a tenth of a
    // whole check's time.
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        clean_chars(s, s.chars())
    } else {
        clean_chars(s, s.nfc())
    }
}

fn clean_chars(s: &str, chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for ch in chars {
        let ch = match ch {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{200B}' | '\u{FEFF}' | '\u{00AD}' => continue,
            c => c,
        };
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out
}

/// The comparison key of a name or value: [`clean`] and lower-cased.
pub fn key(s: &str) -> String {
    clean(s).to_lowercase()
}

/// [`key`] with diacritics removed and `đ` read as `d`.
pub fn fold(s: &str) -> String {
    key(s)
        .nfd()
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
    let mut gap = false;
    let mut push = |d: char, out: &mut String| {
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
            push(c.to_ascii_lowercase(), &mut out);
            continue;
        }
        // Invisible characters that `clean` removes rather than separates on.
        if matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}') {
            continue;
        }
        if let Some(folded) = fold_latin(c) {
            // A combining mark alone folds to nothing.
            if folded != '\0' {
                push(folded, &mut out);
            }
            continue;
        }
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) {
                    push(d, &mut out);
                }
            });
        }
    }
    out
}

/// The Latin letters and marks Vietnamese uses (U+00C0..U+1EFF, with the
/// combining marks U+0300..U+036F).
const LATIN: std::ops::Range<u32> = 0x00C0..0x1F00;

/// The fold of `c` when it is one character (or none: `'\0'`), from a table
/// built once: lower-casing and decomposing every accented letter was the
/// costliest part of reading a document (perf).
fn fold_latin(c: char) -> Option<char> {
    static TABLE: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(|| {
        LATIN
            .map(|cp| {
                let Some(c) = char::from_u32(cp) else {
                    return u32::MAX;
                };
                let mut folded = Vec::new();
                for lower in c.to_lowercase() {
                    decompose_canonical(lower, |d| {
                        if !is_combining_mark(d) {
                            folded.push(d);
                        }
                    });
                }
                match folded.as_slice() {
                    [] => 0,
                    [one] => u32::from(*one),
                    _ => u32::MAX,
                }
            })
            .collect()
    });
    let cp = u32::from(c);
    if !LATIN.contains(&cp) {
        return None;
    }
    char::from_u32(TABLE[(cp - LATIN.start) as usize])
}

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

    #[test]
    fn display_name_title_cases_capitals_only() {
        assert_eq!(display_name("NGUYỄN VĂN AN"), "Nguyễn Văn An");
        assert_eq!(display_name("Lê thị Hoa"), "Lê thị Hoa");
    }
}
