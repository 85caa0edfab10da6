//! VNI, the encoding of the `VNI-Times` fonts: a vowel's marks typed as a
//! second character after it ("Hoï vaø teân" for "Họ và tên"), a few
//! letters as one character (ơ ư đ, and i with its tones). The table below
//! is VNI-Windows as the VNI fonts draw it: for each vowel, its six tones
//! (none, acute, grave, hook, tilde, dot below) are its base then `ù ø û õ
//! ï`; the circumflex and breve forms are `â á à å ã ä` and `ê é è ú ü ë`
//! after the base; capitals take the capital marks (`Ù Ø Û Õ Ï`, ...).
//!
//! Its sign: a vowel followed by `ø`, `û` or `õ` (grave, hook, tilde), or
//! `a`, `e`, `o` by `â`, or `a` by `ê`: sequences neither Unicode
//! Vietnamese nor a Western language has (French "où" and "naïve" are not
//! counted).

/// Vowels with the six tones: the base, then each tone's second character.
const TONES: [char; 5] = ['ù', 'ø', 'û', 'õ', 'ï'];
/// The circumflex (â ê ô) and breve (ă) forms: the mark, then with each
/// tone. (Capitals' marks are these in capitals.)
const HAT: [char; 6] = ['â', 'á', 'à', 'å', 'ã', 'ä'];
const BREVE: [char; 6] = ['ê', 'é', 'è', 'ú', 'ü', 'ë'];

/// The Unicode letter a VNI base (`a`, or `ô` for ơ, `ö` for ư) and mark
/// make, if any. The mark's case need not match the base's; the letter
/// takes the base's.
fn pair(base: char, mark: char) -> Option<char> {
    let lower_mark = lower(mark);
    let tone = TONES.iter().position(|&t| t == lower_mark);
    let hat = HAT.iter().position(|&t| t == lower_mark);
    let breve = BREVE.iter().position(|&t| t == lower_mark);
    let letters: &[char] = match (lower(base), tone, hat, breve) {
        ('a', Some(t), _, _) => &['á', 'à', 'ả', 'ã', 'ạ'][t..=t],
        ('a', _, Some(h), _) => &['â', 'ấ', 'ầ', 'ẩ', 'ẫ', 'ậ'][h..=h],
        ('a', _, _, Some(b)) => &['ă', 'ắ', 'ằ', 'ẳ', 'ẵ', 'ặ'][b..=b],
        ('e', Some(t), _, _) => &['é', 'è', 'ẻ', 'ẽ', 'ẹ'][t..=t],
        ('e', _, Some(h), _) => &['ê', 'ế', 'ề', 'ể', 'ễ', 'ệ'][h..=h],
        ('o', Some(t), _, _) => &['ó', 'ò', 'ỏ', 'õ', 'ọ'][t..=t],
        ('o', _, Some(h), _) => &['ô', 'ố', 'ồ', 'ổ', 'ỗ', 'ộ'][h..=h],
        ('ô', Some(t), _, _) => &['ớ', 'ờ', 'ở', 'ỡ', 'ợ'][t..=t],
        ('u', Some(t), _, _) => &['ú', 'ù', 'ủ', 'ũ', 'ụ'][t..=t],
        ('ö', Some(t), _, _) => &['ứ', 'ừ', 'ử', 'ữ', 'ự'][t..=t],
        // ỵ is a letter of its own (î), not y with a dot.
        ('y', Some(t), _, _) if t < 4 => &['ý', 'ỳ', 'ỷ', 'ỹ'][t..=t],
        _ => return None,
    };
    let letter = *letters.first()?;
    Some(if base.is_uppercase() {
        letter.to_uppercase().next().unwrap_or(letter)
    } else {
        letter
    })
}

/// The letters VNI types as one character.
fn single(c: char) -> Option<char> {
    Some(match c {
        'ô' => 'ơ',
        'Ô' => 'Ơ',
        'ö' => 'ư',
        'Ö' => 'Ư',
        'ñ' => 'đ',
        'Ñ' => 'Đ',
        'í' => 'í',
        'Í' => 'Í',
        'ì' => 'ì',
        'Ì' => 'Ì',
        'æ' => 'ỉ',
        'Æ' => 'Ỉ',
        'ó' => 'ĩ',
        'Ó' => 'Ĩ',
        'ò' => 'ị',
        'Ò' => 'Ị',
        'î' => 'ỵ',
        'Î' => 'Ỵ',
        _ => return None,
    })
}

/// Lowercase, for the Latin-1 letters the table uses.
fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Whether `base` then `mark` is VNI's sign (see the module's doc).
fn is_sign(base: char, mark: char) -> bool {
    let vowel = matches!(lower(base), 'a' | 'e' | 'o' | 'u' | 'y' | 'ô' | 'ö');
    match lower(mark) {
        'ø' | 'û' | 'õ' => vowel,
        'â' => matches!(lower(base), 'a' | 'e' | 'o'),
        'ê' => lower(base) == 'a',
        _ => false,
    }
}

/// VNI, as [`super::decode_texts`] uses it.
pub(super) struct Vni;

impl super::Encoding for Vni {
    fn may_be_in(&self, text: &str) -> bool {
        // The marks are Latin-1 letters, two bytes in UTF-8 from 0xC3, and
        // Vietnamese in Unicode has many such letters: each is looked at
        // by its bytes (a character-wise look cost a twentieth of reading
        // a batch).
        let bytes = text.as_bytes();
        let vowel_before = |i: usize| match i.checked_sub(1).and_then(|j| bytes.get(j)) {
            Some(b'a' | b'e' | b'o' | b'u' | b'y' | b'A' | b'E' | b'O' | b'U' | b'Y') => true,
            // ô ö Ô Ö (ơ ư in VNI) before the mark.
            _ => {
                i >= 2 && bytes[i - 2] == 0xC3 && matches!(bytes[i - 1], 0xB4 | 0xB6 | 0x94 | 0x96)
            }
        };
        memchr::memchr_iter(0xC3, bytes).any(|i| match bytes.get(i + 1) {
            // ø û õ and their capitals: after any vowel.
            Some(0xB8 | 0xBB | 0xB5 | 0x98 | 0x9B | 0x95) => vowel_before(i),
            // â Â: after a, e, o.
            Some(0xA2 | 0x82) => {
                i >= 1 && matches!(bytes[i - 1], b'a' | b'e' | b'o' | b'A' | b'E' | b'O')
            }
            // ê Ê: after a.
            Some(0xAA | 0x8A) => i >= 1 && matches!(bytes[i - 1], b'a' | b'A'),
            _ => false,
        })
    }

    fn evidence(&self, word: &str) -> usize {
        let chars: Vec<char> = word.chars().collect();
        chars.windows(2).filter(|w| is_sign(w[0], w[1])).count()
    }

    fn is_in(&self, line: &str) -> bool {
        let chars: Vec<char> = line.chars().collect();
        chars.windows(2).any(|w| pair(w[0], w[1]).is_some())
    }

    fn decode(&self, word: &str) -> String {
        let mut out = String::with_capacity(word.len());
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(letter) = chars.peek().and_then(|&mark| pair(c, mark)) {
                chars.next();
                out.push(letter);
            } else {
                out.push(single(c).unwrap_or(c));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::Encoding;
    use super::*;

    /// The marks of capitals.
    const TONES_UPPER: [char; 5] = ['Ù', 'Ø', 'Û', 'Õ', 'Ï'];
    const HAT_UPPER: [char; 6] = ['Â', 'Á', 'À', 'Å', 'Ã', 'Ä'];
    const BREVE_UPPER: [char; 6] = ['Ê', 'É', 'È', 'Ú', 'Ü', 'Ë'];

    #[test]
    fn every_vietnamese_letter_has_one_spelling() {
        let letters = "aáàảãạâấầẩẫậăắằẳẵặeéèẻẽẹêếềểễệiíìỉĩịoóòỏõọôốồổỗộơớờởỡợuúùủũụưứừửữựyýỳỷỹỵđ";
        let spelled: String = letters
            .chars()
            .map(|c| vni_of(c).unwrap_or_else(|| panic!("no VNI for {c}")))
            .collect::<Vec<String>>()
            .join(" ");
        let back: Vec<String> = spelled.split(' ').map(|w| Vni.decode(w)).collect();
        let letters: Vec<String> = letters.chars().map(String::from).collect();
        assert_eq!(back, letters);
        let upper: String = letters.concat().to_uppercase();
        let back: String = upper
            .chars()
            .map(|c| Vni.decode(&vni_of(c).unwrap()))
            .collect();
        assert_eq!(back, upper);
    }

    /// The VNI spelling of a letter, from the two tables, for the test.
    fn vni_of(letter: char) -> Option<String> {
        if letter.is_ascii() {
            return Some(letter.to_string());
        }
        for c in '\u{A0}'..='\u{FF}' {
            if single(c) == Some(letter) {
                return Some(c.to_string());
            }
        }
        for base in [
            'a', 'e', 'o', 'u', 'y', 'ô', 'ö', 'A', 'E', 'O', 'U', 'Y', 'Ô', 'Ö',
        ] {
            for mark in TONES
                .iter()
                .chain(&HAT)
                .chain(&BREVE)
                .chain(&TONES_UPPER)
                .chain(&HAT_UPPER)
                .chain(&BREVE_UPPER)
            {
                if pair(base, *mark) == Some(letter) && base.is_uppercase() == mark.is_uppercase() {
                    return Some(format!("{base}{mark}"));
                }
            }
        }
        None
    }

    #[test]
    fn a_form_typed_in_vni_times_reads_as_unicode() {
        for (vni, unicode) in [
            (
                "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
                "Cộng hòa xã hội chủ nghĩa Việt Nam",
            ),
            (
                "Ñoäc laäp - Töï do - Haïnh phuùc",
                "Độc lập - Tự do - Hạnh phúc",
            ),
            ("ÑÔN ÑEÀ NGHÒ", "ĐƠN ĐỀ NGHỊ"),
            (
                "Tröôøng Ñaïi hoïc Sö phaïm Kon Tum",
                "Trường Đại học Sư phạm Kon Tum",
            ),
            ("Leâ Vaên Cöôøng, Ñaêk Kôi", "Lê Văn Cường, Đăk Kơi"),
        ] {
            assert_eq!(Vni.decode(vni), unicode);
        }
    }

    #[test]
    fn the_quick_look_finds_exactly_the_sign() {
        let bases = "aeiouyAEIOUYôöÔÖbx1 ";
        for base in bases.chars() {
            for mark in '\u{C0}'..='\u{FF}' {
                let text = format!("x{base}{mark}x");
                assert_eq!(Vni.may_be_in(&text), is_sign(base, mark), "{text}");
            }
        }
    }

    #[test]
    fn its_sign_is_not_in_unicode_vietnamese_nor_western_text() {
        for text in [
            "Nguyễn Văn Quân, quê ở Khuê Ngọc Điền, tuyên truyền",
            "Où est la maïs? Noël, naïve, aérien",
        ] {
            assert!(!Vni.may_be_in(text), "{text}");
            assert_eq!(
                text.split_whitespace()
                    .map(|w| Vni.evidence(w))
                    .sum::<usize>(),
                0
            );
        }
        assert!(Vni.may_be_in("Hoï vaø teân"));
    }
}
