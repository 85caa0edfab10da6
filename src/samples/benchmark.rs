//! The stand-in benchmark programme of domain.md §5, and transcripts built
//! to hit a chosen number of matched periods and covered parts.
//!
//! The samples carry their own copy of the table: they must say what the
//! default rules *should* conclude, independently of the code that concludes it.

use super::rng::Rng;
use crate::text;
use std::sync::LazyLock;

pub struct Part {
    pub periods: u32,
    pub keywords: &'static [&'static str],
    /// Subjects a course outside the Party schools teaches for this part;
    /// each contains a keyword of this part and none of an earlier one.
    pub subjects: &'static [&'static str],
}

pub const PARTS: [Part; 5] = [
    Part {
        periods: 40,
        keywords: &[
            "mác",
            "lênin",
            "triết học",
            "kinh tế chính trị",
            "chủ nghĩa xã hội khoa học",
        ],
        subjects: &[
            "Triết học Mác - Lênin",
            "Kinh tế chính trị Mác - Lênin",
            "Chủ nghĩa xã hội khoa học",
            "Những nguyên lý cơ bản của chủ nghĩa Mác - Lênin",
        ],
    },
    Part {
        periods: 30,
        keywords: &["hồ chí minh"],
        subjects: &[
            "Tư tưởng Hồ Chí Minh",
            "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        ],
    },
    Part {
        periods: 50,
        keywords: &[
            "lịch sử đảng",
            "đường lối",
            "xây dựng đảng",
            "đảng cộng sản",
        ],
        subjects: &[
            "Lịch sử Đảng Cộng sản Việt Nam",
            "Đường lối cách mạng của Đảng Cộng sản Việt Nam",
            "Xây dựng Đảng về chính trị, tư tưởng, đạo đức và tổ chức",
        ],
    },
    Part {
        periods: 40,
        keywords: &["nhà nước", "pháp luật", "hiến pháp"],
        subjects: &[
            "Nhà nước và pháp luật",
            "Hiến pháp năm 2013",
            "Quản lý hành chính nhà nước",
            "Pháp luật đại cương",
        ],
    },
    Part {
        periods: 40,
        keywords: &[
            "hệ thống chính trị",
            "dân vận",
            "mặt trận",
            "đoàn thể",
            "nghiệp vụ",
            "kỹ năng",
        ],
        subjects: &[
            "Hệ thống chính trị ở cơ sở",
            "Công tác dân vận",
            "Mặt trận Tổ quốc và các đoàn thể nhân dân",
            "Kỹ năng lãnh đạo, quản lý ở cơ sở",
        ],
    },
];

/// Subjects that count toward no part.
pub const UNMATCHED: &[&str] = &[
    "Tin học văn phòng",
    "Giáo dục thể chất",
    "Ngoại ngữ (Tiếng Anh)",
    "Tâm lý học đại cương",
    "Giáo dục quốc phòng - an ninh",
];

/// 80 % of the total: `thieu-so-tiet` below this.
pub const MIN_PERIODS: u32 = 160;
/// 75 % of the total: `thieu-noi-dung` below this.
pub const MIN_COVERAGE: u32 = 150;

/// Each part's keywords, folded once.
static FOLDED: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
    PARTS
        .iter()
        .map(|p| p.keywords.iter().map(|k| text::fold(k)).collect())
        .collect()
});

/// The part a subject counts toward: the first one with a keyword in it.
pub fn part_of(subject: &str) -> Option<usize> {
    let s = text::fold(subject);
    FOLDED
        .iter()
        .position(|keywords| keywords.iter().any(|k| s.contains(k.as_str())))
}

/// Matched periods and the benchmark periods of the covered parts.
pub fn score(subjects: &[Subject]) -> (u32, u32) {
    let mut covered = [false; 5];
    let mut matched = 0;
    for s in subjects {
        if let Some(p) = part_of(&s.name) {
            matched += s.periods;
            covered[p] = true;
        }
    }
    let coverage = PARTS
        .iter()
        .zip(covered)
        .filter(|(_, c)| *c)
        .map(|(p, _)| p.periods)
        .sum();
    (matched, coverage)
}

#[derive(Clone, Debug)]
pub struct Subject {
    pub name: String,
    pub periods: u32,
    /// As written: "8", "7,5", "8.0".
    pub score: String,
}

/// How a transcript numbers its subjects.
#[derive(Clone, Copy)]
enum Prefix {
    None,
    Lesson,
    Topic,
    Part,
}

/// Subjects covering `parts` with `matched` periods in all (spread roughly
/// like the benchmark), plus `extra` subjects that match nothing.
pub fn transcript(parts: &[usize], matched: u32, extra: usize, rng: &mut Rng) -> Vec<Subject> {
    let weight: u32 = parts.iter().map(|&p| PARTS[p].periods).sum();
    let mut per_part: Vec<u32> = parts
        .iter()
        .map(|&p| PARTS[p].periods * matched / weight.max(1))
        .collect();
    let given: u32 = per_part.iter().sum();
    if let Some(first) = per_part.first_mut() {
        *first += matched - given;
    }
    let prefix = rng.pick(&[Prefix::None, Prefix::Lesson, Prefix::Topic, Prefix::Part]);
    let mut out = Vec::new();
    for (&p, &periods) in parts.iter().zip(&per_part) {
        let catalogue = PARTS[p].subjects;
        let n = (1 + rng.below(catalogue.len().min(3)))
            .min(periods as usize / 5)
            .max(1);
        let start = rng.below(catalogue.len());
        let mut left = periods;
        for i in 0..n {
            let share = if i + 1 == n {
                left
            } else {
                left / (n - i) as u32
            };
            left -= share;
            out.push(Subject {
                name: catalogue[(start + i) % catalogue.len()].to_string(),
                periods: share,
                score: score_text(rng),
            });
        }
    }
    for i in 0..extra {
        let at = rng.below(out.len() + 1);
        out.insert(
            at,
            Subject {
                name: UNMATCHED[(i + rng.below(UNMATCHED.len())) % UNMATCHED.len()].to_string(),
                periods: 15 + 5 * rng.below(7) as u32,
                score: score_text(rng),
            },
        );
    }
    for (i, s) in out.iter_mut().enumerate() {
        s.name = numbered(prefix, i + 1, &s.name);
    }
    out
}

fn score_text(rng: &mut Rng) -> String {
    let tenths = rng.range(55, 94);
    match rng.below(3) {
        0 => format!("{},{}", tenths / 10, tenths % 10),
        1 => format!("{}.{}", tenths / 10, tenths % 10),
        _ => format!("{}", (tenths + 5) / 10),
    }
}

fn numbered(prefix: Prefix, n: usize, name: &str) -> String {
    match prefix {
        Prefix::None => name.to_string(),
        Prefix::Lesson => format!("Bài {n}. {name}"),
        Prefix::Topic => format!("Chuyên đề {n}: {name}"),
        Prefix::Part => format!("Phần {} - {name}", roman(n)),
    }
}

fn roman(n: usize) -> String {
    const DIGITS: [(usize, &str); 6] =
        [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"), (0, "")];
    let mut n = n;
    let mut out = String::new();
    for (value, letters) in DIGITS {
        while value > 0 && n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_subject_lands_in_its_own_part_with_or_without_diacritics() {
        for (i, part) in PARTS.iter().enumerate() {
            for s in part.subjects {
                assert_eq!(part_of(s), Some(i), "{s}");
                // The same answer when keywords are compared with diacritics.
                let strict = PARTS.iter().position(|p| {
                    p.keywords
                        .iter()
                        .any(|k| text::key(s).contains(&text::key(k)))
                });
                assert_eq!(strict, Some(i), "{s}");
            }
        }
        for s in UNMATCHED.iter().chain(&["Tổng cộng"]) {
            assert_eq!(part_of(s), None, "{s}");
        }
        assert_eq!(PARTS.iter().map(|p| p.periods).sum::<u32>(), 200);
    }

    #[test]
    fn transcripts_hit_their_targets() {
        let mut rng = Rng::new(5);
        for (parts, matched) in [
            (vec![0, 1, 2, 3, 4], 160),
            (vec![0, 1, 3, 4], 175),
            (vec![0, 2, 3], 170),
            (vec![0, 1, 2, 3, 4], 159),
        ] {
            for extra in 0..3 {
                let subjects = transcript(&parts, matched, extra, &mut rng);
                let coverage: u32 = parts.iter().map(|&p| PARTS[p].periods).sum();
                assert_eq!(score(&subjects), (matched, coverage));
                assert_eq!(
                    subjects
                        .iter()
                        .filter(|s| part_of(&s.name).is_none())
                        .count(),
                    extra
                );
            }
        }
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(9), "IX");
        assert_eq!(roman(14), "XIV");
    }
}
