//! The vocabulary a rule file gives the readers: how columns, labels,
//! documents and attachments are named in the wild. Readers take a
//! `&Vocabulary` and nothing else from the rule set, so ingest stays
//! independent of the rules themselves.

use crate::ingest::ErrorKind;
use crate::matching::assemble::Unused;
use crate::messages::Texts;
use crate::text::fold_words;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// Spreadsheet columns: field name -> header labels seen in the wild.
    /// Two special fields, `birth_male` and `birth_female`, are the "Nam" and
    /// "Nữ" pair of birth-date columns; the reader turns them into
    /// `birth_date` + `sex`.
    #[serde(default)]
    pub columns: BTreeMap<String, Vec<String>>,
    /// Fields of Word forms: field name -> labels ("Họ và tên", "Sinh ngày").
    #[serde(default)]
    pub labels: BTreeMap<String, Vec<String>>,
    /// Word documents recognised by their title.
    #[serde(default)]
    pub documents: Vec<DocumentKind>,
    /// Non-Word files (scans) recognised by their file name.
    #[serde(default)]
    pub attachments: Vec<AttachmentKind>,
    /// Words that introduce a copy mark line ("Bản sao", "Sao y bản chính").
    #[serde(default)]
    pub copy_marks: Vec<String>,
    /// Headings of blocks where someone other than the applicant signs
    /// ("Xác nhận của cơ quan", "Ý kiến của chi bộ"): their place-date line
    /// is when that body confirmed, not when the applicant signed, so it
    /// must not become the form's signing date.
    #[serde(default)]
    pub confirmations: Vec<String>,
    /// Transcript table columns: `subject`, `periods`, `score` -> header labels.
    #[serde(default)]
    pub transcript_columns: BTreeMap<String, Vec<String>>,
    /// Why a file could not be read, worded per kind (`[vocabulary.unreadable]`);
    /// kinds left out keep the shipped wording.
    #[serde(default)]
    pub unreadable: Texts<ErrorKind>,
    /// Why a file is left unused, worded per kind (`[vocabulary.unused]`).
    #[serde(default)]
    pub unused: Texts<Unused>,
    /// Why a sheet of a workbook was passed over or read in part, worded
    /// per kind (`[vocabulary.sheets]`).
    #[serde(default)]
    pub sheets: Texts<crate::ingest::SheetProblem>,
    /// What is wrong with a row of a list or roster, worded per kind
    /// (`[vocabulary.rows]`).
    #[serde(default)]
    pub rows: Texts<crate::ingest::table::RowProblem>,
    /// Folded alias -> field, for columns and labels, built on first use:
    /// headers and labels are looked up thousands of times per batch.
    #[serde(skip)]
    folded: OnceLock<(HashMap<String, String>, HashMap<String, String>)>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentKind {
    /// Stable identifier used by rules: `don`, `bang_diem`, `cong_van`, ...
    pub kind: String,
    /// Human name, Vietnamese.
    pub name: String,
    /// A paragraph starting with one of these (case, diacritics and
    /// punctuation ignored) is this document's title.
    pub titles: Vec<String>,
    /// How many non-empty paragraphs from the start of the document (or of the
    /// part after a page break) may come before the title.
    #[serde(default = "default_within")]
    pub within: usize,
    /// A file outside every dossier whose name contains one of these (as
    /// [`AttachmentKind::file_names`]) and that hoso cannot read, a scan,
    /// may be this document: a form or a request letter sent signed and
    /// scanned is not taken as missing, it waits for a clerk. Empty: never.
    #[serde(default)]
    pub scan_names: Vec<String>,
}

fn default_within() -> usize {
    3
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentKind {
    pub kind: String,
    pub name: String,
    /// File name contains one of these (case, diacritics, separators ignored).
    pub file_names: Vec<String>,
    /// Extensions this kind may have (lower case, without dot).
    pub extensions: Vec<String>,
}

impl Vocabulary {
    /// The field a header or label text names, if any. Compared on
    /// [`fold_words`] so "Họ và tên:", "HỌ VÀ TÊN" and "Ho va ten" agree;
    /// the whole text must equal an alias.
    pub fn column_field(&self, header: &str) -> Option<&str> {
        self.folded().0.get(&fold_words(header)).map(String::as_str)
    }

    /// Like [`Self::column_field`] for Word labels; `label` is the text before the colon.
    pub fn label_field(&self, label: &str) -> Option<&str> {
        self.folded().1.get(&fold_words(label)).map(String::as_str)
    }

    fn folded(&self) -> &(HashMap<String, String>, HashMap<String, String>) {
        self.folded
            .get_or_init(|| (fold_aliases(&self.columns), fold_aliases(&self.labels)))
    }

    /// The document kind whose title this paragraph is.
    pub fn title_kind(&self, paragraph: &str) -> Option<&DocumentKind> {
        let p = fold_words(paragraph);
        self.documents.iter().find(|d| {
            d.titles
                .iter()
                .any(|t| starts_with_words(&p, &fold_words(t)))
        })
    }

    /// The document a scan named `file_name` may be ([`DocumentKind::scan_names`]).
    pub fn scanned_document(&self, file_name: &str) -> Option<&DocumentKind> {
        let name = fold_words(file_name);
        self.documents
            .iter()
            .find(|d| named_like(&name, &d.scan_names))
    }

    /// The attachment kind a file name says, if its extension fits.
    pub fn attachment_kind(&self, file_name: &str) -> Option<&AttachmentKind> {
        let name = fold_words(file_name);
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        self.attachments
            .iter()
            .find(|a| a.extensions.contains(&ext) && named_like(&name, &a.file_names))
    }
}

/// `folded` (a file name through [`fold_words`]) holds one of `names` as
/// whole words.
fn named_like(folded: &str, names: &[String]) -> bool {
    names.iter().any(|n| contains_words(folded, &fold_words(n)))
}

/// Folded alias -> field; where two fields share an alias, the first field
/// (in name order) keeps it, as a linear search would.
fn fold_aliases(map: &BTreeMap<String, Vec<String>>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (field, aliases) in map {
        for alias in aliases {
            let folded = fold_words(alias);
            if !folded.is_empty() {
                out.entry(folded).or_insert_with(|| field.clone());
            }
        }
    }
    out
}

/// `haystack` starts with `needle` at a word boundary (both already folded).
pub fn starts_with_words(haystack: &str, needle: &str) -> bool {
    !needle.is_empty()
        && haystack.starts_with(needle)
        && haystack[needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ')
}

/// Each run of at most `max_words` whole words in `haystack` (folded, as
/// by [`crate::text::fold_words`]): exactly the needles of at most that many
/// words that [`contains_words`] finds in it. Looking these up in a map of
/// needles replaces comparing the haystack with every needle in turn.
pub fn word_runs(haystack: &str, max_words: usize) -> impl Iterator<Item = &str> {
    word_starts(haystack.as_bytes())
        .filter(move |_| !haystack.is_empty())
        .flat_map(move |start| {
            let rest = &haystack[start..];
            let ends = rest
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b' ')
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()));
            ends.take(max_words).map(move |end| &rest[..end])
        })
}

/// `haystack` contains `needle` as whole words (both already folded).
/// Allocation-free: it runs for every keyword of every subject of every
/// transcript. The needle is compared at each word start rather than
/// searched for: on names of a few words, setting up a substring search
/// cost more than all the comparisons.
pub fn contains_words(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    word_starts(h).any(|i| {
        let j = i + n.len();
        h[i..].starts_with(n) && (j == h.len() || h[j] == b' ')
    })
}

/// Where each word of a folded text starts: at 0 and after each space.
fn word_starts(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let after_spaces = text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b' ')
        .map(|(i, _)| i + 1);
    std::iter::once(0).chain(after_spaces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(contains_words("triet hoc mac lenin", "mac"));
        assert!(contains_words("mac", "mac"));
        assert!(contains_words("bai 1 triet hoc", "triet hoc"));
        assert!(!contains_words("macro kinh te", "mac"));
        assert!(!contains_words("hoc mac", "oc ma"));
        assert!(contains_words("đa mac mac", "mac mac"));
        assert!(!contains_words("", "mac"));
        assert!(!contains_words("mac", ""));
    }

    #[test]
    fn word_runs_are_what_contains_words_finds() {
        assert_eq!(
            word_runs("ho so tran van an", 2).collect::<Vec<_>>(),
            [
                "ho", "ho so", "so", "so tran", "tran", "tran van", "van", "van an", "an"
            ]
        );
        assert_eq!(word_runs("", 3).count(), 0);
        // Every haystack and needle of up to four words from a small
        // vocabulary (repeats and prefixes included): a needle is found
        // exactly when it is one of the haystack's runs.
        let vocabulary = ["an", "a", "an an", "van", "va"];
        let phrases: Vec<String> = (0..5usize.pow(4))
            .flat_map(|n| {
                (1..=4).map(move |len| {
                    (0..len)
                        .map(|i| vocabulary[n / 5usize.pow(i) % 5])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            })
            .collect();
        for haystack in phrases.iter().step_by(7) {
            for needle in phrases.iter().step_by(11) {
                let words = needle.split(' ').count();
                assert_eq!(
                    contains_words(haystack, needle),
                    word_runs(haystack, words).any(|run| run == needle),
                    "{haystack:?} / {needle:?}"
                );
            }
        }
    }

    /// Every occurrence, overlapping ones too, with its word boundaries
    /// checked: the substring search this replaced, as the reference.
    fn searched(haystack: &str, needle: &str) -> bool {
        !needle.is_empty()
            && (haystack.char_indices())
                .filter(|(i, _)| haystack[*i..].starts_with(needle))
                .any(|(i, _)| {
                    let j = i + needle.len();
                    (i == 0 || haystack.as_bytes()[i - 1] == b' ')
                        && (j == haystack.len() || haystack.as_bytes()[j] == b' ')
                })
    }

    proptest::proptest! {
        #[test]
        fn word_starts_agree_with_a_search(h in "[ab đ]{0,12}", n in "[ab đ]{0,4}") {
            proptest::prop_assert_eq!(contains_words(&h, &n), searched(&h, &n));
        }
    }
}
