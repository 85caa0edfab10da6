//! TCVN3 ("ABC"), the encoding of the `.VnTime` fonts: lowercase
//! Vietnamese letters (and ă â ê ô ơ ư đ in capitals) at the Latin-1
//! positions, one byte each ("Hä vµ tªn" for "Họ và tên"). Capitals typed
//! in the all-capitals fonts (`.VnTimeH`) are lowercase codes in the file,
//! and come out so ("đơn đề nghị"); titles and labels are matched without
//! regard to case.
//!
//! Its sign: the codes of the commonest letters (ă â ê ô ơ ư đ, à ả ã á ạ)
//! are characters no Western word holds (`c«ng`, `Tr­êng`, `th¸ng`).

use super::super::docx::nfc_owned;

/// TCVN 5712:1993 (VN1, of which the fonts' VN3 is the part used) from byte
/// 0xA0 to 0xFF, as glibc's `TCVN5712-1` charmap decodes it. Bytes 0xB0 to
/// 0xB4 are combining tone marks (composed by the normalisation after).
const HIGH: [u16; 96] = [
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110, 0x0103, 0x00E2, 0x00EA, 0x00F4,
    0x01A1, 0x01B0, 0x0111, 0x1EB0, 0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4, 0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA,
    0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7, 0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC, 0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2,
    0x0129, 0x00ED, 0x1ECB, 0x00F2, 0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9, 0x1ED6, 0x1EE7, 0x0169, 0x00FA,
    0x1EE5, 0x1EEB, 0x1EED, 0x1EEF, 0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
];

/// The TCVN3 codes of the commonest Vietnamese letters (ă â ê ô ơ ư đ, and
/// à ả ã á ạ), which Western text does not hold inside its words.
fn is_marker(c: char) -> bool {
    matches!(c, '\u{A8}'..='\u{AE}' | '\u{B5}'..='\u{B9}')
}

/// Whether the text holds a marker: the byte 0xC2 that starts each one in
/// UTF-8 is rare in Vietnamese (its letters start with 0xC3 to 0xE1), so
/// looking for it is a fraction of the cost of decoding the characters (a
/// twentieth of reading a batch, done on every document).
fn has_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xC2, bytes)
        .any(|i| matches!(bytes.get(i + 1), Some(0xA8..=0xAE | 0xB5..=0xB9)))
}

/// Markers in the text with a letter on each side (`both`) or on one.
fn markers(line: &str, both: bool) -> usize {
    // A letter of either reading: ASCII, a marker, or Latin-1.
    let letter = |c: Option<char>| {
        c.is_some_and(|c| {
            c.is_ascii_alphabetic() || is_marker(c) || ('\u{C0}'..='\u{FF}').contains(&c)
        })
    };
    let mut count = 0;
    let (mut before, mut chars) = (None, line.chars().peekable());
    while let Some(c) = chars.next() {
        if is_marker(c) {
            let (left, right) = (letter(before), letter(chars.peek().copied()));
            if (left && right) || (!both && (left || right)) {
                count += 1;
            }
        }
        before = Some(c);
    }
    count
}

/// The letters within Latin-1 that Vietnamese in Unicode uses: any other
/// in a word (ä, å, ö, Þ, ×, ...) is not Unicode Vietnamese.
const VIETNAMESE_LATIN1: &str = "àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ";

/// Whether the word's letters are cased as no one types a word: neither
/// all small, nor all capitals, nor a capital then small letters ("HiÒn",
/// "PÕt", "HUúNH": TCVN3 codes of small letters read as Latin-1 capitals,
/// or the reverse).
fn is_oddly_cased(word: &str) -> bool {
    let mut letters = word.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else {
        return false;
    };
    let (mut small, mut capital) = (false, false);
    for c in letters {
        small |= c.is_lowercase();
        capital |= c.is_uppercase();
    }
    match first.is_uppercase() {
        true => small && capital,
        false => capital,
    }
}

/// The word without the punctuation, digits or spaces around it, if it
/// holds a character beyond ASCII and none beyond Latin-1: a word TCVN3
/// may have written.
fn latin1_core(word: &str) -> Option<&str> {
    let core =
        word.trim_matches(|c: char| (c.is_ascii() && !c.is_ascii_alphabetic()) || c == '\u{A0}');
    let beyond_ascii = !core.is_ascii();
    (beyond_ascii && core.chars().all(|c| c <= '\u{FF}')).then_some(core)
}

/// Whether the word, decoded, is one Vietnamese syllable.
fn decodes_to_syllable(core: &str) -> bool {
    super::syllable::is_syllable(&nfc_owned(core.chars().map(decode_char).collect()))
}

/// Whether a word without TCVN3's sign is TCVN3 all the same: Unicode
/// Vietnamese never spells it so (a Latin-1 letter it does not use, or odd
/// case: "ThÞ", "Hång", "HiÒn", "Ngäc"), and decoded it is one Vietnamese
/// syllable ("Thị", "Hồng", "Hiền", "Ngọc"), which a Western word with such
/// letters ("Müller", "Ångström", "Noël") is not.
fn is_only_tcvn3(word: &str) -> bool {
    latin1_core(word).is_some_and(|core| {
        let foreign = core
            .chars()
            .any(|c| !c.is_ascii() && !VIETNAMESE_LATIN1.contains(c));
        (foreign || is_oddly_cased(core)) && decodes_to_syllable(core)
    })
}

/// Whether a word is rather TCVN3 than Unicode: as typed it is no
/// Vietnamese syllable, decoded it is ("HIÒN" for "HIỀN" in the capitals
/// font). Weaker: a typo in Unicode ("Hiòn") looks the same.
fn is_rather_tcvn3(word: &str) -> bool {
    latin1_core(word)
        .is_some_and(|core| !super::syllable::is_syllable(core) && decodes_to_syllable(core))
}

/// TCVN3, as [`super::decode_texts`] uses it.
pub(super) struct Tcvn3;

impl super::Encoding for Tcvn3 {
    fn may_be_in(&self, text: &str) -> bool {
        has_marker(text)
    }

    fn evidence(&self, word: &str) -> usize {
        markers(word, true)
    }

    fn is_in(&self, line: &str) -> bool {
        markers(line, false) > 0
    }

    fn decode(&self, word: &str) -> String {
        word.chars().map(decode_char).collect()
    }

    fn is_only_in(&self, word: &str) -> bool {
        is_only_tcvn3(word)
    }

    fn is_rather_in(&self, word: &str) -> bool {
        is_rather_tcvn3(word)
    }
}

fn decode_char(c: char) -> char {
    match u32::from(c) {
        code @ 0xA0..=0xFF => char::from_u32(u32::from(HIGH[(code - 0xA0) as usize])).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::super::tests::{doc, texts};
    use super::*;
    use crate::ingest::{Block, Table, TableCell};

    #[test]
    fn a_form_typed_in_vntime_reads_as_unicode() {
        let mut doc = doc(&[
            // The title, in the all-capitals font: lowercase codes.
            "®¬n ®Ò nghÞ",
            "Hä vµ tªn: NguyÔn V¨n An",
            "N¬i c«ng t¸c: Tr\u{AD}êng TiÓu häc §¨k Ruång",
        ]);
        doc.blocks.push(Block::Table(Table {
            n: 1,
            rows: vec![vec![TableCell {
                text: "Ngµy 05 th¸ng 3 n¨m 2021".into(),
                span: 1,
                v_merged: false,
            }]],
        }));
        assert!(decode(&mut doc));
        assert_eq!(
            texts(&mut doc),
            [
                "đơn đề nghị",
                "Họ và tên: Nguyễn Văn An",
                "Nơi công tác: Trường Tiểu học Đăk Ruồng",
                "Ngày 05 tháng 3 năm 2021",
            ]
        );
    }

    #[test]
    fn unicode_text_is_left_alone_even_beside_tcvn3() {
        // A TCVN3 form filled in Unicode: the name stays as typed, even a
        // name within Latin-1.
        let mut doc = doc(&[
            "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
            "§éc lËp - Tù do - H¹nh phóc",
            "Hä vµ tªn: Nguyễn Văn An",
            "Lê Hà",
            "N¬i c«ng t¸c: Tr\u{AD}êng TiÓu häc",
            "Nơi sinh: Hà Nội",
            "Ngµy sinh: 05/3/1980. Quª qu¸n: B×nh §Þnh",
        ]);
        assert!(decode(&mut doc));
        assert_eq!(
            texts(&mut doc),
            [
                "Cộng hoà xã hội chủ nghĩa Việt Nam",
                "Độc lập - Tự do - Hạnh phúc",
                "Họ và tên: Nguyễn Văn An",
                "Lê Hà",
                "Nơi công tác: Trường Tiểu học",
                "Nơi sinh: Hà Nội",
                "Ngày sinh: 05/3/1980. Quê quán: Bình Định",
            ]
        );
    }

    #[test]
    fn words_only_tcvn3_spells_are_decoded_on_lines_without_its_sign() {
        // A Unicode template, and rows pasted from a .VnTime list: their
        // units carry the sign, most names do not.
        let mut doc = doc(&[
            "DANH SÁCH ĐỀ NGHỊ",
            "Họ và tên",
            "Ng« ThÞ Hång Trang",
            "Mai ThÞ Hång HiÒn",
            "Hå Thanh Oanh",
            "Y PÕt, Phan Ngäc TuÊn",
            "huúnh thÞ my",
            "C«ng chøc V¨n phßng, UBND x· §¨k K«i",
            "C«ng chøc V¨n phßng, UBND x· §¨k K«i",
            "C«ng chøc V¨n phßng, UBND x· §¨k K«i",
            "Hà Tú Lê",
            "José Müller, Åsa Ångström, Noël, Zoë, naïve, Björn",
            "Lê Thị Hiòn",
        ]);
        assert!(decode(&mut doc));
        assert_eq!(
            texts(&mut doc),
            [
                "DANH SÁCH ĐỀ NGHỊ",
                "Họ và tên",
                "Ngô Thị Hồng Trang",
                "Mai Thị Hồng Hiền",
                "Hồ Thanh Oanh",
                "Y Pết, Phan Ngọc Tuấn",
                "huỳnh thị my",
                "Công chức Văn phòng, UBND xã Đăk Kôi",
                "Công chức Văn phòng, UBND xã Đăk Kôi",
                "Công chức Văn phòng, UBND xã Đăk Kôi",
                "Hà Tú Lê",
                "José Müller, Åsa Ångström, Noël, Zoë, naïve, Björn",
                "Lê Thị Hiòn",
            ]
        );
    }

    #[test]
    fn only_tcvn3_needs_a_foreign_letter_or_odd_case_and_a_syllable() {
        for word in [
            "ThÞ", "Hång", "HiÒn", "Ngäc", "TuÊn", "PÕt", "B×nh", "thÞ,", "(Hå)",
        ] {
            assert!(is_only_tcvn3(word), "{word}");
        }
        for word in [
            "Hà", "Tú", "Lê", "José", "Müller", "Åsa", "Noël", "Nguyễn", "Đỗ", "HIÒN", "Hiòn",
            "Thanh", "1980", "",
        ] {
            assert!(!is_only_tcvn3(word), "{word}");
        }
        // Rather TCVN3 (no syllable as typed, one decoded), but a Unicode
        // typo looks the same: decoded only beside a word only TCVN3 spells.
        assert!(is_rather_tcvn3("HIÒN") && is_rather_tcvn3("Hiòn"));
        assert!(!is_rather_tcvn3("Hà") && !is_rather_tcvn3("José"));
    }

    #[test]
    fn markers_are_found_by_their_bytes() {
        for c in '\u{80}'..='\u{FF}' {
            assert_eq!(has_marker(&format!("ab{c}d")), is_marker(c), "{c:?}");
        }
        assert!(!has_marker("Họ và tên: Nguyễn Văn An, 05/3/1980 °C ±"));
    }

    #[test]
    fn the_table_agrees_with_glibc_where_it_is_well_known() {
        for (byte, letter) in [
            (0xB5, 'à'),
            (0xB8, 'á'),
            (0xA8, 'ă'),
            (0xAE, 'đ'),
            (0xAD, 'ư'),
            (0xD6, 'ệ'),
            (0xFE, 'ỵ'),
            (0xA7, 'Đ'),
        ] {
            assert_eq!(decode_char(char::from(byte)), letter, "{byte:#X}");
        }
    }
}
