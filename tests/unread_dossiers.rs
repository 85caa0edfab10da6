//! A dossier hoso cannot read is reviewed, never rejected as missing
//! (domain.md §5: a dossier that cannot be read is *needs review*): a form
//! saved as OpenDocument text (.odt) or RTF (made by LibreOffice:
//! tests/fixtures/word-formats), or a damaged one, leaves its list row
//! without a dossier, and that row is held back for a clerk with the files
//! that may be it. Word 97-2003 files (.doc) are read, and judged as their
//! .docx would be.

mod common;

use common::{check_into, copy_dir, outcomes_of, swap_in};
use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use hoso::verdict::{Verdict, Verdicts};
use std::path::Path;

/// The fixture batch of tests/check_batch.rs, to change.
fn fixture_batch() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    (dir, batch)
}

fn check(batch: &Path) -> Verdicts {
    let rules = RuleSet::default_rules().unwrap();
    let run = pipeline::run(batch, &rules, &|_, _| {}).unwrap();
    assert!(run.accounting.is_empty(), "{:?}", run.accounting);
    run.verdicts
}

fn verdict<'a>(v: &'a Verdicts, name: &str) -> &'a Verdict {
    v.verdicts
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no verdict for {name}"))
}

fn codes(v: &Verdict) -> Vec<&str> {
    v.reasons.iter().map(|r| r.code.as_str()).collect()
}

fn unused_reason<'a>(v: &'a Verdicts, path: &str) -> &'a str {
    v.unused_files
        .iter()
        .find(|u| u.path == path)
        .map(|u| u.reason.as_str())
        .unwrap_or_else(|| panic!("{path} is not among the unused files"))
}

/// Garbage where a Word file should be: a damaged download.
fn damage(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"PK\x03\x04 cut short").unwrap();
}

/// Cường's form and transcript saved in another format (`ext`), in place
/// of the .docx files.
fn cuong_saved_as(batch: &Path, ext: &str) {
    let cuong = batch.join("xa-dak-koi/03-le-van-cuong");
    for name in ["don-de-nghi", "bang-diem"] {
        swap_in(&cuong, name, "tests/fixtures/word-formats", ext);
    }
}

#[test]
fn a_dossier_saved_as_doc_is_judged_as_its_docx() {
    let (_dir, batch) = fixture_batch();
    let before = check(&batch);
    cuong_saved_as(&batch, "doc");
    let v = check(&batch);
    assert_eq!(outcomes_of(&v), outcomes_of(&before));
    let c = verdict(&v, "Lê Văn Cường");
    assert_eq!(c.status.as_str(), "accepted", "{c:?}");
    assert_eq!(
        c.dossier.as_deref(),
        Some("xa-dak-koi/03-le-van-cuong"),
        "{c:?}"
    );
    assert!(
        c.files
            .iter()
            .any(|f| &**f == "xa-dak-koi/03-le-van-cuong/don-de-nghi.doc"),
        "{:?}",
        c.files
    );
    assert_eq!(v.unused_files.len(), before.unused_files.len());
}

#[test]
fn a_dossier_saved_as_odt_is_reviewed_with_what_to_do() {
    let (_dir, batch) = fixture_batch();
    cuong_saved_as(&batch, "odt");
    let v = check(&batch);

    let form = "xa-dak-koi/03-le-van-cuong/don-de-nghi.odt";
    let c = verdict(&v, "Lê Văn Cường");
    assert_eq!(c.status.as_str(), "needs_review", "{c:?}");
    assert_eq!(codes(c), ["khong-doc-duoc"], "not khong-co-ho-so: {c:?}");
    assert_eq!(c.dossier, None);
    let message = &c.reasons[0].message;
    assert!(message.contains(form), "{message}");
    assert!(
        message.contains("văn bản dạng .odt") && message.contains("lưu lại thành .docx"),
        "the clerk is told what to do: {message}"
    );
    assert!(c.reasons[0].sources.iter().any(|s| s == form));
    for file in [form, "xa-dak-koi/03-le-van-cuong/bang-diem.odt"] {
        let why = unused_reason(&v, file);
        assert!(why.contains("văn bản dạng .odt"), "{file}: {why}");
    }

    // The files spell Cường's name (his folder's): they hold back his row
    // alone. Y Khoa, on the same list without a dossier, is still rejected.
    let y = verdict(&v, "Y Khoa");
    assert_eq!(
        (y.status.as_str(), codes(y)),
        ("rejected", vec!["khong-co-ho-so"])
    );
    assert_eq!(
        (
            v.summary.accepted,
            v.summary.rejected,
            v.summary.needs_review
        ),
        (7, 14, 2),
        "Cường's acceptance is held for review; nothing else moved"
    );
}

#[test]
fn an_odt_inside_a_dossier_holds_it_for_review() {
    let (_dir, batch) = fixture_batch();
    let an = batch.join("xa-dak-koi/01-nguyen-van-an");
    std::fs::copy(
        "tests/fixtures/word-formats/bang-diem.odt",
        an.join("so-yeu-ly-lich.odt"),
    )
    .unwrap();
    let v = check(&batch);
    let a = verdict(&v, "Nguyễn Văn An");
    assert_eq!(a.status.as_str(), "needs_review", "{a:?}");
    assert_eq!(codes(a), ["khong-doc-duoc"]);
    assert!(
        a.reasons[0]
            .message
            .contains("01-nguyen-van-an/so-yeu-ly-lich.odt"),
        "{:?}",
        a.reasons
    );
}

#[test]
fn an_rtf_or_web_page_named_doc_holds_its_dossier_for_review() {
    // Web software and old editors save RTF or HTML under a .doc name.
    let web = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n\r\n--x\r\n";
    for (name, content, says) in [
        (
            "so-yeu-ly-lich.doc",
            std::fs::read("tests/fixtures/word-formats/cong-van-de-nghi.rtf").unwrap(),
            "văn bản RTF",
        ),
        ("giay-xac-nhan.doc", web.as_bytes().to_vec(), "trang web"),
    ] {
        let (_dir, batch) = fixture_batch();
        let an = batch.join("xa-dak-koi/01-nguyen-van-an");
        std::fs::write(an.join(name), content).unwrap();
        let v = check(&batch);
        let a = verdict(&v, "Nguyễn Văn An");
        assert_eq!(a.status.as_str(), "needs_review", "{name}: {a:?}");
        assert_eq!(codes(a), ["khong-doc-duoc"], "{name}");
        let message = &a.reasons[0].message;
        assert!(
            message.contains(name) && message.contains(says),
            "{message}"
        );
    }
}

#[test]
fn an_unread_file_naming_nobody_holds_back_the_rows_of_its_lists_folder_only() {
    // Y Khoa has no dossier on the xa-dak-koi list. A damaged form in a
    // folder named after nobody may be hers: not in another commune's.
    let (_dir, batch) = fixture_batch();
    damage(&batch.join("xa-dak-ruong/hs-99/don.docx"));
    let y = check(&batch);
    let y = verdict(&y, "Y Khoa");
    assert_eq!(codes(y), ["khong-co-ho-so"], "{y:?}");

    let (_dir, batch) = fixture_batch();
    damage(&batch.join("xa-dak-koi/hs-99/don.docx"));
    let v = check(&batch);
    let y = verdict(&v, "Y Khoa");
    assert_eq!(y.status.as_str(), "needs_review", "{y:?}");
    assert_eq!(codes(y), ["khong-doc-duoc"]);
    assert!(y.reasons[0].message.contains("xa-dak-koi/hs-99/don.docx"));
    assert!(unused_reason(&v, "xa-dak-koi/hs-99/don.docx").starts_with("không đọc được"));

    // Named after someone else on the list, it is theirs, not hers.
    let (_dir, batch) = fixture_batch();
    damage(&batch.join("xa-dak-koi/99-tran-thi-bich/don.docx"));
    let y = check(&batch);
    let y = verdict(&y, "Y Khoa");
    assert_eq!(codes(y), ["khong-co-ho-so"], "{y:?}");
}

/// The commune's request letter sent as `ext` (made by LibreOffice), in
/// place of the .docx.
fn letter_as(batch: &Path, ext: &str) {
    let commune = batch.join("xa-dak-koi");
    swap_in(
        &commune,
        "cong-van-de-nghi",
        "tests/fixtures/word-formats",
        ext,
    );
}

#[test]
fn a_request_letter_saved_as_doc_is_read() {
    let (_dir, batch) = fixture_batch();
    let before = check(&batch);
    letter_as(&batch, "doc");
    let v = check(&batch);
    assert_eq!(outcomes_of(&v), outcomes_of(&before));
    assert!(
        v.request_letters
            .iter()
            .any(|l| l == "xa-dak-koi/cong-van-de-nghi.doc"),
        "{:?}",
        v.request_letters
    );
}

#[test]
fn a_request_letter_saved_as_rtf_holds_its_dossiers_for_review() {
    // `thieu-cong-van` would reject the whole commune.
    let (_dir, batch) = fixture_batch();
    letter_as(&batch, "rtf");
    let v = check(&batch);
    let letter = "xa-dak-koi/cong-van-de-nghi.rtf";
    let an = verdict(&v, "Nguyễn Văn An");
    assert_eq!(an.status.as_str(), "needs_review", "{an:?}");
    assert_eq!(codes(an), ["thieu-cong-van", "khong-doc-duoc"]);
    let message = &an.reasons[1].message;
    assert!(
        message.contains("công văn") && message.contains(letter),
        "{message}"
    );
    // Every dossier of the commune waits, whatever else it lacks.
    let phuc = verdict(&v, "Đinh Văn Phúc");
    assert_eq!(phuc.status.as_str(), "needs_review");
    assert!(codes(phuc).contains(&"ngoai-danh-sach"), "{phuc:?}");
    // Another commune's dossiers are judged as before: Lò Văn Út's commune
    // never sent a letter.
    let ut = verdict(&v, "Lò Văn Út");
    assert_eq!(
        (ut.status.as_str(), codes(ut)),
        ("rejected", vec!["thieu-cong-van"])
    );
    let lan = verdict(&v, "Ngô Thị Lan");
    assert_eq!(codes(lan), ["bang-diem-khong-hop-le"]);
}

#[test]
fn a_request_letter_sent_only_as_a_scan_holds_its_dossiers_for_review() {
    // Signed, stamped and scanned: a PDF the rule file's `scan_names` call
    // a request letter ("cong van"), with no readable copy beside it.
    let (_dir, batch) = fixture_batch();
    std::fs::remove_file(batch.join("xa-dak-koi/cong-van-de-nghi.docx")).unwrap();
    let pdf =
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    std::fs::write(batch.join("xa-dak-koi/Cong van so 12-CV.pdf"), pdf).unwrap();
    let v = check(&batch);
    let scan = "xa-dak-koi/Cong van so 12-CV.pdf";
    let why = unused_reason(&v, scan);
    assert!(
        why.contains("bản scan") && why.contains("Công văn"),
        "{why}"
    );
    let an = verdict(&v, "Nguyễn Văn An");
    assert_eq!(an.status.as_str(), "needs_review", "{an:?}");
    assert_eq!(codes(an), ["thieu-cong-van", "khong-doc-duoc"]);
    assert!(an.reasons[1].message.contains(scan), "{:?}", an.reasons);
    // A letter is no dossier: Y Khoa, on that commune's list without one,
    // is still rejected.
    let y = verdict(&v, "Y Khoa");
    assert_eq!(codes(y), ["khong-co-ho-so"], "{y:?}");

    // A scan named like nothing in particular holds nothing back.
    let (_dir, batch) = fixture_batch();
    std::fs::remove_file(batch.join("xa-dak-koi/cong-van-de-nghi.docx")).unwrap();
    std::fs::write(batch.join("xa-dak-koi/scan-0012.pdf"), pdf).unwrap();
    let v = check(&batch);
    let an = verdict(&v, "Nguyễn Văn An");
    assert_eq!(
        (an.status.as_str(), codes(an)),
        ("rejected", vec!["thieu-cong-van"])
    );
}

#[test]
fn a_form_sent_only_as_a_scan_holds_its_row_for_review() {
    let (_dir, batch) = fixture_batch();
    // Everything scanned: no Word file, so no dossier hoso can see. (With
    // the transcript left as .docx, the folder is a dossier without a
    // form, `thieu-don`, which waits for review too.)
    let cuong = batch.join("xa-dak-koi/03-le-van-cuong");
    for name in ["don-de-nghi.docx", "bang-diem.docx"] {
        std::fs::remove_file(cuong.join(name)).unwrap();
    }
    std::fs::write(cuong.join("Don de nghi (ban ky).pdf"), b"%PDF-1.4\n%%EOF\n").unwrap();
    let v = check(&batch);
    let c = verdict(&v, "Lê Văn Cường");
    assert_eq!(c.status.as_str(), "needs_review", "{c:?}");
    assert_eq!(codes(c), ["khong-doc-duoc"]);
    let scan = "xa-dak-koi/03-le-van-cuong/Don de nghi (ban ky).pdf";
    assert!(c.reasons[0].message.contains(scan), "{:?}", c.reasons);
    assert!(unused_reason(&v, scan).contains("Đơn đề nghị dạng bản scan"));
    // It spells Cường's folder: Y Khoa is still rejected.
    let y = verdict(&v, "Y Khoa");
    assert_eq!(codes(y), ["khong-co-ho-so"], "{y:?}");
}

#[test]
fn the_cache_knows_a_row_hangs_on_files_beside_it() {
    let (dir, batch) = fixture_batch();
    let out = dir.path().join("out");
    let before = check_into(&batch, &out, &[]);
    assert!(before.contains("khong-co-ho-so"));

    // Only a file outside every dossier changes: Y Khoa's verdict, kept in
    // the cache, must not be reused.
    let damaged = batch.join("xa-dak-koi/hs-99/don.docx");
    damage(&damaged);
    let warm = check_into(&batch, &out, &[]);
    let cold = check_into(&batch, &dir.path().join("cold"), &["--no-cache"]);
    assert_eq!(warm, cold);
    assert!(!warm.contains("khong-co-ho-so"), "Y Khoa is held back");

    // Mended, the row is rejected again.
    std::fs::remove_dir_all(damaged.parent().unwrap()).unwrap();
    assert_eq!(check_into(&batch, &out, &[]), before);

    // Nor may the commune's dossiers be reused when its letter turns
    // unreadable: they are judged by what lies above them.
    letter_as(&batch, "rtf");
    let warm = check_into(&batch, &out, &[]);
    let cold = check_into(&batch, &dir.path().join("cold-2"), &["--no-cache"]);
    assert_eq!(warm, cold);
    assert_ne!(warm, before);
}

/// What Word writes beside a document it has open: the length of the
/// user's name, the name, and the name again in UTF-16, in 162 bytes.
fn word_owner_file(user: &str) -> Vec<u8> {
    let mut bytes = vec![user.len() as u8];
    bytes.extend_from_slice(user.as_bytes());
    bytes.resize(54, 0x20);
    bytes.extend(user.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(162, 0);
    bytes
}

#[test]
fn lock_files_of_open_documents_change_nothing() {
    let (_dir, batch) = fixture_batch();
    let owner = word_owner_file("Can bo mot cua");
    // A clerk has An's form and the commune's request letter open in Word,
    // and the list open in LibreOffice.
    let an = batch.join("xa-dak-koi/01-nguyen-van-an");
    std::fs::write(an.join("~$n-de-nghi.docx"), &owner).unwrap();
    std::fs::write(batch.join("xa-dak-koi/~$ng-van-de-nghi.docx"), &owner).unwrap();
    std::fs::write(
        batch.join("xa-dak-koi/.~lock.danh-sach-de-nghi.xlsx#"),
        "ThuKy,mot-cua,PC-01,28.11.2026 08:15,file:///home/thuky/.config/libreoffice/4;",
    )
    .unwrap();
    let v = check(&batch);

    let a = verdict(&v, "Nguyễn Văn An");
    assert_eq!(a.status.as_str(), "accepted", "{a:?}");
    assert!(a.files.iter().any(|f| f.ends_with("/~$n-de-nghi.docx")));
    let y = verdict(&v, "Y Khoa");
    assert_eq!(codes(y), ["khong-co-ho-so"], "{y:?}");
    for lock in [
        "xa-dak-koi/~$ng-van-de-nghi.docx",
        "xa-dak-koi/.~lock.danh-sach-de-nghi.xlsx#",
    ] {
        let why = unused_reason(&v, lock);
        assert!(why.starts_with("tệp khóa tạm"), "{lock}: {why}");
    }
}

/// The verdicts of the dossiers in `folder`.
fn verdicts_in<'a>(v: &'a Verdicts, folder: &str) -> Vec<&'a Verdict> {
    let prefix = format!("{folder}/");
    v.verdicts
        .iter()
        .filter(|x| x.dossier.as_deref().is_some_and(|d| d.starts_with(&prefix)))
        .collect()
}

#[test]
fn a_list_that_cannot_be_read_holds_its_dossiers_for_review_not_rejected() {
    // The xa-dak-koi list arrives cut short (a broken download): its
    // dossiers are on no list hoso can read, but they may well be on it.
    let (dir, batch) = fixture_batch();
    let out = dir.path().join("out");
    let before_json = check_into(&batch, &out, &[]);
    let before = check(&batch);
    let list = batch.join("xa-dak-koi/danh-sach-de-nghi.xlsx");
    let bytes = std::fs::read(&list).unwrap();
    std::fs::write(&list, &bytes[..bytes.len() / 2]).unwrap();
    let v = check(&batch);

    let commune = verdicts_in(&v, "xa-dak-koi");
    assert!(commune.len() >= 10, "{commune:?}");
    let list_path = "xa-dak-koi/danh-sach-de-nghi.xlsx";
    let mut held = 0;
    for d in &commune {
        assert_eq!(d.status.as_str(), "needs_review", "{d:?}");
        // A dossier holding a damaged file of its own is not judged at all.
        let own = |r: &hoso::verdict::Reason| {
            r.code == "khong-doc-duoc" && !r.sources.iter().any(|s| s == list_path)
        };
        if d.reasons.iter().any(own) {
            assert!(codes(d).iter().all(|c| *c == "khong-doc-duoc"), "{d:?}");
            continue;
        }
        let why = d.reasons.iter().find(|r| r.code == "khong-doc-duoc");
        let why = why.unwrap_or_else(|| panic!("no reason naming the list: {d:?}"));
        assert!(why.message.contains(list_path), "{why:?}");
        assert_eq!(why.sources, [list_path]);
        assert!(codes(d).contains(&"ngoai-danh-sach"), "{d:?}");
        held += 1;
    }
    assert!(held >= 9, "{commune:?}");
    // The other communes' lists were read: their dossiers are judged as
    // before, and a damaged list in a sibling folder is none of theirs.
    for folder in ["xa-dak-ruong", "xa-tan-lap"] {
        let judged = |v: &Verdicts| -> Vec<(String, Vec<String>)> {
            verdicts_in(v, folder)
                .iter()
                .map(|d| {
                    (
                        d.status.as_str().to_string(),
                        codes(d).iter().map(|c| c.to_string()).collect(),
                    )
                })
                .collect()
        };
        assert_eq!(judged(&v), judged(&before), "{folder}");
    }
    assert!(unused_reason(&v, "xa-dak-koi/danh-sach-de-nghi.xlsx").starts_with("không đọc được"));

    // The cache knows a dossier hangs on the lists above it.
    let warm = check_into(&batch, &out, &[]);
    let cold = check_into(&batch, &dir.path().join("cold"), &["--no-cache"]);
    assert_eq!(warm, cold);
    std::fs::write(&list, &bytes).unwrap();
    assert_eq!(check_into(&batch, &out, &[]), before_json);
}

/// A workbook whose one sheet lists people under headers hoso does not
/// know ("Người đề nghị" for the name): no list is found in it.
fn list_with_unknown_headers(path: &Path) {
    common::write_rows(
        path,
        "Sheet1",
        &[
            &["STT", "Người đề nghị", "Năm sinh"],
            &["1", "Lò Văn Út", "1980"],
        ],
    );
}

#[test]
fn with_no_list_found_in_the_batch_a_spreadsheet_without_one_may_be_it() {
    // xa-tan-lap alone, its list's header reworded past what the rule file
    // knows: no list in the batch at all. The dossier is not rejected as
    // off the list; the clerk is shown the spreadsheet hoso could not use.
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(
        Path::new("tests/fixtures/batch/xet-2021/xa-tan-lap"),
        &batch,
    );
    let list = batch.join("danh-sach-de-nghi.xlsx");
    list_with_unknown_headers(&list);
    let v = check(&batch);
    assert!(v.lists.is_empty(), "{:?}", v.lists);
    let ut = verdict(&v, "Lò Văn Út");
    assert_eq!(ut.status.as_str(), "needs_review", "{ut:?}");
    assert!(codes(ut).contains(&"ngoai-danh-sach"), "{ut:?}");
    let why = ut
        .reasons
        .iter()
        .find(|r| r.code == "khong-doc-duoc")
        .unwrap();
    assert!(why.message.contains("danh-sach-de-nghi.xlsx"), "{why:?}");

    // Beside a list that was found, such a spreadsheet is just unused: a
    // dossier missing from the list found is rejected.
    std::fs::copy(
        "tests/fixtures/batch/xet-2021/xa-dak-koi/danh-sach-de-nghi.xlsx",
        batch.join("danh-sach-xa-dak-koi.xlsx"),
    )
    .unwrap();
    let v = check(&batch);
    assert_eq!(v.lists.len(), 1, "{:?}", v.lists);
    let ut = verdict(&v, "Lò Văn Út");
    assert_eq!(ut.status.as_str(), "rejected", "{ut:?}");
    assert!(!codes(ut).contains(&"khong-doc-duoc"), "{ut:?}");
}
