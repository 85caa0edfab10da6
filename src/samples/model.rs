//! What a review batch is made of, decided before anything is written:
//! people, list rows, dossiers and what is wrong with them. Writers turn
//! this into files; the oracle turns it into the expected verdicts.

use super::benchmark::Subject;
use super::people::{Place, Sex};
use crate::date::Date;
use chrono::{Datelike, NaiveDate};

/// What a case is built to show; each kind's intended codes are in
/// `Kind::codes` (a test helper) and the oracle must agree with them for the 2021 batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Accepted,
    AlreadyTrained,
    NoDossier,
    NotListed,
    ListBirthDiffers,
    TranscriptNameTypo,
    TranscriptBirthDiffers,
    Duplicate,
    NoTranscript,
    NoDiploma,
    NoLetter,
    CopyMarkInvalid,
    NotEligible,
    PartySchool,
    FewPeriods,
    FewTopics,
    Late,
    NoDiplomaLate,
    FewPeriodsFewTopics,
    NoTranscriptNoDiploma,
    CopyMarkFewPeriods,
    PartySchoolLate,
}

/// The 196-dossier year: 151 recognised (3 with a warning), 45 not.
pub const MIX: &[(Kind, usize)] = &[
    (Kind::Accepted, 148),
    (Kind::AlreadyTrained, 3),
    (Kind::NoDossier, 3),
    (Kind::NotListed, 2),
    (Kind::ListBirthDiffers, 2),
    (Kind::TranscriptNameTypo, 1),
    (Kind::TranscriptBirthDiffers, 1),
    (Kind::Duplicate, 2),
    (Kind::NoTranscript, 3),
    (Kind::NoDiploma, 3),
    (Kind::NoLetter, 2),
    (Kind::CopyMarkInvalid, 4),
    (Kind::NotEligible, 3),
    (Kind::PartySchool, 3),
    (Kind::FewPeriods, 4),
    (Kind::FewTopics, 3),
    (Kind::Late, 4),
    (Kind::NoDiplomaLate, 1),
    (Kind::FewPeriodsFewTopics, 1),
    (Kind::NoTranscriptNoDiploma, 1),
    (Kind::CopyMarkFewPeriods, 1),
    (Kind::PartySchoolLate, 1),
];

pub const BASE_COUNT: usize = 196;

impl Kind {
    /// The codes (sorted) the default rules should report for this kind.
    #[cfg(test)]
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            Kind::Accepted => &[],
            Kind::AlreadyTrained => &["da-co-trinh-do"],
            Kind::NoDossier => &["khong-co-ho-so"],
            Kind::NotListed => &["ngoai-danh-sach"],
            Kind::ListBirthDiffers | Kind::TranscriptNameTypo | Kind::TranscriptBirthDiffers => {
                &["lech-thong-tin"]
            }
            Kind::Duplicate => &["trung-ho-so"],
            Kind::NoTranscript => &["thieu-bang-diem"],
            Kind::NoDiploma => &["thieu-van-bang"],
            Kind::NoLetter => &["thieu-cong-van"],
            Kind::CopyMarkInvalid => &["bang-diem-khong-hop-le"],
            Kind::NotEligible => &["khong-thuoc-doi-tuong"],
            Kind::PartySchool => &["da-hoc-truong-chinh-tri"],
            Kind::FewPeriods => &["thieu-so-tiet"],
            Kind::FewTopics => &["thieu-noi-dung"],
            Kind::Late => &["qua-han"],
            Kind::NoDiplomaLate => &["qua-han", "thieu-van-bang"],
            Kind::FewPeriodsFewTopics => &["thieu-noi-dung", "thieu-so-tiet"],
            Kind::NoTranscriptNoDiploma => &["thieu-bang-diem", "thieu-van-bang"],
            Kind::CopyMarkFewPeriods => &["bang-diem-khong-hop-le", "thieu-so-tiet"],
            Kind::PartySchoolLate => &["da-hoc-truong-chinh-tri", "qua-han"],
        }
    }

    pub fn has_transcript(self) -> bool {
        !matches!(self, Kind::NoTranscript | Kind::NoTranscriptNoDiploma)
    }

    pub fn has_diploma(self) -> bool {
        !matches!(
            self,
            Kind::NoDiploma | Kind::NoDiplomaLate | Kind::NoTranscriptNoDiploma
        )
    }

    pub fn is_late(self) -> bool {
        matches!(
            self,
            Kind::Late | Kind::NoDiplomaLate | Kind::PartySchoolLate
        )
    }
}

#[derive(Clone, Debug)]
pub enum Party {
    Member(NaiveDate),
    /// "Không", "Chưa" or "": not a Party member.
    Not(&'static str),
}

impl Party {
    pub fn text(&self) -> String {
        match self {
            Party::Member(d) => d.format("%d/%m/%Y").to_string(),
            Party::Not(t) => t.to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Institution {
    pub name: &'static str,
    pub city: &'static str,
    pub head: &'static str,
    pub course: &'static str,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub sex: Sex,
    pub birth: NaiveDate,
    pub ethnicity: &'static str,
    /// "" or "Không" when the person holds no position.
    pub position: String,
    pub unit: String,
    pub party: Party,
    pub education: &'static str,
    pub current_level: &'static str,
    pub institution: Institution,
    pub course_from: NaiveDate,
    pub course_to: NaiveDate,
}

/// A birth date as a clerk typed it into the list.
#[derive(Clone, Debug)]
pub enum ListBirth {
    Cell(NaiveDate),
    Text(String),
    YearNumber(i32),
    YearText(i32),
}

impl ListBirth {
    pub fn date(&self) -> Option<Date> {
        match self {
            ListBirth::Cell(d) => Date::ymd(d.year(), d.month(), d.day()),
            ListBirth::Text(t) => Date::parse(t),
            ListBirth::YearNumber(y) | ListBirth::YearText(y) => Date::year_only(*y),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ListEntry {
    /// As typed: capitals, doubled or non-breaking spaces happen.
    pub name: String,
    pub birth: ListBirth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormLayout {
    /// Bold "Label:" run, value in a separate run.
    BoldLabels,
    Plain,
    /// `Label<TAB>value`, no colon.
    Tabs,
    /// A two-column table of label and value cells.
    Table,
    /// "Label: value" cut into runs at arbitrary characters.
    SplitRuns,
}

#[derive(Clone, Debug)]
pub struct Form {
    /// As written (NFD in some dossiers).
    pub name: String,
    pub birth: NaiveDate,
    pub birth_text: String,
    pub signed: NaiveDate,
    pub place: String,
    pub layout: FormLayout,
    pub alt_labels: bool,
    /// Where a SplitRuns form cuts its lines.
    pub cut: usize,
}

#[derive(Clone, Debug)]
pub struct Transcript {
    pub name: String,
    pub birth: NaiveDate,
    pub mark: Option<&'static str>,
    pub title: &'static str,
    pub columns: [&'static str; 4],
    pub subjects: Vec<Subject>,
    pub issued: NaiveDate,
    pub signer: String,
}

#[derive(Clone, Debug)]
pub struct Dossier {
    /// Relative to the batch: "xa-dak-koi/05-nguyen-van-an".
    pub folder: String,
    pub form: Form,
    pub transcript: Option<Transcript>,
    /// Form and transcript in one `ho-so.docx`, split by a page break.
    pub combined: bool,
    pub diploma: Option<&'static str>,
    pub portrait: bool,
}

#[derive(Clone, Debug)]
pub struct Case {
    /// Read by the tests that hold the oracle to each case's intent.
    #[cfg_attr(not(test), allow(dead_code))]
    pub kind: Kind,
    pub person: Person,
    pub commune: usize,
    pub list: Option<ListEntry>,
    pub dossier: Option<Dossier>,
    /// For a second dossier of someone: the case holding the first.
    pub duplicate_of: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListLayout {
    Plain,
    /// Birth date under a "Nam" or "Nữ" column, two header rows.
    MaleFemale,
    /// The list split over two sheets.
    TwoSheets,
    /// An empty row inside the data and a totals row under it.
    Gaps,
}

#[derive(Clone, Debug)]
pub struct Letter {
    pub number: u32,
    pub date: NaiveDate,
}

#[derive(Clone, Debug)]
pub struct Commune {
    pub place: Place,
    pub letter: Option<Letter>,
    pub list_layout: ListLayout,
    pub list_date: NaiveDate,
    pub clerk: String,
    pub secretary: String,
}

pub struct Plan {
    pub communes: Vec<Commune>,
    pub cases: Vec<Case>,
}
