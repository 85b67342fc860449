//! Words for ids no lifecycle file names (an outcome or category an
//! earlier definition had): the id with spaces and a capital letter. The
//! lifecycle files give every current value its words (`value_labels`).

/// `annan_myndighet` as "Annan myndighet".
pub fn humanised(id: &str) -> String {
    let spaced = id.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::humanised;

    #[test]
    fn an_id_reads_with_spaces_and_a_capital() {
        assert_eq!(humanised("annan_myndighet"), "Annan myndighet");
        assert_eq!(humanised("fall"), "Fall");
        assert_eq!(humanised(""), "");
    }
}
