//! Vietnamese typed in the fonts of before Unicode: before it, and in many
//! offices long after, Vietnamese was typed in 8-bit fonts whose Latin-1
//! positions hold Vietnamese letters, in one of two encodings: TCVN3
//! (`.VnTime`, module `tcvn3`) in the North and in government, VNI
//! (`VNI-Times`, module `vni`) in the South. Word and Excel keep the bytes as
//! Latin-1 characters, so such a form reads "Hä vµ tªn: NguyÔn V¨n An" or
//! "Hoï vaø teân: Nguyeãn Vaên An" where the page shows "Họ và tên: Nguyễn
//! Văn An". A clerk cannot be asked to convert every old form first.
//!
//! The fonts are not looked at (a style, the document's defaults or a run
//! may name them, in .docx, .doc and every spreadsheet format alike); the
//! text is. Real Vietnamese in Unicode always holds letters beyond Latin-1
//! (đ, ư, ơ, ă, ạ, ...); text in either encoding never does, and holds
//! inside its words sequences no Western text has there (each encoding's
//! sign). So a document (or a sheet) with at least 3 of them, in words
//! without any letter beyond Latin-1 (8 when it also holds Unicode words),
//! is in that encoding (the one with more, if both), and is decoded: all
//! of it when its whole text is within Latin-1; else (a form typed so and
//! filled in Unicode) the lines holding the encoding's sign, word by word,
//! leaving the words with a letter beyond Latin-1 as typed ("Hä vµ tªn:
//! Nguyễn Văn An" reads "Họ và tên: Nguyễn Văn An"). A line without the
//! sign is left alone, so that a name typed in Unicode within Latin-1 ("Lê
//! Hà") on a line of its own is never decoded; on a label's line it would
//! be (one cannot tell "Lê" from the TCVN3 for "Lờ"). Only its words that
//! the encoding alone can spell are decoded there: in TCVN3, a word that
//! Unicode Vietnamese never writes (a Latin-1 letter it does not use, odd
//! case) and that decodes to a Vietnamese syllable ("Mai ThÞ Hång HiÒn",
//! pasted from a .VnTime list into a Unicode one, reads "Mai Thị Hồng
//! Hiền"; "Müller" stays).

mod syllable;
mod tcvn3;
mod vni;

use super::docx::nfc_owned;
use super::{Block, Cell, Document, Workbook};

/// Signs in words at least this many times make a text of an encoding...
const EVIDENCE: usize = 3;
/// ... or this many, in a document that also holds Unicode words: a form
/// typed in an old font and filled in Unicode has dozens (every label),
/// while a Unicode document may hold a stray "Microsoft®Word" or "où",
/// whose lines' Latin-1 words ("và") must not be decoded.
const EVIDENCE_BESIDE_UNICODE: usize = 8;

/// One of the old encodings.
trait Encoding {
    /// Whether the text may hold the encoding's sign: a quick look (done
    /// on every document read).
    fn may_be_in(&self, text: &str) -> bool;
    /// How many times a word within Latin-1 shows the encoding's sign.
    fn evidence(&self, word: &str) -> usize;
    /// Whether a line shows the encoding's sign at all (looser).
    fn is_in(&self, line: &str) -> bool;
    /// The word decoded to Unicode (not yet normalised).
    fn decode(&self, word: &str) -> String;
    /// Whether a word within Latin-1, on a line without the sign, can only
    /// be in this encoding (so is decoded even there). None can, unless
    /// the encoding says how to tell.
    fn is_only_in(&self, _word: &str) -> bool {
        false
    }
    /// Whether such a word is rather in this encoding than in Unicode:
    /// decoded on a line where another word can only be in it.
    fn is_rather_in(&self, _word: &str) -> bool {
        false
    }
}

const ENCODINGS: [&(dyn Encoding + Sync); 2] = [&tcvn3::Tcvn3, &vni::Vni];

/// A character of Windows-1252 beyond Latin-1 (curly quotes, dashes, the
/// euro sign...): text in an old font may hold them as they are.
fn is_windows_1252(c: char) -> bool {
    matches!(
        c,
        '\u{152}'
            | '\u{153}'
            | '\u{160}'
            | '\u{161}'
            | '\u{178}'
            | '\u{17D}'
            | '\u{17E}'
            | '\u{192}'
            | '\u{2C6}'
            | '\u{2DC}'
            | '\u{2000}'..='\u{206F}' | '\u{20AC}' | '\u{2122}'
    )
}

/// Whether the text holds a letter beyond Latin-1: then it is Unicode.
fn is_unicode(text: &str) -> bool {
    text.chars().any(|c| c > '\u{FF}' && !is_windows_1252(c))
}

/// The document's texts: paragraphs, their bold prefixes, table cells.
fn texts_of(doc: &mut Document) -> Vec<&mut String> {
    let mut texts = Vec::new();
    for block in &mut doc.blocks {
        match block {
            Block::Paragraph(p) => {
                texts.push(&mut p.text);
                texts.extend(p.bold_prefix.as_mut());
            }
            Block::Table(t) => texts.extend(t.rows.iter_mut().flatten().map(|c| &mut c.text)),
            Block::PageBreak => {}
        }
    }
    texts
}

/// Decodes the document's text if it is typed in an old encoding (see the
/// module's doc); says whether it was.
pub fn decode(doc: &mut Document) -> bool {
    decode_texts(texts_of(doc))
}

/// Decodes the text cells of each sheet typed in an old encoding (a list
/// typed in .VnTime), each sheet judged alone; says whether any was.
pub fn decode_workbook(wb: &mut Workbook) -> bool {
    let mut any = false;
    for sheet in &mut wb.sheets {
        let texts = sheet
            .rows
            .iter_mut()
            .flatten()
            .filter_map(|cell| match cell {
                Cell::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        any |= decode_texts(texts);
    }
    any
}

/// Decodes `texts` if, together, they are in an old encoding.
fn decode_texts(mut texts: Vec<&mut String>) -> bool {
    let candidates: Vec<&(dyn Encoding + Sync)> = ENCODINGS
        .into_iter()
        .filter(|e| texts.iter().any(|t| e.may_be_in(t)))
        .collect();
    if candidates.is_empty() {
        // Nearly every document.
        return false;
    }
    let mut evidence = vec![0; candidates.len()];
    let mut all_latin1 = true;
    for word in texts.iter().flat_map(|t| t.split_whitespace()) {
        if is_unicode(word) {
            all_latin1 = false;
            continue;
        }
        for (e, n) in candidates.iter().zip(&mut evidence) {
            *n += e.evidence(word);
        }
    }
    let needed = match all_latin1 {
        true => EVIDENCE,
        false => EVIDENCE_BESIDE_UNICODE,
    };
    let Some((encoding, _)) = candidates
        .iter()
        .zip(&evidence)
        .filter(|(_, n)| **n >= needed)
        .max_by_key(|(_, n)| **n)
    else {
        return decode_pasted_lines(&candidates, texts);
    };
    for text in &mut texts {
        if !text.chars().any(|c| ('\u{80}'..='\u{FF}').contains(&c)) {
            continue;
        }
        let decoded: Vec<String> = text
            .split('\n')
            .map(|line| match (all_latin1, encoding.is_in(line)) {
                (true, _) => encoding.decode(line),
                (false, true) => decode_words(*encoding, line, |word| !is_unicode(word)),
                (false, false) => decode_pasted_words(*encoding, line),
            })
            .collect();
        **text = nfc_owned(decoded.join("\n"));
    }
    true
}

/// The line with the words that `decodable` picks decoded, the others
/// (and the spaces) as typed.
fn decode_words(
    encoding: &(dyn Encoding + Sync),
    line: &str,
    decodable: impl Fn(&str) -> bool,
) -> String {
    line.split_inclusive(char::is_whitespace)
        .map(|word| match decodable(word) {
            true => encoding.decode(word),
            false => word.to_string(),
        })
        .collect()
}

/// Below the evidence a whole text needs (one row pasted from a .VnTime
/// list into a Unicode one: "Ng« ThÞ Hång Trang", a few signs in all):
/// each line in which two words or more (of two letters or more) can only
/// be in an encoding, as [`decode_pasted_words`] tells them, is that
/// encoding's; its words that
/// show the sign, can only be in it, or rather are, are decoded. One such
/// word alone is too little: a stray "Hä" is more likely a typo.
fn decode_pasted_lines(candidates: &[&(dyn Encoding + Sync)], texts: Vec<&mut String>) -> bool {
    let mut any = false;
    for text in texts {
        if !text.chars().any(|c| ('\u{80}'..='\u{FF}').contains(&c)) {
            continue;
        }
        let mut changed = false;
        let lines: Vec<String> = text
            .split('\n')
            .map(|line| {
                // Words of two ASCII letters or more: a sign or unit
                // ("¼", "µm") decodes to a lone vowel, a syllable too.
                let only = |e: &(dyn Encoding + Sync)| {
                    let wordy = |w: &&str| w.chars().filter(char::is_ascii_alphabetic).count() >= 2;
                    line.split_whitespace()
                        .filter(wordy)
                        .filter(|w| e.is_only_in(w))
                        .count()
                        >= 2
                };
                match candidates.iter().find(|e| only(**e)) {
                    Some(e) => {
                        changed = true;
                        decode_words(*e, line, |word| {
                            !is_unicode(word)
                                && (e.evidence(word) > 0
                                    || e.is_only_in(word)
                                    || e.is_rather_in(word))
                        })
                    }
                    None => line.to_string(),
                }
            })
            .collect();
        if changed {
            *text = nfc_owned(lines.join("\n"));
            any = true;
        }
    }
    any
}

/// A line without the encoding's sign (a name pasted from an old list
/// into a Unicode one): the words only the encoding spells so are decoded,
/// and, beside them, those it rather spells.
fn decode_pasted_words(encoding: &(dyn Encoding + Sync), line: &str) -> String {
    let words = || line.split_whitespace();
    if !words().any(|word| encoding.is_only_in(word)) {
        return line.to_string();
    }
    decode_words(encoding, line, |word| {
        encoding.is_only_in(word) || encoding.is_rather_in(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Paragraph;

    /// A document of one paragraph per line.
    pub(super) fn doc(lines: &[&str]) -> Document {
        Document {
            path: "x.docx".into(),
            blocks: (1..)
                .zip(lines)
                .map(|(n, text)| {
                    Block::Paragraph(Paragraph {
                        n,
                        text: text.to_string(),
                        bold_prefix: None,
                    })
                })
                .collect(),
        }
    }

    /// Every text of the document, in order.
    pub(super) fn texts(doc: &mut Document) -> Vec<String> {
        texts_of(doc).into_iter().map(|t| t.clone()).collect()
    }

    #[test]
    fn each_encoding_is_told_by_its_own_sign() {
        let mut tcvn3 = doc(&["Hä vµ tªn: NguyÔn V¨n An", "N¬i c«ng t¸c: Tr\u{AD}êng häc"]);
        let mut vni = doc(&[
            "Hoï vaø teân: Nguyeãn Vaên An",
            "Nôi coâng taùc: Tröôøng hoïc",
        ]);
        assert!(decode(&mut tcvn3) && decode(&mut vni));
        let expected = ["Họ và tên: Nguyễn Văn An", "Nơi công tác: Trường học"];
        assert_eq!(texts(&mut tcvn3), expected);
        assert_eq!(texts(&mut vni), expected);
    }

    #[test]
    fn one_row_pasted_from_an_old_list_reads_beside_unicode_ones() {
        // Too few signs for the whole text to be TCVN3: the lines whose
        // words can only be TCVN3 (the pasted name and position) are
        // decoded, and they alone.
        let lines = [
            "Họ và tên: Nguyễn Văn An",
            "Ng« ThÞ Hång Trang",
            "Tr\u{AD}ëng th«n",
            "Åsa Ångström, Björn Müller",
            "Lê Hà Tú, Hä Tú",
            "© 2020 ® µm ¼ inch ½",
        ];
        let mut d = doc(&lines);
        assert!(decode(&mut d));
        let mut expected = lines.map(str::to_string);
        expected[1] = "Ngô Thị Hồng Trang".into();
        expected[2] = "Trưởng thôn".into();
        assert_eq!(texts(&mut d), expected);
    }

    #[test]
    fn western_and_unicode_text_is_left_alone() {
        for text in [
            "Soạn bằng Microsoft®Word, Corel®Draw và Adobe®Reader: đủ và đúng",
            "«Bonjour», dit-il. L'École, Molière, © 2020 ® µm ¼ inch",
            "Où est la maïs? Noël à Paris, naïve, aérien, où, où, où",
            "GBP - £, EUR - €, Straße, Ö, ½ price, Ærø, señor, año",
            "Họ và tên: Nguyễn Văn An",
        ] {
            let mut d = doc(&[text]);
            assert!(!decode(&mut d), "{text}");
            assert_eq!(texts(&mut d), [text]);
        }
    }
}
