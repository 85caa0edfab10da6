//! Names, places and jobs of a mountain district in Kon Tum province, and
//! the small text tricks the samples need (folder slugs, NFD spelling, a
//! "differs only in diacritics" typo).

use super::rng::Rng;
use crate::text;
use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Mai", "Tạ", "Hà", "Đoàn", "Lâm",
    "Kiều",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân", "Đình", "Ngọc", "Trọng", "Quốc",
    "Tấn", "Duy", "Anh", "Bá",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị",
    "Thị Thu",
    "Thị Thanh",
    "Thị Kim",
    "Thị Ngọc",
    "Thu",
    "Ngọc",
    "Thanh",
    "Thị Hồng",
    "Thị Mỹ",
    "Thị Bích",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong",
    "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Huy", "Lộc",
    "Nghĩa", "Phúc", "Tâm", "Thịnh", "Tiến", "Trí", "Hậu", "Hiếu", "Kiên", "Lợi", "Mạnh", "Đông",
    "Khoa", "Luân", "Nhân", "Sang",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ",
    "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương",
    "Quyên", "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến", "My", "Nhàn", "Sương", "Diễm",
];
const SECOND_MALE: &[&str] = &[
    "Minh", "Quang", "Hoàng", "Gia", "Bảo", "Đức", "Thành", "Xuân", "Hải", "Trung", "Tuấn",
    "Khánh", "Duy", "Anh", "Hữu", "Công",
];
const SECOND_FEMALE: &[&str] = &[
    "Minh", "Thanh", "Ngọc", "Xuân", "Hoài", "Bảo", "Gia", "Phương", "Hồng", "Quỳnh", "Khánh",
    "Thùy", "Diệu", "Thảo", "Mai", "Tuyết",
];
/// Given names of Xơ Đăng and Ba Na people, written after "A" (men) or "Y"
/// (women) as is usual in the district.
const GIVEN_LOCAL: &[&str] = &[
    "Blúi", "Hmưu", "Pơl", "Đang", "Thuận", "Nhơn", "Bình", "Trưng", "Hlin", "Blin", "Dêl",
    "Jrong", "Krông", "Rưng", "Siêng", "Tơr", "Hyêl", "Kơ", "Nhôn", "Pết",
];

pub const ETHNIC_KINH: &str = "Kinh";
pub const ETHNIC_LOCAL: &[&str] = &["Xơ Đăng", "Ba Na", "Xơ Đăng", "Gia Rai"];

/// A person's name as it should be, with the sex and ethnicity it implies.
pub struct NewName {
    pub name: String,
    pub sex: Sex,
    pub ethnicity: &'static str,
}

/// Hands out names that are unique even without diacritics, so no two
/// people in a batch look like a typo of each other; the only look-alikes
/// are the ones a case makes on purpose.
pub struct NameBook {
    used: HashSet<String>,
    clashes: u32,
}

impl NameBook {
    pub fn new() -> NameBook {
        NameBook {
            used: HashSet::new(),
            clashes: 0,
        }
    }

    pub fn next(&mut self, rng: &mut Rng) -> NewName {
        loop {
            let candidate = self.candidate(rng);
            if self.used.insert(text::fold(&candidate.name)) {
                self.clashes = 0;
                return candidate;
            }
            self.clashes += 1;
        }
    }

    fn candidate(&mut self, rng: &mut Rng) -> NewName {
        let sex = if rng.chance(55) {
            Sex::Male
        } else {
            Sex::Female
        };
        // The local two-word names run out quickly; past a few hundred people
        // most candidates are the long Kinh form, which has room for millions.
        let roll = rng.below(100);
        let crowded = self.used.len() > 400;
        if roll < 8 && !crowded {
            let prefix = if sex == Sex::Male { "A" } else { "Y" };
            let name = format!("{prefix} {}", rng.pick(GIVEN_LOCAL));
            return NewName {
                name,
                sex,
                ethnicity: rng.pick(ETHNIC_LOCAL),
            };
        }
        let (middles, givens) = match sex {
            Sex::Male => (MIDDLE_MALE, GIVEN_MALE),
            Sex::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
        };
        if roll < 14 && !crowded {
            let middle = if sex == Sex::Male { "Văn" } else { "Thị" };
            let name = format!("Đinh {middle} {}", rng.pick(GIVEN_LOCAL));
            return NewName {
                name,
                sex,
                ethnicity: rng.pick(ETHNIC_LOCAL),
            };
        }
        let family = rng.pick(FAMILY);
        let given = rng.pick(givens);
        let (first_middle, seconds) = match sex {
            Sex::Male => (rng.pick(middles), SECOND_MALE),
            Sex::Female => (
                rng.pick(&["Thị", "Ngọc", "Thu", "Kim", "Mỹ"]),
                SECOND_FEMALE,
            ),
        };
        // Past a few hundred people most candidates are the long form, which
        // has room for hundreds of thousands; after repeated clashes a third
        // middle name (rare, but real) opens millions more.
        let name = if self.clashes > 20 {
            let second = rng.pick(seconds);
            let third = rng.pick(seconds);
            format!("{family} {first_middle} {second} {third} {given}")
        } else if crowded && rng.chance(60) || rng.chance(10) {
            format!("{family} {first_middle} {} {given}", rng.pick(seconds))
        } else {
            format!("{family} {} {given}", rng.pick(middles))
        };
        NewName {
            name,
            sex,
            ethnicity: ETHNIC_KINH,
        }
    }
}

/// A commune or township of the district: how it is named in text and on disk.
#[derive(Clone, Debug)]
pub struct Place {
    /// "Đăk Kôi"
    pub name: String,
    /// "xã" or "thị trấn"
    pub kind: &'static str,
    /// "xa-dak-koi", "xa-dak-koi-2" when a big batch reuses names.
    pub slug: String,
}

impl Place {
    /// "xã Đăk Kôi"
    pub fn full(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// "ĐẢNG ỦY XÃ ĐĂK KÔI"
    pub fn party_committee_caps(&self) -> String {
        format!("ĐẢNG ỦY {}", self.full()).to_uppercase()
    }
}

/// Kon Rẫy's communes first (the 196-dossier year uses exactly these, the
/// last one being the small commune that forgot its letter), then
/// neighbouring districts' for bigger batches.
const PLACES: &[(&str, &str)] = &[
    ("thị trấn", "Đăk Rve"),
    ("xã", "Đăk Kôi"),
    ("xã", "Đăk Tơ Lung"),
    ("xã", "Đăk Ruồng"),
    ("xã", "Tân Lập"),
    ("xã", "Đăk Tờ Re"),
    ("xã", "Đăk Pne"),
    ("xã", "Đăk Long"),
    ("xã", "Hiếu"),
    ("xã", "Măng Cành"),
    ("xã", "Ngọk Tem"),
    ("xã", "Pờ Ê"),
    ("xã", "Đăk Ring"),
    ("xã", "Măng Bút"),
    ("xã", "Đăk Tăng"),
    ("xã", "Đăk Nên"),
    ("thị trấn", "Măng Đen"),
    ("xã", "Đăk Mar"),
    ("xã", "Đăk Hring"),
    ("xã", "Đăk La"),
    ("xã", "Hà Mòn"),
    ("xã", "Ngọk Wang"),
    ("xã", "Ngọk Réo"),
    ("xã", "Đăk Pxi"),
    ("xã", "Đăk Ui"),
    ("xã", "Sa Nhơn"),
    ("xã", "Sa Sơn"),
    ("xã", "Sa Bình"),
    ("xã", "Ya Xiêr"),
    ("xã", "Rờ Kơi"),
    ("xã", "Mô Rai"),
    ("xã", "Tân Cảnh"),
    ("xã", "Diên Bình"),
    ("xã", "Pô Kô"),
    ("xã", "Văn Lem"),
    ("xã", "Đăk Trăm"),
];

/// The `index`-th place; names repeat with a numeric suffix on disk once
/// the list runs out.
pub fn place(index: usize) -> Place {
    let (kind, name) = PLACES[index % PLACES.len()];
    let round = index / PLACES.len();
    let base = slug(&format!("{kind} {name}"));
    let slug = if round == 0 {
        base
    } else {
        format!("{base}-{}", round + 1)
    };
    Place {
        name: name.to_string(),
        kind,
        slug,
    }
}

/// ASCII folder name of a Vietnamese text: "Nguyễn Văn An" → "nguyen-van-an".
pub fn slug(s: &str) -> String {
    text::fold_words(s).replace(' ', "-")
}

/// The name spelled in decomposed Unicode (NFD), as some Mac and web tools
/// save it.
pub fn nfd(s: &str) -> String {
    s.nfd().collect()
}

/// The name with one diacritic dropped (or, if it has none, one added): a
/// different name that folds to the same letters, "Nguyễn" → "Nguyên".
pub fn diacritic_typo(name: &str) -> String {
    let decomposed: Vec<char> = name.nfd().collect();
    // Prefer the tone mark of the last word, where clerks' typos cluster.
    let last_mark = decomposed
        .iter()
        .rposition(|c| unicode_normalization::char::is_combining_mark(*c));
    let out: String = match last_mark {
        Some(i) => decomposed
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| *c)
            .collect(),
        None => {
            let mut added = String::new();
            let mut done = false;
            for c in decomposed {
                added.push(c);
                if !done && "aeiouy".contains(c.to_ascii_lowercase()) {
                    added.push('\u{0301}');
                    done = true;
                }
            }
            added
        }
    };
    out.nfc().collect()
}

/// Positions held in a commune's political system (who may apply), the
/// body a holder works for ("" where the unit is a village, school or
/// clinic), and whether only women hold it.
pub const POSITIONS: &[(&str, &str, bool)] = &[
    ("Bí thư Chi bộ thôn", "", false),
    ("Phó Bí thư Chi bộ thôn", "", false),
    ("Trưởng thôn", "", false),
    ("Chủ tịch Hội Nông dân xã", "Hội Nông dân", false),
    (
        "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã",
        "Hội Liên hiệp Phụ nữ",
        true,
    ),
    ("Bí thư Đoàn xã", "Đoàn Thanh niên", false),
    ("Công chức Văn hóa - Xã hội", "Ủy ban nhân dân", false),
    ("Công chức Tư pháp - Hộ tịch", "Ủy ban nhân dân", false),
    ("Công chức Địa chính - Xây dựng", "Ủy ban nhân dân", false),
    ("Công chức Văn phòng - Thống kê", "Ủy ban nhân dân", false),
    (
        "Chỉ huy trưởng Ban Chỉ huy Quân sự xã",
        "Ban Chỉ huy Quân sự",
        false,
    ),
    ("Phó Chủ tịch Ủy ban nhân dân xã", "Ủy ban nhân dân", false),
    (
        "Chủ tịch Ủy ban Mặt trận Tổ quốc xã",
        "Ủy ban Mặt trận Tổ quốc",
        false,
    ),
    (
        "Chủ tịch Hội Cựu chiến binh xã",
        "Hội Cựu chiến binh",
        false,
    ),
    ("Văn phòng Đảng ủy", "Đảng ủy", false),
    ("Giáo viên", "", false),
    ("Nhân viên Trạm Y tế xã", "", false),
    ("Kế toán", "Ủy ban nhân dân", false),
];

/// A position fit for the person, and where they work.
pub fn position_and_unit(sex: Sex, place: &Place, rng: &mut Rng) -> (String, String) {
    let (position, body) = loop {
        let (position, body, women_only) = rng.pick(POSITIONS);
        if !women_only || sex == Sex::Female {
            break (position, body);
        }
    };
    let unit = if position.contains("thôn") {
        format!("Thôn {}, {}", rng.range(1, 9), place.full())
    } else if position == "Giáo viên" {
        format!(
            "Trường {} {}",
            rng.pick(&["Tiểu học", "Mầm non", "Trung học cơ sở"]),
            place.full()
        )
    } else if position.contains("Y tế") {
        format!("Trạm Y tế {}", place.full())
    } else {
        format!("{body} {}", place.full())
    };
    (position.to_string(), unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_spellings() {
        assert_eq!(slug("Nguyễn Văn  Đạt"), "nguyen-van-dat");
        assert_eq!(place(0).slug, "thi-tran-dak-rve");
        assert_eq!(place(1).slug, "xa-dak-koi");
        assert_eq!(place(PLACES.len() + 1).slug, "xa-dak-koi-2");
        assert_ne!(nfd("Nguyễn"), "Nguyễn");
        assert_eq!(text::clean(&nfd("Nguyễn")), "Nguyễn");
    }

    #[test]
    fn typo_differs_only_in_diacritics() {
        for name in [
            "Nguyễn Văn Hùng",
            "Lê Thị Lan",
            "A Pơl",
            "Y Hlin",
            "Đinh Văn An",
        ] {
            let typo = diacritic_typo(name);
            assert_ne!(text::key(&typo), text::key(name), "{name}");
            assert_eq!(text::fold(&typo), text::fold(name), "{name}");
        }
        assert_eq!(diacritic_typo("Nguyễn Văn Hùng"), "Nguyễn Văn Hung");
    }

    #[test]
    fn names_unique_without_diacritics_even_for_big_batches() {
        let mut book = NameBook::new();
        let mut rng = Rng::new(3);
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            assert!(seen.insert(text::fold(&book.next(&mut rng).name)));
        }
    }
}
