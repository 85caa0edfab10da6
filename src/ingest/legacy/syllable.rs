//! Whether a word is one Vietnamese syllable: what a word of an old
//! encoding must decode to before it is decoded on its own (see
//! [`super::tcvn3`]). Strict on purpose: a name of a minority language
//! ("Blin") or a typo fails and is left as typed, which is better than a
//! Western name ("Müller") read as Vietnamese.

use unicode_normalization::UnicodeNormalization;

/// Initial consonants, longer first (so "ngh" is not read as "ng" + "h").
const INITIALS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// The vowels of a syllable (with its glide and its closing i, y, o, u),
/// tone marks left out.
const VOWELS: [&str; 54] = [
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "oai", "oao", "oay", "oeo", "uây",
    "uôi", "uya", "uyê", "uyu", "ươi", "ươu",
];

/// Final consonants ("" for none).
const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// The five tone marks, as combining characters.
fn is_tone_mark(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}

/// Whether `word` (any case, any normalisation) is one Vietnamese
/// syllable: an initial consonant or none, vowels, a final consonant or
/// none, and at most one tone mark.
pub(super) fn is_syllable(word: &str) -> bool {
    let decomposed: Vec<char> = word.to_lowercase().nfd().collect();
    if decomposed.iter().filter(|&&c| is_tone_mark(c)).count() > 1 {
        return false;
    }
    let bare: String = decomposed
        .into_iter()
        .filter(|&c| !is_tone_mark(c))
        .nfc()
        .collect();
    // "gi" and "qu" hold a vowel letter: "gì" is "gi" + "i", "giá" "gi" + "a".
    INITIALS
        .iter()
        .chain(&[""])
        .filter_map(|initial| bare.strip_prefix(initial))
        .chain(bare.strip_prefix("g"))
        .any(|rest| {
            FINALS.iter().any(|last| {
                rest.strip_suffix(last)
                    .is_some_and(|vowels| VOWELS.contains(&vowels))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_syllables_pass_and_western_words_fail() {
        for word in [
            "Nguyễn",
            "Thị",
            "Hồng",
            "Hiền",
            "Ngọc",
            "Tuấn",
            "Pết",
            "Hồ",
            "huỳnh",
            "THỊ",
            "gì",
            "Quyết",
            "nghiêng",
            "Trường",
            "Khuyến",
            "Ô",
            "ừ",
        ] {
            assert!(is_syllable(word), "{word}");
        }
        for word in [
            "Müller",
            "Mỹller",
            "José",
            "Josộ",
            "Björn",
            "ồngstrừm",
            "Bọr",
            "Zoở",
            "Blin",
            "Hiòn",
            "huúnh",
            "Ngäc",
            "ThÞ",
            "Nguyễnn",
            "ngọcc",
            "Hoầ̀ng",
            "",
        ] {
            assert!(!is_syllable(word), "{word}");
        }
    }
}
