//! The year's report as a Word document: the title, the paragraph in the
//! centre's wording, the per-type table, the joint classes, the grades and,
//! given the year's verdicts, the review sentence.

use super::catalogue::Catalogue;
use super::stats::YearStats;
use super::wording::{self, class_count, fill};
use crate::verdict::Summary;
use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow};

pub fn document_bytes(
    stats: &YearStats,
    reviews: Option<&Summary>,
    catalogue: &Catalogue,
) -> anyhow::Result<Vec<u8>> {
    let r = &catalogue.report;
    let l = &r.labels;
    let mut doc = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman"),
        )
        .default_size(28)
        .add_paragraph(
            Paragraph::new().align(AlignmentType::Center).add_run(
                Run::new()
                    .add_text(fill(&r.title, &[("year", &stats.year.to_string())]))
                    .bold(),
            ),
        )
        .add_paragraph(text(&wording::paragraph(stats, r)).align(AlignmentType::Both))
        .add_paragraph(heading(&l.by_type_heading));
    let mut rows = vec![row(
        &[&l.number, &l.class_type, &l.classes, &l.learners],
        true,
    )];
    for (i, t) in stats.by_type.iter().enumerate() {
        rows.push(row(
            &[
                &(i + 1).to_string(),
                &t.class_type,
                &class_count(t.classes),
                &t.learners.to_string(),
            ],
            false,
        ));
    }
    rows.push(row(
        &[
            "",
            &l.total,
            &class_count(stats.classes),
            &stats.enrolments.to_string(),
        ],
        true,
    ));
    doc = doc
        .add_table(Table::new(rows).set_grid(vec![700, 5600, 1200, 1600]))
        .add_paragraph(text(&format!(
            "{}: {}",
            l.unique_learners, stats.unique_learners
        )));

    if !stats.joint.is_empty() {
        doc = doc.add_paragraph(heading(&l.joint_heading));
        for sentence in wording::joint_sentences(stats, r) {
            doc = doc.add_paragraph(text(&sentence).align(AlignmentType::Both));
        }
    }

    doc = doc.add_paragraph(heading(&l.grades_heading));
    let mut grade_rows = vec![row(&[&l.grade, &l.count], true)];
    for (grade, n) in &stats.grades {
        grade_rows.push(row(&[grade, &n.to_string()], false));
    }
    doc = doc.add_table(Table::new(grade_rows).set_grid(vec![4000, 2000]));

    if let Some(summary) = reviews {
        doc = doc
            .add_paragraph(heading(&l.reviews_heading))
            .add_paragraph(text(&wording::review_sentence(summary, r)).align(AlignmentType::Both));
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut buf)
        .map_err(|e| anyhow::anyhow!("cannot build the report document: {e}"))?;
    crate::letters::conform::repack(&buf.into_inner())
}

fn text(t: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(t))
}

fn heading(t: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(t).bold())
}

fn row(cells: &[&str], bold: bool) -> TableRow {
    TableRow::new(
        cells
            .iter()
            .map(|c| {
                let run = Run::new().add_text(*c);
                TableCell::new().add_paragraph(Paragraph::new().add_run(if bold {
                    run.bold()
                } else {
                    run
                }))
            })
            .collect(),
    )
}
