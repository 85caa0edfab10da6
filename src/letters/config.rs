//! The letters configuration (`letters.toml`): the signing date, the
//! numbering of notices and every office-specific text (bodies, place,
//! signer, recipients, legal basis), so none of it lives in code.

use super::placeholders::Values;
use crate::date::Date;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    ngay_ky: Option<toml::Value>,
    so_van_ban: RawNumbering,
    khi_thieu: String,
    gia_tri: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbering {
    mau: String,
    #[serde(default = "first")]
    bat_dau: u32,
}

fn first() -> u32 {
    1
}

/// A parsed configuration.
#[derive(Clone, Debug)]
pub(crate) struct LetterConfig {
    /// The signing date, unless given on the command line.
    pub date: Option<Date>,
    pub numbering: Numbering,
    /// Shown for an applicant's missing birth date or unit.
    pub missing: String,
    /// The `[gia_tri]` table: scalars and lists for every letter.
    pub values: Values,
}

impl LetterConfig {
    /// Parses `text`; `reserved` are the built-in placeholder names a
    /// `[gia_tri]` key may not take.
    pub fn parse(text: &str, reserved: &[&str]) -> Result<LetterConfig, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let date = raw.ngay_ky.as_ref().map(signing_date).transpose()?;
        let numbering = Numbering::parse(&raw.so_van_ban.mau, raw.so_van_ban.bat_dau)?;
        let mut values = Values::default();
        for (key, value) in raw.gia_tri {
            let valid = key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !key.is_empty();
            if !valid {
                return Err(format!(
                    "[gia_tri] key {key:?}: use lower-case letters a-z, digits and _ (it is the placeholder {{{{{key}}}}})"
                ));
            }
            if reserved.contains(&key.as_str()) {
                return Err(format!(
                    "[gia_tri] key {key:?} is a built-in placeholder filled from the verdicts; choose another name"
                ));
            }
            match value {
                toml::Value::String(t) => {
                    values.scalars.insert(key, t);
                }
                toml::Value::Array(items) => {
                    let texts: Option<Vec<String>> = items
                        .into_iter()
                        .map(|i| match i {
                            toml::Value::String(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    let texts = texts.ok_or_else(|| not_text(&key))?;
                    values.lists.insert(key, texts);
                }
                _ => return Err(not_text(&key)),
            }
        }
        Ok(LetterConfig {
            date,
            numbering,
            missing: raw.khi_thieu,
            values,
        })
    }
}

fn not_text(key: &str) -> String {
    format!(
        "[gia_tri] {key}: write a text in quotes (\"...\") or a list of texts ([\"...\", \"...\"])"
    )
}

fn signing_date(v: &toml::Value) -> Result<Date, String> {
    let date = match v {
        toml::Value::Datetime(dt) => dt
            .date
            .and_then(|d| Date::ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => {
            return parse_signing_date(s).map_err(|e| format!("ngay_ky = {v}: {e}"));
        }
        _ => None,
    };
    match date {
        Some(d @ Date::Full(_)) => Ok(d),
        _ => Err(format!(
            "ngay_ky = {v}: not a full date (write it as 2021-12-15 or \"15/12/2021\")"
        )),
    }
}

/// A signing date as a clerk types it (`15/12/2021`, `2021-12-15`). A day
/// the calendar does not have (31/02/2021) is told apart from what is not a
/// date at all, so the clerk looks for the typo rather than the format.
pub(crate) fn parse_signing_date(text: &str) -> Result<Date, String> {
    match Date::parse(text) {
        Some(d @ Date::Full(_)) => Ok(d),
        Some(Date::Year(_)) => {
            Err("a year alone; write the full date, as in 15/12/2021".to_string())
        }
        None => Err(match day_month_year(text) {
            Some((_, m, _)) if !(1..=12).contains(&m) => {
                format!("there is no month {m} (write the day first, as in 15/12/2021)")
            }
            Some((d, m, y)) if chrono::NaiveDate::from_ymd_opt(y, m, d).is_none() => {
                format!("no such date: month {m} of {y} has no day {d}")
            }
            Some((_, _, y)) => format!("the year {y} is out of range"),
            None => "not a full date (write 15/12/2021)".to_string(),
        }),
    }
}

/// The numbers of a date written `d/m/yyyy` (or with `-` or `.`) or
/// `yyyy-m-d`, whether or not the calendar has that day.
fn day_month_year(text: &str) -> Option<(u32, u32, i32)> {
    let parts: Vec<&str> = text.trim().split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (a, b, c) = (number(a)?, number(b)?, number(c)?);
    match (parts[0].len(), parts[2].len()) {
        (4, 1..=2) => Some((c, b, a as i32)),
        (1..=2, 4) => Some((a, b, c as i32)),
        _ => None,
    }
}

/// How notices are numbered: `mau = "{n:02}-TB/TTCT"` gives 01-TB/TTCT, ...
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Numbering {
    before: String,
    width: usize,
    after: String,
    pub start: u32,
}

impl Numbering {
    pub fn parse(pattern: &str, start: u32) -> Result<Numbering, String> {
        let bad = || {
            format!(
                "so_van_ban.mau = {pattern:?}: needs exactly one {{n}} (or {{n:02}} for two digits), as in \"{{n:02}}-TB/TTCT\""
            )
        };
        let open = pattern.find("{n").ok_or_else(bad)?;
        let close = open + pattern[open..].find('}').ok_or_else(bad)?;
        let spec = &pattern[open + 2..close];
        let width = match spec.strip_prefix(":0") {
            None if spec.is_empty() => 0,
            Some(w) => w
                .parse::<usize>()
                .ok()
                .filter(|w| (1..=9).contains(w))
                .ok_or_else(bad)?,
            None => return Err(bad()),
        };
        let after = &pattern[close + 1..];
        if after.contains("{n") || pattern[..open].contains("{n") {
            return Err(bad());
        }
        Ok(Numbering {
            before: pattern[..open].to_string(),
            width,
            after: after.to_string(),
            start,
        })
    }

    pub fn format(&self, n: u32) -> String {
        format!("{}{:0w$}{}", self.before, n, self.after, w = self.width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_notices() {
        let n = Numbering::parse("{n:02}-TB/TTCT", 1).unwrap();
        assert_eq!(n.format(1), "01-TB/TTCT");
        assert_eq!(n.format(123), "123-TB/TTCT");
        assert_eq!(Numbering::parse("TB{n}", 1).unwrap().format(7), "TB7");
        for bad in ["TB", "{n:2}", "{n}-{n}", "{n:0}", "{n"] {
            assert!(Numbering::parse(bad, 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn tells_a_day_the_calendar_lacks_from_what_is_no_date() {
        assert_eq!(
            parse_signing_date("29/02/2024"),
            Ok(Date::ymd(2024, 2, 29).unwrap())
        );
        for (text, says) in [
            ("31/02/2021", "no such date: month 2 of 2021 has no day 31"),
            ("2021-02-29", "no such date: month 2 of 2021 has no day 29"),
            ("31.04.2021", "month 4 of 2021 has no day 31"),
            ("12/13/2021", "there is no month 13"),
            ("2021", "a year alone"),
            ("hôm nay", "not a full date"),
            ("1/2/3", "not a full date"),
            ("01/01/1200", "the year 1200 is out of range"),
        ] {
            let err = parse_signing_date(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn the_default_config_parses() {
        let c = LetterConfig::parse(super::super::DEFAULT_CONFIG, &["ho_ten"]).unwrap();
        assert_eq!(c.date, Date::ymd(2021, 12, 15));
        assert!(c.values.scalars.contains_key("co_quan_ban_hanh"));
        assert!(!c.values.lists["can_cu"].is_empty());
    }

    #[test]
    fn refuses_bad_keys_and_dates() {
        let base = "khi_thieu = \"?\"\n[so_van_ban]\nmau = \"{n}\"\n";
        let with = |extra: &str| {
            LetterConfig::parse(
                &format!("{extra}\n{base}[gia_tri]\nx = \"1\"\n"),
                &["ho_ten"],
            )
        };
        assert!(with("ngay_ky = 2021").is_err());
        assert!(with("ngay_ky = \"2021\"").is_err());
        let no_such_day = with("ngay_ky = \"31/02/2021\"").unwrap_err();
        assert!(
            no_such_day.contains("month 2 of 2021 has no day 31"),
            "{no_such_day}"
        );
        assert_eq!(
            with("ngay_ky = \"15/12/2021\"").unwrap().date,
            Date::ymd(2021, 12, 15)
        );
        assert!(with("ngay_ky = 2021-12-15\nthua = 1").is_err());
        let reserved =
            LetterConfig::parse(&format!("{base}[gia_tri]\nho_ten = \"x\"\n"), &["ho_ten"]);
        assert!(reserved.unwrap_err().contains("built-in"));
        let bad = LetterConfig::parse(&format!("{base}[gia_tri]\n\"Họ tên\" = \"x\"\n"), &[]);
        assert!(bad.is_err());
        let number = LetterConfig::parse(&format!("{base}[gia_tri]\nnoi_ky = 3\n"), &[]);
        assert!(
            number
                .unwrap_err()
                .contains("[gia_tri] noi_ky: write a text")
        );
        let mixed = LetterConfig::parse(&format!("{base}[gia_tri]\nx = [\"a\", 1]\n"), &[]);
        assert!(mixed.is_err());
    }
}
