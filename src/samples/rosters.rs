//! The centre's class rosters for 2021 (domain.md §6): 12 classes with 522
//! enrolments, plus the class run jointly with the provincial school.

use super::people::{self, NameBook, Sex};
use super::rng::Rng;
use super::sheet::{self, Formats, Value};
use chrono::NaiveDate;
use rust_xlsxwriter::Worksheet;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub const YEAR: i32 = 2021;

struct ClassSpec {
    file: &'static str,
    sheet: &'static str,
    class_type: &'static str,
    course: u32,
    from: (u32, u32),
    to: (u32, u32),
    learners: usize,
    joint: bool,
    male_female: bool,
    positions: &'static [&'static str],
    /// Learners who attended an earlier class in this list: (class, how many).
    repeats: Option<(usize, usize)>,
}

const CLASSES: &[ClassSpec] = &[
    ClassSpec {
        file: "01-nhan-thuc-ve-dang.xlsx",
        sheet: "Khóa 01",
        class_type: "Nhận thức về Đảng",
        course: 1,
        from: (3, 8),
        to: (3, 12),
        learners: 38,
        joint: false,
        male_female: false,
        positions: &[
            "Đoàn viên",
            "Giáo viên",
            "Nhân viên y tế",
            "Công an viên",
            "Dân quân",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "01-nhan-thuc-ve-dang.xlsx",
        sheet: "Khóa 02",
        class_type: "Nhận thức về Đảng",
        course: 2,
        from: (9, 13),
        to: (9, 17),
        learners: 39,
        joint: false,
        male_female: false,
        positions: &[
            "Đoàn viên",
            "Giáo viên",
            "Hội viên Hội Nông dân",
            "Dân quân",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "02-bi-thu-chi-bo-cap-uy-vien.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng công tác Đảng cho Bí thư chi bộ và cấp ủy viên cơ sở",
        course: 1,
        from: (3, 22),
        to: (3, 26),
        learners: 42,
        joint: false,
        male_female: false,
        positions: &[
            "Bí thư Chi bộ thôn",
            "Phó Bí thư Chi bộ thôn",
            "Chi ủy viên",
            "Đảng ủy viên",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "03-dan-van.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Dân vận ở cơ sở",
        course: 1,
        from: (4, 19),
        to: (4, 23),
        learners: 55,
        joint: false,
        male_female: true,
        positions: &[
            "Trưởng khối Dân vận",
            "Cán bộ dân vận",
            "Trưởng thôn",
            "Tổ trưởng Tổ dân vận",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "04-cong-tac-doan.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở",
        course: 1,
        from: (4, 5),
        to: (4, 9),
        learners: 50,
        joint: false,
        male_female: false,
        positions: &[
            "Bí thư Đoàn xã",
            "Phó Bí thư Đoàn xã",
            "Bí thư Chi đoàn thôn",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "05-tuyen-giao.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng nghiệp vụ công tác Tuyên giáo và tuyên truyền miệng ở cơ sở",
        course: 1,
        from: (5, 10),
        to: (5, 14),
        learners: 50,
        joint: false,
        male_female: false,
        positions: &[
            "Báo cáo viên cơ sở",
            "Tuyên truyền viên",
            "Phó Bí thư Thường trực Đảng ủy",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "06-cong-tac-doi.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng nghiệp vụ công tác Đội",
        course: 1,
        from: (6, 7),
        to: (6, 11),
        learners: 30,
        joint: false,
        male_female: true,
        positions: &["Tổng phụ trách Đội", "Giáo viên", "Phó Bí thư Đoàn xã"],
        repeats: None,
    },
    ClassSpec {
        file: "07-mat-tran.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Mặt trận ở cơ sở",
        course: 1,
        from: (6, 21),
        to: (6, 25),
        learners: 50,
        joint: false,
        male_female: false,
        positions: &[
            "Chủ tịch Ủy ban Mặt trận Tổ quốc xã",
            "Phó Chủ tịch Ủy ban Mặt trận Tổ quốc xã",
            "Trưởng Ban công tác Mặt trận thôn",
        ],
        repeats: Some((3, 5)),
    },
    ClassSpec {
        file: "08-hoi-nong-dan.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Hội Nông dân ở cơ sở",
        course: 1,
        from: (7, 12),
        to: (7, 16),
        learners: 50,
        joint: false,
        male_female: false,
        positions: &[
            "Chủ tịch Hội Nông dân xã",
            "Phó Chủ tịch Hội Nông dân xã",
            "Chi hội trưởng Nông dân thôn",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "09-cong-doan.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Công đoàn",
        course: 1,
        from: (8, 9),
        to: (8, 13),
        learners: 50,
        joint: false,
        male_female: false,
        positions: &[
            "Chủ tịch Công đoàn cơ sở",
            "Phó Chủ tịch Công đoàn cơ sở",
            "Tổ trưởng Công đoàn",
        ],
        repeats: None,
    },
    ClassSpec {
        file: "10-dang-vien-moi.xlsx",
        sheet: "Danh sách",
        class_type: "Đảng viên mới",
        course: 1,
        from: (10, 11),
        to: (10, 15),
        learners: 33,
        joint: false,
        male_female: true,
        positions: &["Đảng viên", "Giáo viên", "Đoàn viên"],
        repeats: Some((0, 8)),
    },
    ClassSpec {
        file: "11-so-cap-ly-luan-chinh-tri.xlsx",
        sheet: "Danh sách",
        class_type: "Sơ cấp lý luận chính trị",
        course: 1,
        from: (11, 1),
        to: (11, 26),
        learners: 35,
        joint: false,
        male_female: false,
        positions: &[
            "Trưởng thôn",
            "Công chức xã",
            "Bí thư Chi đoàn thôn",
            "Chi ủy viên",
        ],
        repeats: Some((2, 6)),
    },
    ClassSpec {
        file: "12-phoi-hop-boi-duong-cap-uy.xlsx",
        sheet: "Danh sách",
        class_type: "Bồi dưỡng cấp ủy cơ sở",
        course: 1,
        from: (8, 23),
        to: (8, 27),
        learners: 55,
        joint: true,
        male_female: false,
        positions: &["Đảng ủy viên", "Bí thư Chi bộ thôn", "Phó Bí thư Đảng ủy"],
        repeats: Some((2, 10)),
    },
];

/// Grade cut-offs the samples use (the centre's defaults): Giỏi ≥ 8.0,
/// Khá ≥ 6.5, Trung bình ≥ 5.0, else Không đạt; scores in tenths.
pub fn grade(tenths: u32) -> &'static str {
    match tenths {
        80.. => "Giỏi",
        65.. => "Khá",
        50.. => "Trung bình",
        _ => "Không đạt",
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeCounts {
    pub gioi: usize,
    pub kha: usize,
    pub trung_binh: usize,
    pub khong_dat: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterClass {
    pub file: String,
    pub sheet: String,
    pub class_type: String,
    /// "01"
    pub course: String,
    pub from: String,
    pub to: String,
    pub learners: usize,
    pub joint: bool,
    pub grades: GradeCounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCount {
    pub class_type: String,
    pub classes: usize,
    pub learners: usize,
}

/// What the rosters hold, for checking an import or a year-end report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterManifest {
    pub year: i32,
    /// The centre's own classes (joint ones excluded): 12.
    pub classes: usize,
    /// Their enrolments: 522.
    pub enrolments: usize,
    /// Distinct learners in the centre's own classes (some took several).
    pub unique_learners: usize,
    /// Own classes by type, in the order of the report.
    pub by_type: Vec<TypeCount>,
    /// Grades over the centre's own classes.
    pub grades: GradeCounts,
    /// Every class, joint ones included.
    pub rosters: Vec<RosterClass>,
}

#[derive(Clone)]
struct Learner {
    name: String,
    sex: Sex,
    birth: NaiveDate,
    year_only: bool,
    ethnicity: &'static str,
    position: String,
    unit: String,
}

struct Enrolment {
    learner: Learner,
    tenths: u32,
    score_as_text: bool,
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, m, d).unwrap_or_default()
}

fn new_learner(spec: &ClassSpec, book: &mut NameBook, rng: &mut Rng) -> Learner {
    let n = book.next(rng);
    let age = rng.range(19, 55) as i32;
    let birth =
        NaiveDate::from_ymd_opt(YEAR - age, rng.range(1, 12), rng.range(1, 28)).unwrap_or_default();
    let place = people::place(rng.below(7));
    let position = rng.pick(spec.positions).to_string();
    let unit = if position.contains("thôn") {
        format!("Thôn {}, {}", rng.range(1, 9), place.full())
    } else if position.contains("Giáo viên") || position.contains("Đội") {
        format!("Trường Tiểu học {}", place.full())
    } else if position.contains("Đảng") || position.contains("Chi ủy") {
        format!("Đảng ủy {}", place.full())
    } else {
        format!(
            "{} {}",
            rng.pick(&["Đảng ủy", "Ủy ban nhân dân"]),
            place.full()
        )
    };
    Learner {
        name: n.name,
        sex: n.sex,
        birth,
        year_only: rng.chance(8),
        ethnicity: n.ethnicity,
        position,
        unit,
    }
}

fn plan(rng: &mut Rng) -> Vec<Vec<Enrolment>> {
    let mut book = NameBook::new();
    let mut classes: Vec<Vec<Enrolment>> = Vec::new();
    for spec in CLASSES {
        let mut learners: Vec<Learner> = Vec::new();
        if let Some((from, n)) = spec.repeats
            && let Some(earlier) = classes.get(from)
        {
            let mut pool: Vec<&Enrolment> = earlier.iter().collect();
            rng.shuffle(&mut pool);
            learners.extend(pool.iter().take(n).map(|e| e.learner.clone()));
        }
        while learners.len() < spec.learners {
            learners.push(new_learner(spec, &mut book, rng));
        }
        rng.shuffle(&mut learners);
        classes.push(
            learners
                .into_iter()
                .map(|learner| Enrolment {
                    learner,
                    tenths: rng.range(50, 98),
                    score_as_text: rng.chance(15),
                })
                .collect(),
        );
    }
    classes
}

/// Writes the rosters into `dir` (created if needed).
pub fn write(dir: &std::path::Path) -> anyhow::Result<RosterManifest> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(0x6C6F_702D_3230_3231);
    let classes = plan(&mut rng);
    let f = Formats::new();
    let mut rosters = Vec::new();
    let mut i = 0;
    while i < CLASSES.len() {
        let file = CLASSES[i].file;
        let mut wb = sheet::workbook(
            date(CLASSES[i].to.0, CLASSES[i].to.1),
            "Trung tâm Chính trị",
        )?;
        while i < CLASSES.len() && CLASSES[i].file == file {
            let spec = &CLASSES[i];
            let enrolments = classes.get(i).map(Vec::as_slice).unwrap_or_default();
            let ws = wb.add_worksheet();
            ws.set_name(spec.sheet)?;
            write_roster(ws, spec, enrolments, &f)?;
            let mut grades = GradeCounts::default();
            for e in enrolments {
                match grade(e.tenths) {
                    "Giỏi" => grades.gioi += 1,
                    "Khá" => grades.kha += 1,
                    "Trung bình" => grades.trung_binh += 1,
                    _ => grades.khong_dat += 1,
                }
            }
            rosters.push(RosterClass {
                file: file.to_string(),
                sheet: spec.sheet.to_string(),
                class_type: spec.class_type.to_string(),
                course: format!("{:02}", spec.course),
                from: date(spec.from.0, spec.from.1)
                    .format("%Y-%m-%d")
                    .to_string(),
                to: date(spec.to.0, spec.to.1).format("%Y-%m-%d").to_string(),
                learners: enrolments.len(),
                joint: spec.joint,
                grades,
            });
            i += 1;
        }
        std::fs::write(dir.join(file), wb.save_to_buffer()?)?;
    }

    let own: Vec<&RosterClass> = rosters.iter().filter(|r| !r.joint).collect();
    let mut by_type: Vec<TypeCount> = Vec::new();
    let mut grades = GradeCounts::default();
    for r in &own {
        match by_type.iter_mut().find(|t| t.class_type == r.class_type) {
            Some(t) => {
                t.classes += 1;
                t.learners += r.learners;
            }
            None => by_type.push(TypeCount {
                class_type: r.class_type.clone(),
                classes: 1,
                learners: r.learners,
            }),
        }
        grades.gioi += r.grades.gioi;
        grades.kha += r.grades.kha;
        grades.trung_binh += r.grades.trung_binh;
        grades.khong_dat += r.grades.khong_dat;
    }
    let unique: HashSet<(String, NaiveDate)> = CLASSES
        .iter()
        .zip(&classes)
        .filter(|(spec, _)| !spec.joint)
        .flat_map(|(_, es)| es.iter().map(|e| (e.learner.name.clone(), e.learner.birth)))
        .collect();
    Ok(RosterManifest {
        year: YEAR,
        classes: own.len(),
        enrolments: own.iter().map(|r| r.learners).sum(),
        unique_learners: unique.len(),
        by_type,
        grades,
        rosters,
    })
}

/// "05/4/2021": how the centre writes dates in its titles.
fn short_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:02}/{}/{}", d.day(), d.month(), d.year())
}

fn write_roster(
    ws: &mut Worksheet,
    spec: &ClassSpec,
    enrolments: &[Enrolment],
    f: &Formats,
) -> anyhow::Result<()> {
    let mut headers: Vec<&str> = vec!["STT", "Họ và tên"];
    if spec.male_female {
        headers.extend(["Nam", "Nữ"]);
    } else {
        headers.push("Ngày sinh");
    }
    headers.extend([
        "Dân tộc",
        "Chức vụ",
        "Đơn vị",
        "Điểm",
        "Xếp loại",
        "Ghi chú",
    ]);
    let last = (headers.len() - 1) as u16;
    for (c, h) in headers.iter().enumerate() {
        let w = match *h {
            "STT" => 5.0,
            "Họ và tên" => 24.0,
            "Chức vụ" => 28.0,
            "Đơn vị" => 30.0,
            "Dân tộc" | "Điểm" => 8.0,
            _ => 12.0,
        };
        ws.set_column_width(c as u16, w)?;
    }
    let from = date(spec.from.0, spec.from.1);
    let to = date(spec.to.0, spec.to.1);
    let signed = to + chrono::Days::new(3);
    sheet::span(ws, 0, 0, 2, "HUYỆN ỦY KON RẪY", &f.bold_center)?;
    sheet::span(
        ws,
        0,
        5,
        last,
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        &f.underlined_bold_center,
    )?;
    sheet::span(ws, 1, 0, 2, "TRUNG TÂM CHÍNH TRỊ", &f.bold_center)?;
    let when = format!("Kon Rẫy, {}", super::docx::date_in_words(signed));
    sheet::span(ws, 1, 5, last, &when, &f.italic_center)?;
    sheet::span(ws, 2, 0, 2, "*", &f.bold_center)?;
    sheet::span(ws, 4, 0, last, "DANH SÁCH HỌC VIÊN", &f.bold_center)?;
    let title = format!("LỚP {}", spec.class_type.to_uppercase());
    sheet::span(ws, 5, 0, last, &title, &f.bold_center)?;
    let mut row = 6;
    if spec.joint {
        sheet::span(
            ws,
            row,
            0,
            last,
            "(Phối hợp với Trường Chính trị tỉnh Kon Tum)",
            &f.italic_center,
        )?;
        row += 1;
    }
    let course = format!(
        "Khóa {:02}, năm {YEAR} (từ ngày {} đến ngày {})",
        spec.course,
        short_date(from),
        short_date(to)
    );
    sheet::span(ws, row, 0, last, &course, &f.italic_center)?;
    row += 2;

    if spec.male_female {
        for (c, h) in headers.iter().enumerate() {
            let c = c as u16;
            match *h {
                "Nam" => {
                    ws.merge_range(row, c, row, c + 1, "Ngày sinh", &f.header)?;
                    ws.write_string_with_format(row + 1, c, "Nam", &f.header)?;
                }
                "Nữ" => {
                    ws.write_string_with_format(row + 1, c, "Nữ", &f.header)?;
                }
                _ => {
                    ws.merge_range(row, c, row + 1, c, h, &f.header)?;
                }
            }
        }
        row += 2;
    } else {
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &f.header)?;
        }
        row += 1;
    }

    for (i, e) in enrolments.iter().enumerate() {
        let l = &e.learner;
        let birth = if l.year_only {
            Value::Number(f64::from(chrono::Datelike::year(&l.birth)))
        } else if i % 9 == 4 {
            Value::Text(l.birth.format("%d/%m/%Y").to_string())
        } else {
            Value::Date(l.birth)
        };
        let mut values = vec![Value::Number((i + 1) as f64), Value::Text(l.name.clone())];
        if spec.male_female {
            match l.sex {
                Sex::Male => values.extend([birth, Value::Empty]),
                Sex::Female => values.extend([Value::Empty, birth]),
            }
        } else {
            values.push(birth);
        }
        let score = if e.score_as_text {
            Value::Text(format!("{},{}", e.tenths / 10, e.tenths % 10))
        } else {
            Value::Score(f64::from(e.tenths) / 10.0)
        };
        values.extend([
            Value::Text(l.ethnicity.to_string()),
            Value::Text(l.position.clone()),
            Value::Text(l.unit.clone()),
            score,
            Value::Text(grade(e.tenths).to_string()),
            Value::Empty,
        ]);
        for (c, v) in values.iter().enumerate() {
            sheet::put(ws, row, c as u16, v, f)?;
        }
        row += 1;
    }
    row += 1;
    let count = format!("Danh sách này có {:02} học viên./.", enrolments.len());
    sheet::span(ws, row, 0, 3, &count, &f.bold)?;
    row += 2;
    sheet::span(ws, row, 0, 2, "NGƯỜI LẬP BIỂU", &f.bold_center)?;
    sheet::span(ws, row, 5, last, "GIÁM ĐỐC", &f.bold_center)?;
    sheet::span(ws, row + 4, 0, 2, "Lê Thị Hồng Nhung", &f.bold_center)?;
    sheet::span(ws, row + 4, 5, last, "Trần Văn Quang", &f.bold_center)?;
    Ok(())
}
