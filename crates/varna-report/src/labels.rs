//! Swedish words for the choice ids of the shipped workflows. Ids are
//! ASCII (`lakemedel`); people read "Läkemedel". Ids not listed here read
//! as themselves with spaces and a capital letter.

/// Ids whose Swedish spelling needs å, ä, ö or another form.
const LABELS: &[(&str, &str)] = &[
    // Avvikelse and lex Maria categories.
    ("lakemedel", "Läkemedel"),
    ("bemotande", "Bemötande"),
    (
        "brist_vid_genomforande_av_insats",
        "Brist vid genomförande av insats",
    ),
    (
        "informationsoverforing_samverkan",
        "Informationsöverföring/samverkan",
    ),
    ("hot_och_vald", "Hot och våld"),
    ("medicinteknisk_produkt", "Medicinteknisk produkt"),
    ("forflyttning", "Förflyttning"),
    ("ovrigt", "Övrigt"),
    ("vard_och_behandling", "Vård och behandling"),
    // Lex Sarah categories.
    ("fysiska_overgrepp", "Fysiska övergrepp"),
    ("sexuella_overgrepp", "Sexuella övergrepp"),
    ("psykiska_overgrepp", "Psykiska övergrepp"),
    ("ekonomiska_overgrepp", "Ekonomiska övergrepp"),
    ("brister_i_bemotande", "Brister i bemötande"),
    ("brister_i_rattssakerhet", "Brister i rättssäkerhet"),
    ("insats_ej_utford", "Insats ej utförd"),
    ("insats_felaktigt_utford", "Insats felaktigt utförd"),
    (
        "brister_i_miljo_eller_utrustning",
        "Brister i miljö eller utrustning",
    ),
    // Complaints.
    ("klagomal", "Klagomål"),
    ("forslag", "Förslag"),
    ("berom", "Beröm"),
    ("rutiner", "Rutiner"),
    ("narstaende", "Närstående"),
    ("allmanheten", "Allmänheten"),
    // Gender.
    ("ej_angivet", "Ej angivet"),
];

/// The Swedish label of a choice id.
pub fn value_label(id: &str) -> String {
    if let Some((_, label)) = LABELS.iter().find(|(k, _)| *k == id) {
        return (*label).to_owned();
    }
    let spaced = id.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::value_label;

    #[test]
    fn listed_ids_read_in_swedish_and_others_read_as_words() {
        assert_eq!(value_label("lakemedel"), "Läkemedel");
        assert_eq!(value_label("berom"), "Beröm");
        assert_eq!(value_label("annan_myndighet"), "Annan myndighet");
        assert_eq!(value_label("fall"), "Fall");
        assert_eq!(value_label(""), "");
    }
}
