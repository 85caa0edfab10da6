//! Dates as they appear in Vietnamese paperwork.
//!
//! A birth date may be a full date or only a year (common for older people);
//! the two must stay distinct because a year-only date matches any full date
//! in that year (domain.md §5, decision 2) but is not itself a full date.

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::LazyLock;

/// Earliest and latest years we accept: anything outside is a typo or a
/// misread number, not a date in a dossier.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Date {
    Full(NaiveDate),
    Year(i32),
}

static NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})$").unwrap());
static ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]*)?$").unwrap());
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})").unwrap()
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:năm\s*)?(\d{4})$").unwrap());

/// `5/3/1975`, `05-03-1975` or `05.03.1975` in ASCII digits and without
/// spaces: how nearly every date is written, read without the regexes
/// (every applicant's dates are parsed when judged). `Some` only where
/// [`NUMERIC`] matches, with the same parts.
fn numeric_ascii(t: &str) -> Option<(u32, u32, i32)> {
    fn number(b: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
        let n = b
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n < min {
            return None;
        }
        let value = b[..n].iter().fold(0, |v, c| v * 10 + u32::from(c - b'0'));
        Some((value, &b[n..]))
    }
    fn separator(b: &[u8]) -> Option<&[u8]> {
        matches!(b.first(), Some(b'/' | b'-' | b'.')).then(|| &b[1..])
    }
    let (d, rest) = number(t.as_bytes(), 1, 2)?;
    let (m, rest) = number(separator(rest)?, 1, 2)?;
    let (y, rest) = number(separator(rest)?, 4, 4)?;
    rest.is_empty().then_some((d, m, y as i32))
}

impl Date {
    pub fn ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
            return None;
        }
        NaiveDate::from_ymd_opt(y, m, d).map(Date::Full)
    }

    pub fn year_only(y: i32) -> Option<Date> {
        (MIN_YEAR..=MAX_YEAR).contains(&y).then_some(Date::Year(y))
    }

    /// Parses every textual form of domain.md §4: `05/03/1975`, `5/3/1975`,
    /// `05-03-1975`, `05.03.1975`, `1975-03-05` (.ods), "ngày 05 tháng 3 năm
    /// 1975" (anywhere in the text) and a bare year.
    pub fn parse(text: &str) -> Option<Date> {
        let t = crate::text::clean(text);
        let t = t.trim_matches(|c: char| c == ',' || c == ';' || c == ')' || c == '(');
        if let Some((d, m, y)) = numeric_ascii(t) {
            return Date::ymd(y, m, d);
        }
        if let Some(c) = NUMERIC.captures(t) {
            return Date::ymd(c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?);
        }
        if let Some(c) = ISO.captures(t) {
            return Date::ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
        }
        if let Some(c) = WORDS.captures(t) {
            return Date::ymd(c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?);
        }
        if let Some(c) = YEAR.captures(&t.to_lowercase()) {
            return Date::year_only(c[1].parse().ok()?);
        }
        None
    }

    /// Finds the first date written anywhere in a longer text, such as
    /// "Thời gian học: từ 01/03/2015 đến 30/03/2015" or a place-date line.
    pub fn find_all(text: &str) -> Vec<Date> {
        static ANY: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)ngày\s*\d{1,2}\s*tháng\s*\d{1,2}\s*năm\s*\d{4}|\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{4}|\d{4}-\d{1,2}-\d{1,2}")
                .unwrap()
        });
        let t = crate::text::clean(text);
        ANY.find_iter(&t)
            .filter_map(|m| Date::parse(m.as_str()))
            .collect()
    }

    /// An Excel serial day number. `epoch_1904` is the workbook's date system
    /// (old Mac workbooks count from 1904-01-01). Serial 60 in the 1900 system
    /// is Excel's fictitious 29/02/1900 and is refused.
    pub fn from_serial(serial: f64, epoch_1904: bool) -> Option<Date> {
        if !serial.is_finite() || !(1.0..=2_958_465.0).contains(&serial) {
            return None;
        }
        let days = serial.floor() as i64;
        let base = if epoch_1904 {
            NaiveDate::from_ymd_opt(1904, 1, 1)?
        } else if days >= 61 {
            NaiveDate::from_ymd_opt(1899, 12, 30)?
        } else if days == 60 {
            return None;
        } else {
            NaiveDate::from_ymd_opt(1899, 12, 31)?
        };
        let d = base.checked_add_signed(chrono::Duration::days(days))?;
        Date::ymd(d.year(), d.month(), d.day())
    }

    pub fn year(&self) -> i32 {
        match self {
            Date::Full(d) => d.year(),
            Date::Year(y) => *y,
        }
    }

    pub fn full(&self) -> Option<NaiveDate> {
        match self {
            Date::Full(d) => Some(*d),
            Date::Year(_) => None,
        }
    }

    /// Whether two birth dates can be the same person's: equal, or one is
    /// year-only and the years agree.
    pub fn compatible(&self, other: &Date) -> bool {
        match (self, other) {
            (Date::Full(a), Date::Full(b)) => a == b,
            _ => self.year() == other.year(),
        }
    }

    /// `YYYY-MM-DD` or `YYYY`: the machine form used in JSON and CSV.
    pub fn iso(&self) -> String {
        match self {
            // By hand for the years paperwork has: chrono's formatter parses
            // its pattern on every call, and every fact with a date is
            // written this way for every applicant.
            Date::Full(d) if (0..=9999).contains(&d.year()) => {
                format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            }
            Date::Full(d) => d.format("%Y-%m-%d").to_string(),
            Date::Year(y) => format!("{y:04}"),
        }
    }

    /// `05/03/1975` or `1975`: the form clerks write.
    pub fn display_vn(&self) -> String {
        match self {
            // By hand, as `iso`: a cell of every row of verdicts.xlsx.
            Date::Full(d) if (0..=9999).contains(&d.year()) => {
                format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
            }
            Date::Full(d) => d.format("%d/%m/%Y").to_string(),
            Date::Year(y) => format!("{y}"),
        }
    }

    /// "ngày 05 tháng 3 năm 2021" (HD 36: day and months 1–2 with a leading zero).
    pub fn in_words(&self) -> String {
        match self {
            Date::Full(d) => {
                let m = d.month();
                let month = if m <= 2 {
                    format!("{m:02}")
                } else {
                    m.to_string()
                };
                format!("ngày {:02} tháng {} năm {}", d.day(), month, d.year())
            }
            Date::Year(y) => format!("năm {y}"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_vn())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than a `String`: a re-run reads thousands of
        // cached verdicts, whose dates need no copy and, written by
        // [`Date::iso`], no regex.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Date, E> {
                iso_ascii(s)
                    .or_else(|| Date::parse(s))
                    .ok_or_else(|| E::custom(format!("not a date: {s:?}")))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// `1975-03-05` or `1975`, as [`Date::iso`] writes the years paperwork
/// has; `None` for anything else, [`Date::parse`]'s to read.
fn iso_ascii(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |v, c| v * 10 + u32::from(c - b'0')))
    };
    match b.len() {
        4 => Date::year_only(digits(0..4)? as i32),
        10 if b[4] == b'-' && b[7] == b'-' => {
            Date::ymd(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(y: i32, m: u32, d: u32) -> Date {
        Date::ymd(y, m, d).unwrap()
    }

    #[test]
    fn reads_back_what_it_writes_as_parse_does() {
        for text in [
            "1975-03-05",
            "1975",
            "1899",
            "2101",
            "1975-02-30",
            "1975-3-05",
            "0975-03-05",
            "1975-03-05T00:00",
            "05/03/1975",
            "１９７５",
        ] {
            let read = serde_json::from_value::<Date>(serde_json::json!(text)).ok();
            assert_eq!(read, Date::parse(text), "{text}");
        }
        for date in [full(1975, 3, 5), full(2024, 2, 29), Date::Year(1950)] {
            let bytes = postcard::to_allocvec(&date).unwrap();
            assert_eq!(postcard::from_bytes::<Date>(&bytes).unwrap(), date);
        }
    }

    #[test]
    fn parses_every_text_form() {
        for t in [
            "05/03/1975",
            "5/3/1975",
            "05-03-1975",
            "05.03.1975",
            "1975-03-05",
            "ngày 05 tháng 3 năm 1975",
            "Ngày 5 tháng 03 năm 1975",
            " 05 / 03 / 1975 ",
        ] {
            assert_eq!(Date::parse(t), Some(full(1975, 3, 5)), "{t}");
        }
        assert_eq!(Date::parse("1975"), Some(Date::Year(1975)));
        assert_eq!(Date::parse("31/02/1975"), None);
        assert_eq!(Date::parse("12/12"), None);
        assert_eq!(Date::parse("1234"), None);
    }

    #[test]
    fn serials_in_both_epochs() {
        assert_eq!(Date::from_serial(27458.0, false), Some(full(1975, 3, 5)));
        assert_eq!(
            Date::from_serial(27458.0 - 1462.0, true),
            Some(full(1975, 3, 5))
        );
        assert_eq!(Date::from_serial(59.0, false), Some(full(1900, 2, 28)));
        assert_eq!(Date::from_serial(60.0, false), None);
        assert_eq!(Date::from_serial(61.0, false), Some(full(1900, 3, 1)));
        assert_eq!(Date::from_serial(f64::NAN, false), None);
        assert_eq!(Date::from_serial(1e12, false), None);
    }

    #[test]
    fn year_only_is_compatible_with_its_year() {
        assert!(Date::Year(1975).compatible(&full(1975, 3, 5)));
        assert!(!Date::Year(1976).compatible(&full(1975, 3, 5)));
        assert!(!full(1975, 3, 6).compatible(&full(1975, 3, 5)));
    }

    #[test]
    fn words_follow_hd36() {
        assert_eq!(full(2021, 12, 5).in_words(), "ngày 05 tháng 12 năm 2021");
        assert_eq!(full(2021, 2, 15).in_words(), "ngày 15 tháng 02 năm 2021");
        assert_eq!(full(2021, 3, 15).in_words(), "ngày 15 tháng 3 năm 2021");
    }

    #[test]
    fn finds_dates_inside_text() {
        let ds = Date::find_all("Thời gian học: từ 01/03/2015 đến 30/03/2015");
        assert_eq!(ds, vec![full(2015, 3, 1), full(2015, 3, 30)]);
        let ds = Date::find_all("Kon Rẫy, ngày 05 tháng 3 năm 2021");
        assert_eq!(ds, vec![full(2021, 3, 5)]);
    }

    #[test]
    fn hand_formats_are_chronos_for_every_year() {
        for (y, m, d) in [
            (1975, 3, 5),
            (2021, 12, 31),
            (0, 1, 1),
            (9999, 12, 31),
            (-1, 6, 7),
            (10000, 1, 1),
            (33, 2, 28),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(Date::Full(date).iso(), date.format("%Y-%m-%d").to_string());
            assert_eq!(
                Date::Full(date).display_vn(),
                date.format("%d/%m/%Y").to_string()
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_reading_is_the_regexs(t in "[0-9/.\\- ]{0,12}|[0-9]{1,3}[/.-][0-9]{1,3}[/.-][0-9]{3,5}") {
            let by_regex = NUMERIC.captures(&t).map(|c| {
                (c[1].parse::<u32>().ok(), c[2].parse::<u32>().ok(), c[3].parse::<i32>().ok())
            });
            match numeric_ascii(&t) {
                Some((d, m, y)) => proptest::prop_assert_eq!(by_regex, Some((Some(d), Some(m), Some(y)))),
                None => proptest::prop_assert!(by_regex.is_none() || t.contains(' ')),
            }
        }
    }
}
