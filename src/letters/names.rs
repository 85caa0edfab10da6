//! File names for letters: safe on Windows and Linux whatever the
//! applicant's name holds, and stable from run to run.

use crate::text::fold_words;

/// Longest part of a file name taken from an applicant's name.
const MAX_STEM: usize = 60;

/// Names Windows reserves for devices, with or without an extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// `001-nguyen-van-an.docx`: the notice number (unique in a run, so names
/// never collide) zero-padded to `width`, then the name folded to ASCII.
pub(crate) fn notice_file_name(number: u32, width: usize, applicant: &str) -> String {
    let stem = ascii_words(applicant);
    if stem.is_empty() {
        safe_file_name(&format!("{number:0width$}"), "docx")
    } else {
        safe_file_name(&format!("{number:0width$}-{stem}"), "docx")
    }
}

/// The name's words without diacritics (đ as d), lower case, joined by `-`,
/// cut at a word boundary to [`MAX_STEM`] characters.
fn ascii_words(text: &str) -> String {
    let mut out = String::new();
    for word in fold_words(text).split(' ') {
        let word: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
        if word.is_empty() {
            continue;
        }
        let extra = usize::from(!out.is_empty()) + word.len();
        if out.len() + extra > MAX_STEM {
            if out.is_empty() {
                out.push_str(&word[..MAX_STEM]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

/// `stem.ext` with anything but ASCII letters, digits, `-`, `_` and `.`
/// replaced by `-` (spaces and control characters too), no leading or
/// trailing dots (Windows drops trailing ones), and Windows device
/// names (`CON`, `com1.tar`) defused with a leading `_`.
pub(crate) fn safe_file_name(stem: &str, ext: &str) -> String {
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == '-');
    let base = trimmed.split('.').next().unwrap_or("");
    let mut out = if trimmed.is_empty() || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(base)) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    };
    out.push('.');
    out.push_str(ext);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_names_to_ascii() {
        assert_eq!(
            notice_file_name(1, 3, "Nguyễn Văn An"),
            "001-nguyen-van-an.docx"
        );
        let nfd = "Đo\u{0302}\u{0303} Thi\u{0323}  HOA ";
        assert_eq!(notice_file_name(12, 3, nfd), "012-do-thi-hoa.docx");
        assert_eq!(
            notice_file_name(7, 2, "A/B\\C:D*E?\"<>|\u{7}"),
            "07-a-b-c-d-e.docx"
        );
        assert_eq!(notice_file_name(3, 3, "../.."), "003.docx");
        assert_eq!(notice_file_name(4, 3, "王小明"), "004.docx");
    }

    #[test]
    fn limits_length_at_a_word() {
        let long = "Nguyễn ".repeat(30);
        let name = notice_file_name(1, 3, &long);
        assert!(name.len() <= 4 + MAX_STEM + 5, "{name}");
        assert!(name.ends_with("nguyen.docx"), "{name}");
        let one = "a".repeat(200);
        assert_eq!(notice_file_name(1, 3, &one).len(), 4 + MAX_STEM + 5);
    }

    #[test]
    fn defuses_reserved_and_dotted_names() {
        assert_eq!(safe_file_name("CON", "docx"), "_CON.docx");
        assert_eq!(safe_file_name("com1.tar", "gz"), "_com1.tar.gz");
        assert_eq!(safe_file_name("lpt9", "docx"), "_lpt9.docx");
        assert_eq!(safe_file_name("console", "docx"), "console.docx");
        assert_eq!(safe_file_name("..a b. ", "docx"), "a-b.docx");
        assert_eq!(safe_file_name("", "docx"), "_.docx");
    }
}
