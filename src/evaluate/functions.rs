//! `contains_any(text, [phrases])` and `blank_or(text, [words])` (see
//! [`super::cel`]), reading their arguments as cel's values, in place.
//!
//! Why not typed closures (`|text: Arc<String>, phrases: Arc<Vec<Value>>|`,
//! as cel's examples do): cel then copies the text, and converts the list
//! to `Value`s, a copy of every phrase, on every call; and every phrase was
//! folded again on every call. With three of these calls per applicant,
//! that was a fifth of judging one. Here the text and the phrases are
//! borrowed, and a phrase is folded once per thread (`with_folded`).
//!
//! Arguments of another shape go through the typed path's steps, in its
//! order, with its errors, so a rule file's mistakes read as they did.

use cel::common::types::{CelList, CelString};
use cel::common::value::Val;
use cel::{ExecutionError, FunctionContext, Value};
use foldhash::fast::FixedState;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::text::fold_words;
use crate::vocab::contains_words;

/// `contains_any(text, phrases)`: the folded text contains one of the
/// phrases, folded, as whole words.
pub fn contains_any(ftx: &FunctionContext) -> Result<bool, ExecutionError> {
    let (text, mut phrases) = text_and_strings(ftx)?;
    let t = fold_words(text);
    Ok(phrases.any(|p| with_folded(p, |p| contains_words(&t, p))))
}

/// `blank_or(text, words)`: the folded text is empty or one of the words,
/// folded.
pub fn blank_or(ftx: &FunctionContext) -> Result<bool, ExecutionError> {
    let (text, mut words) = text_and_strings(ftx)?;
    let t = fold_words(text);
    Ok(t.is_empty() || words.any(|w| with_folded(w, |w| w == t)))
}

/// The text (first argument) and the strings of the list (second), as the
/// typed closure would have received them: an error for a missing argument
/// or one of another type; the list's other elements are skipped, as the
/// closures skipped them, after converting them (an element that cannot be
/// converted fails the call, as it did).
fn text_and_strings<'a>(
    ftx: &'a FunctionContext,
) -> Result<(&'a str, impl Iterator<Item = &'a str>), ExecutionError> {
    let arg = |i: usize| {
        ftx.args
            .get(i)
            .map(|v| v.as_ref())
            .ok_or_else(|| ExecutionError::invalid_argument_count(i + 1, ftx.args.len()))
    };
    let text = arg(0)?;
    let text = text
        .downcast_ref::<CelString>()
        .ok_or_else(|| unexpected(text, "Arc<String>"))?
        .inner();
    let list = arg(1)?;
    let Some(items) = list.downcast_ref::<CelList>().map(|l| l.inner()) else {
        // What the typed path does with a list argument that is no list:
        // converts it to a `Value`, then finds it is not a list.
        Value::try_from(list)?;
        return Err(unexpected(list, "Arc<Vec<Value>>"));
    };
    for item in items {
        if item.downcast_ref::<CelString>().is_none() {
            Value::try_from(item.as_ref())?;
        }
    }
    let strings = items
        .iter()
        .filter_map(|item| item.downcast_ref::<CelString>().map(|s| s.inner()));
    Ok((text, strings))
}

/// The error the typed path gives an argument of the wrong type.
fn unexpected(value: &dyn Val, want: &str) -> ExecutionError {
    ExecutionError::UnexpectedType {
        got: format!("{value:?}"),
        want: want.to_string(),
    }
}

// Phrases folded so far on this thread: the phrases of rule files are
// few and read for every applicant. Cleared when it grows past
// `FOLDED_MAX`, should an expression build its phrases from the facts.
thread_local! {
    static FOLDED: RefCell<HashMap<Box<str>, Box<str>, FixedState>> =
        RefCell::new(HashMap::default());
}

const FOLDED_MAX: usize = 4096;

/// `f` of [`fold_words`]`(phrase)`.
fn with_folded<R>(phrase: &str, f: impl FnOnce(&str) -> R) -> R {
    FOLDED.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return f(&fold_words(phrase));
        };
        if let Some(folded) = cache.get(phrase) {
            return f(folded);
        }
        if cache.len() >= FOLDED_MAX {
            cache.clear();
        }
        let folded = fold_words(phrase);
        let r = f(&folded);
        cache.insert(phrase.into(), folded.into());
        r
    })
}
