//! Plans a review batch: how many cases of each kind, which commune folder
//! each lands in, and every fact of every person, list row and dossier.
//! Planning is sequential and seeded; writing (in `mod.rs`) only reads it.

use super::benchmark::{self, PARTS};
use super::model::{
    BASE_COUNT, Case, Commune, Dossier, Form, FormLayout, Institution, Kind, Letter, ListBirth,
    ListEntry, ListLayout, MIX, Party, Person, Plan, Transcript,
};
use super::people::{self, NameBook, Place, diacritic_typo, nfd, slug};
use super::rng::Rng;
use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeMap;

/// Institutions outside the Party school system: their courses may be recognised.
const INSTITUTIONS: &[Institution] = &[
    Institution {
        name: "Trường Cao đẳng Cộng đồng Kon Tum",
        city: "Kon Tum",
        head: "HIỆU TRƯỞNG",
        course: "Lớp bồi dưỡng lý luận chính trị hệ cao đẳng",
    },
    Institution {
        name: "Phân hiệu Đại học Đà Nẵng tại Kon Tum",
        city: "Kon Tum",
        head: "GIÁM ĐỐC",
        course: "Các học phần lý luận chính trị hệ đại học",
    },
    Institution {
        name: "Trường Đại học Tây Nguyên",
        city: "Buôn Ma Thuột",
        head: "HIỆU TRƯỞNG",
        course: "Các học phần lý luận chính trị hệ đại học",
    },
    Institution {
        name: "Trường Cao đẳng Sư phạm Kon Tum",
        city: "Kon Tum",
        head: "HIỆU TRƯỞNG",
        course: "Chương trình giáo dục chính trị hệ cao đẳng",
    },
    Institution {
        name: "Trường Đại học Quy Nhơn",
        city: "Quy Nhơn",
        head: "HIỆU TRƯỞNG",
        course: "Các học phần lý luận chính trị hệ đại học",
    },
    Institution {
        name: "Trường Quân sự tỉnh Kon Tum",
        city: "Kon Tum",
        head: "HIỆU TRƯỞNG",
        course: "Lớp bồi dưỡng chính trị cho cán bộ quân sự cơ sở",
    },
];

/// Party schools: courses there are not reviewed for equivalence.
const PARTY_SCHOOLS: &[Institution] = &[
    Institution {
        name: "Trường Chính trị tỉnh Kon Tum",
        city: "Kon Tum",
        head: "HIỆU TRƯỞNG",
        course: "Lớp bồi dưỡng lý luận chính trị cho cán bộ cơ sở",
    },
    Institution {
        name: "Trung tâm Chính trị huyện Đăk Hà",
        city: "Đăk Hà",
        head: "GIÁM ĐỐC",
        course: "Lớp bồi dưỡng lý luận chính trị",
    },
    Institution {
        name: "Học viện Chính trị khu vực III",
        city: "Đà Nẵng",
        head: "GIÁM ĐỐC",
        course: "Lớp bồi dưỡng kiến thức lý luận chính trị",
    },
];

const VALID_MARKS: &[&str] = &[
    "SAO Y BẢN CHÍNH",
    "Bản sao có chứng thực",
    "BẢN CHÍNH",
    "Sao y bản chính",
];
/// Marks that do not make a transcript valid; `None` is no mark at all.
const INVALID_MARKS: &[Option<&str>] =
    &[Some("Bản photo"), Some("Bản sao"), None, Some("BẢN PHOTO")];
const DIPLOMAS: &[&str] = &[
    "bang-tot-nghiep.pdf",
    "giay-chung-nhan.jpg",
    "chung-chi.pdf",
    "giay-chung-nhan.pdf",
    "bang-tot-nghiep.jpg",
];
const TITLES: &[&str] = &["BẢNG ĐIỂM", "BẢNG KẾT QUẢ HỌC TẬP", "BẢNG ĐIỂM"];
const COLUMNS: &[[&str; 4]] = &[
    ["TT", "Môn học / Chuyên đề", "Số tiết", "Điểm"],
    ["STT", "Nội dung", "Thời lượng (tiết)", "Kết quả"],
    ["TT", "Tên chuyên đề", "Số tiết", "Điểm"],
];
const LEVELS_NONE: &[&str] = &["Chưa qua đào tạo", "Chưa có", "Chưa qua đào tạo", "Không"];

/// Accepted cases that sit exactly on a limit or take a rarely used but
/// valid path; each is given to one accepted case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Periods160,
    Periods160Without2,
    Coverage150,
    Coverage150Periods160,
    LastDay,
    NotMemberWithPosition(&'static str),
    MemberWithoutPosition(&'static str),
}

const EDGES: &[Edge] = &[
    Edge::Periods160,
    Edge::Periods160Without2,
    Edge::Coverage150,
    Edge::Coverage150Periods160,
    Edge::LastDay,
    Edge::NotMemberWithPosition("Chưa"),
    Edge::NotMemberWithPosition("Không"),
    Edge::MemberWithoutPosition("Không"),
    Edge::MemberWithoutPosition(""),
];

/// How many cases of each kind a batch of `count` verdicts has: the
/// 196-case mix scaled, each rejection kind kept at least once from 100 on.
pub fn scaled_mix(count: usize) -> Vec<(Kind, usize)> {
    let mut out: Vec<(Kind, usize)> = MIX
        .iter()
        .filter(|(k, _)| *k != Kind::Accepted)
        .map(|&(k, base)| {
            let n = (base * count + BASE_COUNT / 2) / BASE_COUNT;
            (k, if count >= 100 { n.max(1) } else { n })
        })
        .collect();
    let others: usize = out.iter().map(|(_, n)| n).sum();
    out.insert(0, (Kind::Accepted, count.saturating_sub(others)));
    out
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn random_date(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as usize;
    from + Days::new(rng.below(span + 1) as u64)
}

fn years_later(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day().min(28)).unwrap_or(d)
}

struct Planner {
    rng: Rng,
    names: NameBook,
    year: i32,
    /// How many cases of a kind have been made so far (the first of some
    /// kinds sits on a limit).
    seen: BTreeMap<Kind, usize>,
}

/// Plans a batch of `count` verdicts for forms signed in `year`.
pub fn plan(count: usize, year: i32) -> Plan {
    let mut p = Planner {
        rng: Rng::new(0x686F_736F_0000_0000 ^ year as u64),
        names: NameBook::new(),
        year,
        seen: BTreeMap::new(),
    };
    let mix = scaled_mix(count);
    let n_of = |kind: Kind| mix.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n);

    let mut main: Vec<Kind> = mix
        .iter()
        .filter(|(k, _)| !matches!(k, Kind::Duplicate | Kind::NoLetter))
        .flat_map(|&(k, n)| std::iter::repeat_n(k, n))
        .collect();
    p.rng.shuffle(&mut main);

    // Commune folders of 30–40 cases, sizes a little uneven like real ones.
    let lettered = ((main.len() + 16) / 33).max(1);
    let weights: Vec<usize> = (0..lettered).map(|_| 80 + p.rng.below(41)).collect();
    let total_weight: usize = weights.iter().sum();
    let mut sizes: Vec<usize> = weights
        .iter()
        .map(|w| main.len() * w / total_weight)
        .collect();
    let short = main.len() - sizes.iter().sum::<usize>();
    for s in sizes.iter_mut().take(short) {
        *s += 1;
    }
    let mut assignment: Vec<(Kind, usize)> = Vec::new();
    let mut at = 0;
    for (c, size) in sizes.iter().enumerate() {
        for &k in &main[at..at + size] {
            assignment.push((k, c));
        }
        at += size;
    }
    let no_letter = n_of(Kind::NoLetter);
    for i in 0..no_letter {
        assignment.push((Kind::NoLetter, lettered + i / 2));
    }
    let communes_total = lettered + no_letter.div_ceil(2);

    let mut communes: Vec<Commune> = (0..communes_total)
        .map(|i| p.commune(i, i < lettered))
        .collect();

    // Edge cases go to random accepted cases.
    let mut accepted: Vec<usize> = assignment
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| *k == Kind::Accepted)
        .map(|(i, _)| i)
        .collect();
    p.rng.shuffle(&mut accepted);
    let mut edges: BTreeMap<usize, Edge> = BTreeMap::new();
    for (&case, &edge) in accepted.iter().zip(EDGES) {
        edges.insert(case, edge);
    }

    let mut cases: Vec<Case> = assignment
        .iter()
        .enumerate()
        .map(|(i, &(kind, c))| {
            let commune = communes[c].clone();
            p.case(kind, c, &commune, edges.get(&i).copied())
        })
        .collect();

    // Second dossiers of accepted people without edge roles, in their commune.
    let originals: Vec<usize> = accepted
        .iter()
        .skip(EDGES.len())
        .take(n_of(Kind::Duplicate))
        .copied()
        .collect();
    for original in originals {
        let Some(first) = cases.get(original) else {
            continue;
        };
        let Some(commune) = communes.get(first.commune) else {
            continue;
        };
        let dup = p.duplicate(first, original, commune);
        cases.push(dup);
    }

    number_folders(&mut cases, &communes);
    date_letters(&mut communes, &cases, &mut p.rng);
    Plan { communes, cases }
}

/// Gives every dossier its folder: `<commune>/<NN>-<name>`, numbered in
/// case order, second dossiers after everyone else so they sort later.
fn number_folders(cases: &mut [Case], communes: &[Commune]) {
    let mut per_commune: Vec<Vec<usize>> = vec![Vec::new(); communes.len()];
    for (i, c) in cases.iter().enumerate() {
        if c.dossier.is_some() && c.duplicate_of.is_none() {
            per_commune[c.commune].push(i);
        }
    }
    for (i, c) in cases.iter().enumerate() {
        if c.dossier.is_some() && c.duplicate_of.is_some() {
            per_commune[c.commune].push(i);
        }
    }
    for (commune, members) in communes.iter().zip(per_commune) {
        let width = if members.len() > 99 { 3 } else { 2 };
        for (n, i) in members.into_iter().enumerate() {
            let case = &mut cases[i];
            let folder = format!(
                "{}/{:0width$}-{}",
                commune.place.slug,
                n + 1,
                slug(&case.person.name)
            );
            if let Some(d) = case.dossier.as_mut() {
                d.folder = folder;
            }
        }
    }
}

/// A unit sends its letter and list on the planned day, or a few days
/// after its last form if one came in late.
fn date_letters(communes: &mut [Commune], cases: &[Case], rng: &mut Rng) {
    for (i, commune) in communes.iter_mut().enumerate() {
        let last_form = cases
            .iter()
            .filter(|c| c.commune == i)
            .filter_map(|c| c.dossier.as_ref().map(|d| d.form.signed))
            .max()
            .unwrap_or(commune.list_date);
        let date = commune
            .list_date
            .max(last_form + Days::new(rng.range(2, 6) as u64));
        commune.list_date = date;
        if let Some(letter) = commune.letter.as_mut() {
            letter.date = date;
        }
    }
}

impl Planner {
    fn next_of(&mut self, kind: Kind) -> usize {
        let n = self.seen.entry(kind).or_insert(0);
        *n += 1;
        *n - 1
    }

    fn commune(&mut self, index: usize, has_letter: bool) -> Commune {
        let place = people::place(index);
        let layout = match index % 6 {
            1 => ListLayout::MaleFemale,
            3 => ListLayout::TwoSheets,
            4 => ListLayout::Gaps,
            _ => ListLayout::Plain,
        };
        let y = self.year;
        // The day the unit plans to send its file; forms are signed in the
        // month before.
        let planned = random_date(&mut self.rng, ymd(y, 3, 25), ymd(y, 6, 28));
        Commune {
            place,
            letter: has_letter.then(|| Letter {
                number: self.rng.range(5, 60),
                date: planned,
            }),
            list_layout: layout,
            list_date: planned,
            clerk: self.names.next(&mut self.rng).name,
            secretary: self.names.next(&mut self.rng).name,
        }
    }

    fn person(&mut self, kind: Kind, place: &Place, edge: Option<Edge>) -> Person {
        let rng = &mut self.rng;
        let y = self.year;
        let n = self.names.next(rng);
        let age = rng.range(24, 56) as i32;
        let birth = ymd(y - age, rng.range(1, 12), rng.range(1, 28));
        let (mut position, unit) = people::position_and_unit(n.sex, place, rng);
        let joined = birth.year() + 19 + rng.below((age - 20) as usize) as i32;
        let mut party = Party::Member(ymd(joined.min(y - 1), rng.range(1, 12), rng.range(1, 28)));
        match edge {
            Some(Edge::NotMemberWithPosition(t)) => party = Party::Not(t),
            Some(Edge::MemberWithoutPosition(t)) => position = t.to_string(),
            _ => {}
        }
        if kind == Kind::NotEligible {
            let (party_text, position_text) =
                [("Không", "Không"), ("Chưa", ""), ("", "Không")][self.seen_count(kind) % 3];
            party = Party::Not(party_text);
            position = position_text.to_string();
        }
        let institution = if matches!(kind, Kind::PartySchool | Kind::PartySchoolLate) {
            PARTY_SCHOOLS[self.seen_count(kind) % PARTY_SCHOOLS.len()]
        } else {
            self.rng.pick(INSTITUTIONS)
        };
        let rng = &mut self.rng;
        let course_from = ymd(
            y - rng.range(2, 12) as i32,
            rng.range(1, 10),
            rng.range(1, 28),
        );
        let course_to = course_from + Days::new(rng.range(25, 120) as u64);
        Person {
            name: n.name,
            sex: n.sex,
            birth,
            ethnicity: n.ethnicity,
            position,
            unit,
            party,
            education: rng.pick(&["12/12", "12/12", "12/12", "12/12", "9/12", "10/10"]),
            current_level: if kind == Kind::AlreadyTrained {
                "Sơ cấp"
            } else {
                rng.pick(LEVELS_NONE)
            },
            institution,
            course_from,
            course_to,
        }
    }

    fn seen_count(&self, kind: Kind) -> usize {
        self.seen.get(&kind).copied().unwrap_or(0)
    }

    fn case(&mut self, kind: Kind, index: usize, commune: &Commune, edge: Option<Edge>) -> Case {
        let person = self.person(kind, &commune.place, edge);
        let nth = self.next_of(kind);
        let list = (kind != Kind::NotListed).then(|| self.list_entry(kind, &person, nth));
        let dossier =
            (kind != Kind::NoDossier).then(|| self.dossier(kind, &person, commune, nth, edge));
        Case {
            kind,
            person,
            commune: index,
            list,
            dossier,
            duplicate_of: None,
        }
    }

    fn duplicate(&mut self, first: &Case, original: usize, commune: &Commune) -> Case {
        let mut dossier = self.dossier(Kind::Accepted, &first.person, commune, 0, None);
        if let Some(d) = &first.dossier {
            // Re-sent a little later, still in time.
            let later = d.form.signed + Days::new(self.rng.range(3, 20) as u64);
            dossier.form.signed = later.min(ymd(self.year, 7, 7));
        }
        Case {
            kind: Kind::Duplicate,
            person: first.person.clone(),
            commune: first.commune,
            list: None,
            dossier: Some(dossier),
            duplicate_of: Some(original),
        }
    }

    fn list_entry(&mut self, kind: Kind, person: &Person, nth: usize) -> ListEntry {
        let rng = &mut self.rng;
        let name = match rng.below(100) {
            0..=9 => person.name.to_uppercase(),
            10..=17 => person.name.replacen(' ', "  ", 1),
            18..=21 => format!("{} ", person.name),
            22..=24 => person.name.replacen(' ', "\u{00A0}", 1),
            _ => person.name.clone(),
        };
        let b = person.birth;
        let birth = if kind == Kind::ListBirthDiffers {
            // A digit slipped: 12/04 typed as 22/04.
            let day = if b.day() <= 18 {
                b.day() + 10
            } else {
                b.day() - 10
            };
            let wrong = ymd(b.year(), b.month(), day);
            if nth.is_multiple_of(2) {
                ListBirth::Cell(wrong)
            } else {
                ListBirth::Text(wrong.format("%d/%m/%Y").to_string())
            }
        } else {
            match rng.below(100) {
                0..=7 => ListBirth::Text(b.format("%d/%m/%Y").to_string()),
                8..=15 => ListBirth::Text(format!("{}/{}/{}", b.day(), b.month(), b.year())),
                16..=21 => ListBirth::YearNumber(b.year()),
                22..=26 => ListBirth::YearText(b.year()),
                _ => ListBirth::Cell(b),
            }
        };
        ListEntry { name, birth }
    }

    fn signed(
        &mut self,
        kind: Kind,
        nth: usize,
        edge: Option<Edge>,
        planned: NaiveDate,
    ) -> NaiveDate {
        let y = self.year;
        if kind.is_late() {
            // The first late form is signed on the very day determinations stopped.
            if kind == Kind::Late && nth == 0 {
                return ymd(y, 7, 9);
            }
            return ymd(y, 7, 9) + Days::new(self.rng.range(1, 75) as u64);
        }
        if edge == Some(Edge::LastDay) {
            return ymd(y, 7, 8);
        }
        random_date(
            &mut self.rng,
            planned - Days::new(30),
            planned - Days::new(1),
        )
    }

    fn dossier(
        &mut self,
        kind: Kind,
        person: &Person,
        commune: &Commune,
        nth: usize,
        edge: Option<Edge>,
    ) -> Dossier {
        let place = &commune.place;
        let signed = self.signed(kind, nth, edge, commune.list_date);
        let rng = &mut self.rng;
        let layout = match rng.below(100) {
            0..=44 => FormLayout::BoldLabels,
            45..=59 => FormLayout::Plain,
            60..=71 => FormLayout::Tabs,
            72..=86 => FormLayout::Table,
            _ => FormLayout::SplitRuns,
        };
        let b = person.birth;
        let birth_text = match rng.below(100) {
            0..=69 => b.format("%d/%m/%Y").to_string(),
            70..=84 => format!("{}/{}/{}", b.day(), b.month(), b.year()),
            85..=94 => super::docx::date_in_words(b),
            _ => b.format("%d-%m-%Y").to_string(),
        };
        let form = Form {
            name: if rng.chance(6) {
                nfd(&person.name)
            } else {
                person.name.clone()
            },
            birth: b,
            birth_text,
            signed,
            place: if rng.chance(50) {
                "Kon Rẫy".to_string()
            } else {
                place.name.clone()
            },
            layout,
            alt_labels: rng.chance(20),
            cut: rng.below(1000),
        };
        let transcript = kind
            .has_transcript()
            .then(|| self.transcript(kind, person, nth, edge));
        let rng = &mut self.rng;
        let combined = transcript.is_some() && rng.chance(10);
        let diploma = kind.has_diploma().then(|| rng.pick(DIPLOMAS));
        // The first dossier without a diploma has a portrait photo: a picture
        // that is not a diploma must not count as one.
        let portrait = rng.chance(25) || kind == Kind::NoDiploma && nth == 0;
        Dossier {
            folder: String::new(),
            form,
            transcript,
            combined,
            diploma,
            portrait,
        }
    }

    fn transcript(
        &mut self,
        kind: Kind,
        person: &Person,
        nth: usize,
        edge: Option<Edge>,
    ) -> Transcript {
        let rng = &mut self.rng;
        let all: Vec<usize> = (0..PARTS.len()).collect();
        let without =
            |p: usize| -> Vec<usize> { all.iter().copied().filter(|&q| q != p).collect() };
        let three = |rng: &mut Rng| -> Vec<usize> {
            let mut parts = all.clone();
            rng.shuffle(&mut parts);
            let mut parts: Vec<usize> = parts.into_iter().take(3).collect();
            parts.sort_unstable();
            parts
        };
        let usual = |rng: &mut Rng| -> Vec<usize> {
            if rng.chance(80) {
                all.clone()
            } else {
                without(rng.pick(&[0, 1, 3, 4]))
            }
        };
        let (parts, matched) = match (kind, edge) {
            (_, Some(Edge::Periods160)) => (all.clone(), benchmark::MIN_PERIODS),
            (_, Some(Edge::Periods160Without2)) => (without(1), benchmark::MIN_PERIODS),
            (_, Some(Edge::Coverage150)) => (without(2), 175),
            (_, Some(Edge::Coverage150Periods160)) => (without(2), benchmark::MIN_PERIODS),
            (Kind::FewPeriods, _) => {
                let matched = if nth == 0 { 159 } else { rng.range(110, 158) };
                (usual(rng), matched)
            }
            (Kind::FewTopics, _) => (three(rng), rng.range(160, 200)),
            (Kind::FewPeriodsFewTopics, _) => (three(rng), rng.range(100, 150)),
            (Kind::CopyMarkFewPeriods, _) => (all.clone(), rng.range(120, 150)),
            _ => (usual(rng), rng.range(165, 235)),
        };
        let extra = match rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        let subjects = benchmark::transcript(&parts, matched, extra, rng);
        let mark = match kind {
            Kind::CopyMarkInvalid => INVALID_MARKS[nth % INVALID_MARKS.len()],
            Kind::CopyMarkFewPeriods => Some("Bản photo"),
            _ => Some(rng.pick(VALID_MARKS)),
        };
        let name = match kind {
            Kind::TranscriptNameTypo => diacritic_typo(&person.name),
            _ if rng.chance(20) => person.name.to_uppercase(),
            _ => person.name.clone(),
        };
        let birth = match kind {
            Kind::TranscriptBirthDiffers => years_later(person.birth, 1),
            _ => person.birth,
        };
        let issued = person.course_to + Days::new(rng.range(7, 40) as u64);
        let title = rng.pick(TITLES);
        let columns = rng.pick(COLUMNS);
        let signer = self.names.next(&mut self.rng).name;
        Transcript {
            name,
            birth,
            mark,
            title,
            columns,
            subjects,
            issued,
            signer,
        }
    }
}
