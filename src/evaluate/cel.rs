//! The expression language of rule files: CEL (<https://cel.dev>), through the
//! maintained `cel` crate. We add three functions that Vietnamese paperwork
//! needs and CEL lacks, all comparing on folded text (case, diacritics and
//! punctuation ignored, see [`crate::text::fold_words`]):
//!
//! - `contains_any(text, ["a", "b"])`: the text contains one of the phrases as whole words;
//! - `blank_or(text, ["không", "chưa"])`: the text is empty or is one of the words;
//! - `fold(text)`: the folded text itself.

use cel::{Context, Env, Program, Value};
use std::sync::{Arc, LazyLock};

use crate::text::fold_words;

/// Names that rule expressions may call besides CEL's standard library.
pub const FUNCTIONS: &[&str] = &["contains_any", "blank_or", "fold"];

/// A compiled CEL expression with its source text.
#[derive(Debug)]
pub struct Expr {
    pub source: String,
    program: Program,
}

impl Expr {
    pub fn compile(source: &str) -> Result<Expr, String> {
        let program = Program::compile(source)
            .map_err(|e| format!("expression does not compile: {}", one_line(&e.to_string())))?;
        Ok(Expr {
            source: source.to_string(),
            program,
        })
    }

    pub fn eval(&self, ctx: &Context) -> Result<Value, String> {
        self.program
            .execute(ctx)
            .map_err(|e| format!("{} (in `{}`)", one_line(&e.to_string()), self.source))
    }

    pub fn eval_bool(&self, ctx: &Context) -> Result<bool, String> {
        match self.eval(ctx)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "`{}` gives {} instead of true or false",
                self.source,
                render(&other)
            )),
        }
    }

    /// Top-level variables the expression reads (`form` for `form.party_date`).
    pub fn variables(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .program
            .references()
            .variables()
            .into_iter()
            .map(str::to_string)
            .collect();
        v.sort();
        v
    }
}

/// A reason text with `{expression}` parts, e.g.
/// `"Số tiết {periods.matched} chưa đạt 80% của {benchmark.total}"`.
#[derive(Debug)]
pub struct Template {
    pub source: String,
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Expr(Expr),
}

impl Template {
    pub fn compile(source: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in {source:?}"))?;
            parts.push(Part::Expr(Expr::compile(after[..close].trim())?));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    pub fn render(&self, ctx: &Context) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => out.push_str(&render(&e.eval(ctx)?)),
            }
        }
        Ok(out)
    }

    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Text(_) => None,
        })
    }
}

/// A value as a clerk reads it: whole numbers without decimals, a decimal
/// comma, ISO dates (how facts keep them, so they compare) as dd/mm/yyyy,
/// lists joined with "; ".
pub fn render(v: &Value) -> String {
    match v {
        Value::String(s) => match crate::date::Date::parse(s) {
            Some(d) if s.len() == 10 && s.as_bytes()[4] == b'-' => d.display_vn(),
            _ => s.to_string(),
        },
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Float(f) => format!("{:.1}", f).replace('.', ","),
        Value::Bool(b) => if *b { "có" } else { "không" }.to_string(),
        Value::List(items) => items.iter().map(render).collect::<Vec<_>>().join("; "),
        Value::Null => String::new(),
        other => format!("{other:?}"),
    }
}

/// The root context every evaluation runs under: CEL's standard environment
/// and our functions, built once. Building the environment registers every
/// standard function and cost more than judging an applicant; registering
/// our three functions per applicant was a dozen allocations more. Each
/// evaluation gets a child scope of it ([`base_context`]) for its variables.
static BASE: LazyLock<Context<'static, 'static>> = LazyLock::new(|| {
    let mut ctx = Context::with_env(Arc::new(Env::stdlib()));
    // The names are ours and cannot collide with CEL's standard library, so
    // registration cannot fail; an error here would be a programming bug.
    let _ = ctx.add_function("contains_any", super::functions::contains_any);
    let _ = ctx.add_function("blank_or", super::functions::blank_or);
    let _ = ctx.add_function("fold", |text: Arc<String>| -> String { fold_words(&text) });
    ctx
});

/// A context with our functions and no variables yet: a child scope of
/// the shared root, so making one allocates nothing.
pub fn base_context() -> Context<'static, 'static> {
    BASE.new_inner_scope()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with(name: &str, value: &str) -> Context<'static, 'static> {
        let mut ctx = base_context();
        ctx.add_variable_from_value(name, value.to_string());
        ctx
    }

    #[test]
    fn functions_compare_folded_text() {
        let ctx = ctx_with("x", "Trường Chính trị tỉnh Kon Tum");
        let e = Expr::compile(r#"contains_any(x, ["trường chính trị", "học viện chính trị"])"#)
            .unwrap();
        assert!(e.eval_bool(&ctx).unwrap());
        let ctx = ctx_with("x", "Trường Đại học Sư phạm");
        assert!(!e.eval_bool(&ctx).unwrap());
        let e = Expr::compile(r#"blank_or(x, ["không", "chưa"])"#).unwrap();
        assert!(e.eval_bool(&ctx_with("x", " KHÔNG ")).unwrap());
        assert!(e.eval_bool(&ctx_with("x", "")).unwrap());
        assert!(!e.eval_bool(&ctx_with("x", "03/02/2010")).unwrap());
    }

    #[test]
    fn templates_render_values() {
        let mut ctx = base_context();
        ctx.add_variable_from_value("n", 150.0);
        ctx.add_variable_from_value("p", 74.5);
        ctx.add_variable_from_value("d", "2021-07-09".to_string());
        let t = Template::compile("Số tiết {n} chưa đạt, {p}%, ký {d}").unwrap();
        assert_eq!(
            t.render(&ctx).unwrap(),
            "Số tiết 150 chưa đạt, 74,5%, ký 09/07/2021"
        );
        assert!(Template::compile("mở {n").is_err());
        assert!(Template::compile("{n +}").is_err());
    }
}
