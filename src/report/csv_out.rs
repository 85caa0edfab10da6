//! verdicts.csv: one row per verdict, UTF-8 with a byte-order mark so that
//! Excel shows Vietnamese correctly when the file is double-clicked.

use super::VerdictList;
use crate::evaluate::ruleset::RuleSet;

pub fn write_csv(
    v: &dyn VerdictList,
    rules: &RuleSet,
    mut out: impl std::io::Write,
) -> anyhow::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    out.write_all(&super::rendered::csv_header(rules)?)?;
    v.each(rules, &mut |x| Ok(out.write_all(x.csv)?))?;
    out.flush()?;
    Ok(())
}
