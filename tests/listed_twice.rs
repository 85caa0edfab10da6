//! A person on the lists twice (a row copied, the unit's corrected list
//! sent beside the first one) is judged once: the repeat is a warning on
//! their verdict (`trung-danh-sach`, naming the row), not a second verdict
//! rejecting them for want of the dossier they did send. A namesake born
//! on another day is someone else, with a verdict of their own.

mod common;

use common::copy_dir;
use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use hoso::verdict::{Verdict, Verdicts};
use std::path::Path;

fn check(batch: &Path) -> Verdicts {
    let rules = RuleSet::default_rules().unwrap();
    let run = pipeline::run(batch, &rules, &|_, _| {}).unwrap();
    assert!(run.accounting.is_empty(), "{:?}", run.accounting);
    run.verdicts
}

fn named<'a>(v: &'a Verdicts, name: &str) -> Vec<&'a Verdict> {
    v.verdicts.iter().filter(|x| x.name == name).collect()
}

fn codes(v: &Verdict) -> Vec<&str> {
    v.reasons.iter().map(|r| r.code.as_str()).collect()
}

/// A second list for xa-dak-koi: two people already on its first list
/// (Nguyễn Văn An, who sent a dossier, and Y Khoa, who did not) and a
/// namesake of An born a year later.
fn second_list(path: &Path) {
    common::write_rows(
        path,
        "Bổ sung",
        &[
            &["STT", "Họ và tên", "Ngày sinh", "Đơn vị"],
            &["1", "Nguyễn Văn An", "05/03/1975", "UBND xã Đăk Kôi"],
            &["2", "Y Khoa", "01/01/1990", "UBND xã Đăk Kôi"],
            &["3", "Nguyễn Văn An", "05/03/1976", "Thôn 3"],
        ],
    );
}

#[test]
fn a_person_listed_twice_is_judged_once_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    let before = check(&batch);
    second_list(&batch.join("xa-dak-koi/danh-sach-bo-sung.xlsx"));
    let v = check(&batch);
    assert_eq!(v.lists.len(), before.lists.len() + 1, "{:?}", v.lists);

    // Only the namesake is new.
    assert_eq!(v.verdicts.len(), before.verdicts.len() + 1);
    let an = named(&v, "Nguyễn Văn An");
    assert_eq!(an.len(), 2, "{an:?}");
    let (sent, namesake) = match an[0].dossier {
        Some(_) => (an[0], an[1]),
        None => (an[1], an[0]),
    };
    let an_before = named(&before, "Nguyễn Văn An")[0];
    assert_eq!(sent.status, an_before.status, "{sent:?}");
    let twice = sent.reasons.iter().find(|r| r.code == "trung-danh-sach");
    let twice = twice.unwrap_or_else(|| panic!("no warning: {sent:?}"));
    // Paired with one of the two rows, the other named in the warning.
    let first = "xa-dak-koi/danh-sach-de-nghi.xlsx!Danh sách!5";
    let second = "xa-dak-koi/danh-sach-bo-sung.xlsx!Bổ sung!2";
    let other = match sent.list_row.as_deref() {
        Some(r) if r == first => second,
        Some(r) if r == second => first,
        r => panic!("paired with {r:?}"),
    };
    assert!(twice.message.ends_with(other), "{twice:?}");
    let (place, row) = other.rsplit_once('!').unwrap();
    assert_eq!(twice.sources, [format!("{place}!B{row}")]);
    assert_eq!(
        namesake.list_row.as_deref(),
        Some("xa-dak-koi/danh-sach-bo-sung.xlsx!Bổ sung!4")
    );
    assert_eq!(codes(namesake), ["khong-co-ho-so"], "{namesake:?}");

    // Listed twice without a dossier: one rejection, not two.
    let y = named(&v, "Y Khoa");
    assert_eq!(y.len(), 1, "{y:?}");
    assert_eq!(codes(y[0]), ["khong-co-ho-so", "trung-danh-sach"], "{y:?}");
    assert_eq!(y[0].status.as_str(), "rejected");
}
