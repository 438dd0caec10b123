//! The sandbox's reading of encoded queries, with the instance's quirks: a condition on a
//! column the table does not have is ignored (so a typo matches every row), `^OR` binds
//! tighter than `^`, and `^NQ` starts a new OR-ed query. Values compare without regard to
//! case, as the instance's database collation does (`name=ms graph 1` finds "MS Graph 1");
//! column names and operators stay case-sensitive.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    IsEmpty,
    IsNotEmpty,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub path: Vec<String>,
    pub op: Op,
    pub value: String,
}

/// `groups[n]` is one `^NQ` part: a list of AND-ed clauses, each an OR of conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub groups: Vec<Vec<Vec<Cond>>>,
    pub order: Vec<(String, bool)>,
}

const OPS: &[(&str, Op)] = &[
    ("ISNOTEMPTY", Op::IsNotEmpty),
    ("ISEMPTY", Op::IsEmpty),
    ("NOT IN", Op::NotIn),
    ("NOT LIKE", Op::NotLike),
    ("STARTSWITH", Op::StartsWith),
    ("ENDSWITH", Op::EndsWith),
    ("LIKE", Op::Like),
    ("IN", Op::In),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
];

pub fn parse(query: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for part in query.split("^NQ") {
        let mut clauses: Vec<Vec<Cond>> = Vec::new();
        for token in part.split('^') {
            if token.is_empty() || token == "EQ" {
                continue;
            }
            if let Some(col) = token.strip_prefix("ORDERBYDESC") {
                parsed.order.push((col.to_string(), true));
            } else if let Some(col) = token.strip_prefix("ORDERBY") {
                parsed.order.push((col.to_string(), false));
            } else if let Some(rest) = token.strip_prefix("OR") {
                if let Some(c) = parse_cond(rest) {
                    match clauses.last_mut() {
                        Some(last) => last.push(c),
                        None => clauses.push(vec![c]),
                    }
                }
            } else if let Some(c) = parse_cond(token) {
                clauses.push(vec![c]);
            }
        }
        parsed.groups.push(clauses);
    }
    parsed
}

fn parse_cond(token: &str) -> Option<Cond> {
    let end = token
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
        .unwrap_or(token.len());
    let (field, rest) = token.split_at(end);
    if field.is_empty() {
        return None;
    }
    let (op, value) = OPS.iter().find_map(|(text, op)| rest.strip_prefix(text).map(|v| (op.clone(), v)))?;
    Some(Cond { path: field.split('.').map(str::to_string).collect(), op, value: value.to_string() })
}

impl Op {
    /// Does a value hold against the condition's value? Text compares case-insensitively;
    /// numbers as numbers.
    pub fn holds(&self, actual: &str, wanted: &str) -> bool {
        let (a, w) = (actual.to_lowercase(), wanted.to_lowercase());
        let num = |s: &str| s.trim().parse::<f64>().ok();
        let cmp = || match (num(&a), num(&w)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => Some(a.cmp(&w)),
        };
        let listed = || w.split(',').any(|item| item == a);
        match self {
            Op::Eq => a == w,
            Op::Ne => a != w,
            Op::Like => a.contains(&w),
            Op::NotLike => !a.contains(&w),
            Op::StartsWith => a.starts_with(&w),
            Op::EndsWith => a.ends_with(&w),
            Op::In => listed(),
            Op::NotIn => !listed(),
            Op::IsEmpty => a.is_empty(),
            Op::IsNotEmpty => !a.is_empty(),
            Op::Gt => cmp() == Some(std::cmp::Ordering::Greater),
            Op::Ge => matches!(cmp(), Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
            Op::Lt => cmp() == Some(std::cmp::Ordering::Less),
            Op::Le => matches!(cmp(), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_binds_tighter_and_orderby_is_not_or() {
        let p = parse("active=true^name=a^ORname=b^ORDERBYname^ORDERBYDESCorder");
        assert_eq!(p.groups.len(), 1);
        assert_eq!(p.groups[0].len(), 2);
        assert_eq!(p.groups[0][1].len(), 2);
        assert_eq!(p.order, vec![("name".to_string(), false), ("order".to_string(), true)]);
    }

    #[test]
    fn values_keep_equals_and_dots_walk() {
        let p = parse("name=a=b^role.nameINadmin,itil^descriptionISEMPTY");
        let c = &p.groups[0];
        assert_eq!(c[0][0].value, "a=b");
        assert_eq!(c[1][0].path, vec!["role", "name"]);
        assert_eq!(c[1][0].op, Op::In);
        assert_eq!(c[2][0].op, Op::IsEmpty);
    }

    #[test]
    fn text_compares_without_regard_to_case() {
        assert!(Op::Eq.holds("MS Graph 1", "ms graph 1"));
        assert!(!Op::Ne.holds("MS Graph 1", "ms GRAPH 1"));
        assert!(Op::In.holds("MS Graph 2", "ms graph 1,ms graph 2"));
        assert!(!Op::NotIn.holds("MS Graph 2", "MS GRAPH 2"));
        assert!(Op::StartsWith.holds("Contoso Rooms", "contoso"));
        assert!(Op::Lt.holds("alpha", "Beta"));
        assert!(Op::Gt.holds("10", "9"));
    }
}
