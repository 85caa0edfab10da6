//! verdicts.csv: one row per verdict, UTF-8 with a byte-order mark so that
//! Excel shows Vietnamese correctly when the file is double-clicked.

use super::VerdictList;
use super::{label, neutralise};
use crate::evaluate::ruleset::RuleSet;

pub fn write_csv(
    v: &dyn VerdictList,
    rules: &RuleSet,
    mut out: impl std::io::Write,
) -> anyhow::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let headers = [
            "name",
            "birth_date",
            "unit",
            "status",
            "codes",
            "reasons",
            "sources",
            "dossier",
            "list_row",
        ];
        w.write_record(headers.iter().map(|h| label(rules, h)))?;
        v.each(&mut |x| {
            let codes: Vec<&str> = x.reasons.iter().map(|r| r.code.as_str()).collect();
            let messages: Vec<&str> = x.reasons.iter().map(|r| r.message.as_str()).collect();
            let sources: Vec<&str> = x
                .reasons
                .iter()
                .flat_map(|r| r.sources.iter().map(String::as_str))
                .collect();
            let birth = x.birth_date.map(|d| d.iso()).unwrap_or_default();
            let fields = [
                x.name.as_str(),
                birth.as_str(),
                x.unit.as_deref().unwrap_or(""),
                rules.status_name(x.status),
                &codes.join("; "),
                &messages.join("; "),
                &sources.join("; "),
                x.dossier.as_deref().unwrap_or(""),
                x.list_row.as_deref().unwrap_or(""),
            ];
            w.write_record(fields.iter().map(|f| neutralise(f).into_owned()))?;
            Ok(())
        })?;
        w.flush()?;
    }
    Ok(())
}
