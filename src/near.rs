//! Names close to a mistyped one, for the "did you mean" of a sentence that says a name
//! was not found (a credential for `authorize`, an alias or credential in a plan).

/// Edit distance between two names, compared without regard to case.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// How many edits still count as a typo of `name`: a third of its length, at least 2.
pub fn limit(name: &str) -> usize {
    (name.chars().count() / 3).max(2)
}

/// The names nearest to `name`, all at the same smallest distance and within `limit`,
/// sorted and without repeats; empty when none is near.
pub fn nearest<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let scored: Vec<(usize, &str)> =
        names.into_iter().filter(|n| !n.trim().is_empty()).map(|n| (distance(name, n), n)).collect();
    let Some(best) = scored.iter().map(|(d, _)| *d).min().filter(|d| *d <= limit(name)) else { return vec![] };
    let mut near: Vec<&str> = scored.into_iter().filter(|(d, _)| *d == best).map(|(_, n)| n).collect();
    near.sort_unstable();
    near.dedup();
    near
}

/// `; did you mean "A"?` (or `"A" or "B"`) for the nearest names; empty when none is near.
pub fn did_you_mean<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    let near = nearest(name, names);
    if near.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = near.iter().map(|n| format!("\"{}\"", crate::sanitize::line(n))).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let names = ["Contoso Graph Personal", "MS Graph 1", "MS Graph 2"];
        assert_eq!(nearest("Contoso Graph Personl", names), vec!["Contoso Graph Personal"]);
        assert_eq!(nearest("ms graph 3", names), vec!["MS Graph 1", "MS Graph 2"]);
        assert!(nearest("Fabrikam Rooms", names).is_empty());
        assert_eq!(did_you_mean("MS Grpah 1", names), "; did you mean \"MS Graph 1\"?");
        assert_eq!(did_you_mean("Fabrikam Rooms", names), "");
    }
}
